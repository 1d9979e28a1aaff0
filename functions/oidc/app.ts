import type { IncomingMessage } from 'node:http';
import type { SQSClient } from '@aws-sdk/client-sqs';
import type {
  APIGatewayProxyEvent,
  APIGatewayProxyResult,
  Context,
  SQSBatchResponse,
  SQSEvent,
} from 'aws-lambda';
import type { KoaContextWithOIDC } from 'oidc-provider';
import serverless from 'serverless-http';
import {
  BackgroundMail,
  ChannelNotifier,
  deliverMailJobs,
  InteractionAttempts,
  isMailJob,
  LoginLockout,
  type MailQueue,
  type Notifier,
  OutboxNotifier,
  PendingSignIns,
  SesNotifier,
  SourceThrottle,
  SqsMailQueue,
} from '../../libs/accounts/index.ts';
import type { AppConfig } from '../../libs/config/index.ts';
import { httpFunction, isTransient, PROBLEM_CONTENT_TYPE, prefersPage } from '../../libs/http/index.ts';
import { identityOf } from '../../libs/identity/index.ts';
import { createProvider } from '../../libs/issuer/index.ts';
import { currentSecret } from '../../libs/keys/index.ts';
import { LogMessage, logger, traced } from '../../libs/observability/index.ts';
import {
  deliverBackchannelJob,
  deliverBackchannelJobs,
  ensureCliClient,
  ensurePortalClient,
  FIRST_PARTY_PORTALS,
  InProcessBackchannelQueue,
  isSqsEvent,
  OidcRegistry,
  oidcItemKey,
  RESOURCE_SERVER_MAX_AGE_MS,
  rememberDevice,
  SqsBackchannelQueue,
} from '../../libs/oidc/index.ts';
import type { Runtime, RuntimeWarmup } from '../../libs/runtime/index.ts';
import { flushWrites, type ItemKey, prefetchItems, withRequestMemo } from '../../libs/store/index.ts';
import { errorPages, t } from '../../libs/web/index.ts';
import { auditProtocolEvents } from './audit-events.ts';
import { langOf } from './page-kit.ts';
import { errorPage, homePage, providerPage, providerPages } from './provider-pages.ts';
import { messageBody } from './provider-views.ts';

type Middleware = (ctx: KoaContextWithOIDC, next: () => Promise<void>) => Promise<void>;

/**
 * The paths of yitong's own pages (`own-pages.ts`): each route's template starts with one of
 * these literal segments, and a page answers only its canonical path, so any other path goes on
 * to oidc-provider without loading the pages (test/unit/sign-in-routes.test.ts checks the list).
 */
export const OWN_PAGE_PATH = /^\/(interaction|password|register|outbox)(\/|$)/;

const mailFailed = (err: unknown) =>
  logger.error(LogMessage.accountMailFailed, { error: err instanceof Error ? err.message : String(err) });

/** What the resume read-ahead looks at in a stored interaction or session (oidc-provider's payloads). */
interface StoredPayload {
  readonly params?: { readonly client_id?: unknown };
  readonly result?: {
    readonly login?: { readonly accountId?: unknown };
    readonly consent?: { readonly grantId?: unknown };
  };
  readonly accountId?: unknown;
  readonly authorizations?: Record<string, { readonly grantId?: unknown } | undefined>;
}

type ProxiedRequest = IncomingMessage & { originalUrl?: string; socket: { encrypted?: boolean } };

/** The portals of a zone, which its issuer registers. */
const portalsOf = (zone: AppConfig['zone']) => FIRST_PARTY_PORTALS.filter((p) => p.zone === zone);

/** Everything `buildOidc` reads at init, for `createRuntime` to start at once. */
export const oidcWarmup = (config: AppConfig): RuntimeWarmup => ({
  signers: ['id-token'],
  secrets: ['pairwise-salt', 'reset-code-key', ...portalsOf(config.zone).map((p) => p.secretName)],
});

/**
 * The zone's OpenID provider as an API Gateway REST (v1) proxy handler. serverless-http
 * marks every request as TLS, which Koa trusts before X-Forwarded-Proto; we clear that so
 * the forwarded protocol decides (https behind API Gateway, http on the local gateway).
 * When the issuer has a path (an API stage such as /prod), it is the mount path.
 */
export const buildOidc = async (runtime: Runtime) => {
  const { config, doc, audit, accounts, access } = runtime;
  const table = config.tables.identity;
  const mountPath = new URL(config.issuer).pathname.replace(/\/$/, '');
  // On AWS the zone's queue carries back-channel logouts and account messages alike.
  // The client is made on first use (a chunk of its own): discovery never loads it.
  let sqsClient: Promise<SQSClient> | undefined;
  const sqs = config.backchannelQueueUrl
    ? () => {
        if (!sqsClient) {
          sqsClient = import('@aws-sdk/client-sqs').then(({ SQSClient }) => traced(new SQSClient({})));
          // A failed load must not stick for the life of the container.
          sqsClient.catch(() => {
            sqsClient = undefined;
          });
        }
        return sqsClient;
      }
    : undefined;
  // Resource servers are read at most once a minute per container, as the authorizer reads them.
  const registry = new OidcRegistry(doc, table, { resourceServerMaxAgeMs: RESOURCE_SERVER_MAX_AGE_MS });
  const [idTokenSigner, pairwiseSalt, resetCodeKeys] = await Promise.all([
    runtime.keyring.signer('id-token'),
    currentSecret(runtime.secrets, 'pairwise-salt'),
    runtime.secrets.versions('reset-code-key'),
    // The issuer registers yitong's own portals of its zone (they only read the registry):
    // the stored registration is read alongside the portal's secret, and written only when
    // out of step (docs/architecture.md, "Cold start").
    ...portalsOf(config.zone).map((p) =>
      ensurePortalClient(doc, table, p, config.issuer, currentSecret(runtime.secrets, p.secretName)),
    ),
    ...(config.zone === 'intranet' ? [ensureCliClient(doc, table)] : []),
  ]);
  const provider = createProvider({
    zone: config.zone,
    issuer: config.issuer,
    doc,
    identityTable: table,
    idTokenSigner,
    cookieKeys: runtime.cookieKeys,
    accounts,
    registry,
    access,
    pairwiseSalt,
    allowLoopbackRequests: config.localMode,
    backchannelQueue:
      sqs && config.backchannelQueueUrl
        ? new SqsBackchannelQueue(sqs, config.backchannelQueueUrl)
        : undefined,
    pages: providerPages,
    companies: { companies: identityOf(runtime).companies, acting: identityOf(runtime).acting },
  });
  // Local mode: other functions (the account portal ending an agent's sessions) hand this
  // zone's logout jobs to its in-process queue, and this function signs and delivers them.
  const localQueue = runtime.backchannel?.[config.zone];
  if (localQueue instanceof InProcessBackchannelQueue)
    localQueue.deliverWith((job) => deliverBackchannelJob(provider, job));
  const lockout = new LoginLockout(doc, table);
  const throttle = new SourceThrottle(doc, table);
  // Local mode: the stack's one outbox (every function's messages), or this function's own.
  const outbox = runtime.outbox ?? (config.localMode ? new OutboxNotifier() : undefined);
  // On AWS each message goes out on its channel: email through SES, SMS through End User
  // Messaging when an origination identity is configured (without one, SMS are not offered).
  const notifier: Notifier =
    outbox ??
    new ChannelNotifier({
      email: new SesNotifier(config.mailFrom ?? 'no-reply@localhost'),
      ...(config.sms ? { sms: smsNotifier(config.sms) } : {}),
    });
  const mail: MailQueue =
    sqs && config.backchannelQueueUrl
      ? new SqsMailQueue(sqs, config.backchannelQueueUrl)
      : new BackgroundMail(notifier, mailFailed);
  // A store that throttles or times out is a reason to retry, not a server fault: answer 503
  // with Retry-After (a page for people, JSON for machines) — whether the error reached us or
  // oidc-provider caught it on its own endpoints and was about to answer server_error.
  const busy = (ctx: KoaContextWithOIDC, err: unknown) => {
    logger.warn(LogMessage.dependencyBusy, {
      path: ctx.path,
      error: err instanceof Error ? err.name : String(err),
    });
    ctx.status = 503;
    ctx.set('retry-after', '1');
    if (ctx.accepts('html', 'json') === 'json' || ctx.path === '/token' || ctx.path.startsWith('/token/')) {
      ctx.type = 'json';
      ctx.body = {
        error: 'temporarily_unavailable',
        error_description: 'the service is busy; retry in a second',
      };
    } else {
      const lang = langOf(ctx);
      ctx.type = 'html';
      ctx.body = providerPage(
        ctx,
        t(lang, 'busyTitle'),
        messageBody(t(lang, 'busyTitle'), t(lang, 'busyLead')),
      );
    }
  };
  provider.use(async (ctx: KoaContextWithOIDC, next: () => Promise<void>) => {
    try {
      await next();
    } catch (err: unknown) {
      if (!isTransient(err)) throw err;
      return busy(ctx, err);
    }
    const transient = (ctx.state as { transientError?: unknown }).transientError;
    if (transient) busy(ctx, transient);
  });
  const pending = new PendingSignIns(doc, table);
  const attempts = new InteractionAttempts(doc, table);
  // An interaction step reads its interaction, the session, the pending state and the attempts
  // budget; resuming reads the interaction and the session. Each request reads those items in one
  // call, named by the cookies the provider will read them by (see prefetchItems); what it
  // deferred (libs/oidc adapter: tokens, codes, sessions) it writes in one call before answering.
  provider.use(async (ctx: KoaContextWithOIDC, next: () => Promise<void>) => {
    // A hint only, read unsigned (no cookie side effects): the provider verifies each cookie's
    // signature before it reads by it, and a prefetched item serves only a read of its own key.
    const cookie = (name: string) => ctx.cookies.get(provider.cookieName(name), { signed: false });
    const keys: ItemKey[] = [];
    const step = /^\/interaction\/([\w-]{1,64})(\/|$)/.exec(ctx.path)?.[1];
    const resumed = /^\/auth\/([\w-]{1,64})$/.exec(ctx.path)?.[1];
    const interaction = step ? cookie('interaction') : resumed ? cookie('resume') : undefined;
    if (interaction && interaction === (step ?? resumed)) {
      keys.push(oidcItemKey('Interaction', interaction));
      const session = cookie('session');
      if (session) keys.push(oidcItemKey('Session', session));
      // The page reads the pending state; a posted step the attempts budget (and, but for the
      // password, the pending state): only what the route reads, as each read item is paid for.
      const posted = ctx.method === 'POST';
      const password = posted && ctx.path.endsWith('/login');
      if (step && !password) keys.push(pending.itemKey(step));
      if (step && posted) keys.push(attempts.itemKey(step));
    }
    // A session saved in this request keeps the device it was used from (the account centre).
    rememberDevice({ userAgent: ctx.get('user-agent'), sourceIp: ctx.ip, zone: config.zone });
    const found = keys.length > 1 || (resumed && keys.length) ? await prefetchItems(doc, table, keys) : [];
    // Resuming, the provider then reads the account, and the grant (or the consent remembered
    // when there is none yet) named by what was just read: those in a second single call.
    if (resumed && found.length) await prefetchItems(doc, table, resumeReads(found, keys));
    try {
      await next();
    } finally {
      // Tokens, codes and sessions minted in this request are stored before it answers, and
      // also when it fails after deferring them (a session deleted at logout stays deleted).
      await flushWrites(doc);
    }
  });
  /** The account and grant (or remembered consent) a resume will read, from its interaction and session. */
  const resumeReads = (found: readonly Record<string, unknown>[], keys: readonly ItemKey[]): ItemKey[] => {
    const payloadOf = (key: ItemKey | undefined) => {
      const item = key && found.find((i) => i.pk === key.pk && i.sk === key.sk);
      try {
        return typeof item?.payload === 'string' ? (JSON.parse(item.payload) as StoredPayload) : undefined;
      } catch {
        return undefined;
      }
    };
    const interaction = payloadOf(keys[0]);
    const session = payloadOf(keys[1]);
    const clientId = interaction?.params?.client_id;
    const accountId = interaction?.result?.login?.accountId ?? session?.accountId;
    if (typeof clientId !== 'string' || typeof accountId !== 'string') return [];
    const grantId = interaction?.result?.consent?.grantId ?? session?.authorizations?.[clientId]?.grantId;
    return [
      accounts.itemKey(accountId),
      typeof grantId === 'string'
        ? oidcItemKey('Grant', grantId)
        : registry.consentItemKey(accountId, clientId),
    ];
  };
  provider.silent = true;
  // Koa's own error event (the typings list only oidc-provider's events).
  (provider as unknown as NodeJS.EventEmitter).on('error', (err: unknown) =>
    logger.error(LogMessage.unhandledError, { error: err instanceof Error ? err : String(err) }),
  );
  provider.on('server_error', (ctx, err) => {
    if (isTransient(err)) (ctx.state as { transientError?: unknown }).transientError = err;
    else logger.error(LogMessage.oidcServerError, { error: err });
  });
  // A strict default CSP on every provider response; oidc-provider adds the hash of its own
  // inline script (form_post) to script-src, and our pages replace it with their nonce CSP.
  provider.use(async (ctx, next) => {
    ctx.state.basePath = mountPath;
    ctx.set(
      'content-security-policy',
      "default-src 'none'; script-src 'self'; base-uri 'none'; frame-ancestors 'none'",
    );
    await next();
  });
  // A path no function serves: for a browser the kit's "page not found" in its language; for a
  // program a problem+json 404 like every other API error; never Koa's text.
  provider.use(async (ctx: KoaContextWithOIDC, next: () => Promise<void>) => {
    await next();
    if (ctx.status !== 404 || ctx.body != null) return;
    ctx.status = 404;
    if (
      prefersPage({ method: ctx.method, accept: ctx.get('accept'), contentType: ctx.get('content-type') })
    ) {
      ctx.type = 'html';
      ctx.body = errorPage(ctx, 404);
    } else {
      ctx.type = PROBLEM_CONTENT_TYPE;
      ctx.body = JSON.stringify({
        type: 'urn:yitong:problem:not-found',
        title: 'Not found',
        status: 404,
        detail: `${ctx.method} ${ctx.path} is not an endpoint of this service`,
        code: 'NOT_FOUND',
      });
    }
  });
  // The issuer's home page: what yitong is, and the way into this zone's portals.
  provider.use(async (ctx: KoaContextWithOIDC, next: () => Promise<void>) => {
    if (ctx.path === '/' && (ctx.method === 'GET' || ctx.method === 'HEAD')) {
      ctx.type = 'html';
      ctx.body = homePage(ctx, config.zone);
      return;
    }
    await next();
  });
  provider.use(auditProtocolEvents(audit, config.zone));
  // Yitong's own pages (sign-in steps, password pages) load on the first request for one: a
  // cold start serving discovery, tokens or keys never compiles them. A failed load does not stick.
  let ownPages: Promise<Middleware> | undefined;
  const loadOwnPages = () => {
    if (!ownPages) {
      ownPages = import('./own-pages.ts').then((m) =>
        m.ownPages({
          runtime,
          provider,
          registry,
          lockout,
          throttle,
          pending,
          attempts,
          mail,
          resetCodeKeys,
          outbox,
        }),
      );
      ownPages.catch(() => {
        ownPages = undefined;
      });
    }
    return ownPages;
  };
  provider.use(async (ctx: KoaContextWithOIDC, next: () => Promise<void>) =>
    OWN_PAGE_PATH.test(ctx.path) ? (await loadOwnPages())(ctx, next) : next(),
  );

  const app = serverless(provider.callback(), {
    request: (request: ProxiedRequest) => {
      request.socket.encrypted = false;
      if (mountPath) request.originalUrl = `${mountPath}${request.url ?? ''}`;
    },
  });
  const http = httpFunction(
    config.zone,
    // Each request reads an interaction, session or account once (libs/store requestMemo).
    async (event, context) => (await withRequestMemo(() => app(event, context))) as APIGatewayProxyResult,
    { errorPage: errorPages(mountPath) },
  );
  return { http, provider, notifier };
};

/** The SMS adapter (libs/sms, with its SDK), loaded when the first SMS is sent, not at cold start. */
const smsNotifier = (settings: NonNullable<AppConfig['sms']>): Notifier => {
  let loaded: Promise<Notifier> | undefined;
  return {
    send: async (message) => {
      loaded ??= import('../../libs/sms/index.ts').then(({ SmsNotifier }) => new SmsNotifier(settings));
      // A failed load must not stick for the life of the container.
      loaded.catch(() => {
        loaded = undefined;
      });
      await (await loaded).send(message);
    },
  };
};

/** The HTTP handler (what API Gateway and the local gateway invoke). */
export const makeHandler = async (runtime: Runtime) => (await buildOidc(runtime)).http;

/**
 * The deployed entry: HTTP from API Gateway, and on AWS also the zone's queue (SQS events):
 * back-channel logouts, delivered with the provider's own logout tokens, and account
 * messages (reset codes, contact codes, notices), sent through SES or End User Messaging (SMS).
 */
export const makeLambdaHandler = async (runtime: Runtime) => {
  const { http, provider, notifier } = await buildOidc(runtime);
  const deliverQueued = async (event: SQSEvent): Promise<SQSBatchResponse> => {
    const mail = event.Records.filter(isMailJob);
    const logouts = event.Records.filter((r) => !isMailJob(r));
    const [mailFailures, logout] = await Promise.all([
      deliverMailJobs(notifier, mail, mailFailed),
      deliverBackchannelJobs(provider, { Records: logouts }, (job, err) =>
        logger.warn(LogMessage.backchannelFailed, {
          client: job.clientId,
          error: err instanceof Error ? err.message : String(err),
        }),
      ),
    ]);
    return { batchItemFailures: [...mailFailures, ...logout.batchItemFailures] };
  };
  return async (
    event: APIGatewayProxyEvent | SQSEvent,
    context: Context,
  ): Promise<APIGatewayProxyResult | SQSBatchResponse> =>
    isSqsEvent(event) ? deliverQueued(event) : http(event, context);
};
