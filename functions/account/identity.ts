import type { APIGatewayProxyEvent } from 'aws-lambda';
import type { Account } from '../../libs/accounts/index.ts';
import {
  identityOf,
  loadPhoneProofing,
  type ProofingContext,
  type ProofingDeps,
  proofingFailureOf,
  readProofingCode,
  readProofingForm,
} from '../../libs/identity/index.ts';
import type { FirstPartyPortal, PortalSession } from '../../libs/portal/index.ts';
import {
  failureHasOwnPage,
  proofingCodeErrors,
  proofingFieldErrors,
  proofingRefusalErrors,
} from '../../libs/proofing-pages/index.ts';
import { mailQueueOf, type Runtime } from '../../libs/runtime/index.ts';
import type { Lang } from '../../libs/web/index.ts';
import type { CompanyPagesDeps } from './companies.ts';
import { requestOrigin } from './origin.ts';
import type { AccountPage } from './views.ts';
import { identityCodeView, identityFailureView, identityView } from './views.ts';

/** What the identity pages need from the account function. */
export interface IdentityPagesDeps {
  readonly runtime: Runtime;
  readonly portal: FirstPartyPortal;
  /** The portal's own client id, named in the audit events. */
  readonly clientId: string;
  /** How pages are shown (the same as the company pages'). */
  readonly show: CompanyPagesDeps['show'];
}

type Page = AccountPage;

/**
 * `/account/identity`: the person's identity and level, and remote proofing in two steps — the
 * registry check (name, ID number, a phone registered to the person), then the code sent by SMS
 * to that phone (`/account/identity/code`), which alone records the identity (libs/identity).
 */
export const identityPages = (deps: IdentityPagesDeps) => {
  const { runtime, portal, show } = deps;
  const { basePath } = portal;
  const mail = mailQueueOf(runtime);
  // Loaded on the first proofing page, not at the function's cold start.
  let phone: Pick<ProofingDeps, 'codes' | 'smsBudget'> | undefined;
  const proofingDeps = async (): Promise<ProofingDeps | undefined> => {
    const identity = identityOf(runtime);
    if (!identity.source) return undefined;
    phone ??= (await loadPhoneProofing()).phoneProofingOf(runtime.doc, runtime.config.tables.identity);
    return {
      ...identity,
      ...phone,
      source: identity.source,
      accounts: runtime.accounts,
      audit: runtime.audit,
      mail,
    };
  };
  const contextOf = (event: APIGatewayProxyEvent): ProofingContext => ({
    zone: runtime.config.zone,
    client: deps.clientId,
    ...requestOrigin(event),
  });
  const failed = (event: APIGatewayProxyEvent, session: PortalSession, lang: Lang, err: unknown) => {
    const known = proofingFailureOf(err);
    if (!known || !failureHasOwnPage(known.failure)) throw err;
    return show(
      event,
      lang,
      known.status,
      identityFailureView(lang, session, known.failure),
      '/account/identity',
    );
  };
  const codePage = async (
    event: APIGatewayProxyEvent,
    session: PortalSession,
    lang: Lang,
    account: Account,
    status: number,
    extra: Omit<Parameters<typeof identityCodeView>[2], 'sent'> = {},
  ) => {
    const proofing = await proofingDeps();
    const sent =
      proofing && !account.identity
        ? await (await loadPhoneProofing()).pendingProofing(proofing, account.id)
        : undefined;
    // Nothing waiting (expired, used, or never started): back to the form.
    if (!sent) return portal.redirect(`${basePath}/account/identity`);
    return show(
      event,
      lang,
      status,
      identityCodeView(lang, session, { sent, ...extra }),
      '/account/identity/code',
    );
  };

  const page: Page = async (event, session, lang, account) => {
    const proofing = account.identity ? undefined : await proofingDeps();
    const waiting = proofing && (await (await loadPhoneProofing()).pendingProofing(proofing, account.id));
    return show(
      event,
      lang,
      200,
      identityView(lang, session, {
        account,
        online: identityOf(runtime).source !== undefined,
        verified: event.queryStringParameters?.verified === '1',
        codeWaiting: waiting?.phoneMasked,
      }),
      '/account/identity',
    );
  };

  const start: Page = async (event, session, lang, account) => {
    const form = portal.readForm(event, session);
    const values = {
      name: (form.get('name') ?? '').slice(0, 200),
      residentId: (form.get('residentId') ?? '').slice(0, 100),
      phone: (form.get('phone') ?? '').slice(0, 100),
    };
    const proofing = await proofingDeps();
    const again = (status: number, errors: Parameters<typeof identityView>[2]['errors']) =>
      show(
        event,
        lang,
        status,
        identityView(lang, session, { account, online: proofing !== undefined, values, errors }),
        '/account/identity',
      );
    // Proved already (or no registry to ask): the page says what the next level takes.
    if (!proofing || account.identity) return again(proofing ? 409 : 503, []);
    const read = readProofingForm(values);
    if (!read.ok) return again(400, proofingFieldErrors(lang, read.problems));
    try {
      await (await loadPhoneProofing()).startRemoteProofing(
        proofing,
        account,
        read.input,
        contextOf(event),
        lang,
      );
    } catch (err: unknown) {
      const known = proofingFailureOf(err);
      if (known?.failure.kind === 'refused')
        return again(known.status, proofingRefusalErrors(lang, known.failure));
      return failed(event, session, lang, err);
    }
    // Post, redirect, get: a reload shows the code page, never sends the number (or a code) again.
    return portal.redirect(`${basePath}/account/identity/code`);
  };

  const code: Page = async (event, session, lang, account) =>
    codePage(event, session, lang, account, 200, { resent: event.queryStringParameters?.resent === '1' });

  const confirm: Page = async (event, session, lang, account) => {
    const form = portal.readForm(event, session);
    const proofing = await proofingDeps();
    if (!proofing || account.identity) return portal.redirect(`${basePath}/account/identity`);
    const read = readProofingCode({ proofingId: form.get('proofingId') ?? '', code: form.get('otp') ?? '' });
    if (!read.ok)
      return codePage(event, session, lang, account, 400, {
        errors: proofingCodeErrors(lang, read.problem),
      });
    try {
      await (await loadPhoneProofing()).confirmRemoteProofing(proofing, account, read, contextOf(event));
    } catch (err: unknown) {
      const known = proofingFailureOf(err);
      if (known?.failure.kind === 'code-wrong' && known.failure.triesLeft > 0)
        return codePage(event, session, lang, account, known.status, {
          errors: proofingCodeErrors(lang, {
            triesLeft: known.failure.triesLeft,
          }),
        });
      return failed(event, session, lang, err);
    }
    return portal.redirect(`${basePath}/account/identity?verified=1`);
  };

  const resend: Page = async (event, session, lang, account) => {
    const form = portal.readForm(event, session);
    const proofing = await proofingDeps();
    if (!proofing || account.identity) return portal.redirect(`${basePath}/account/identity`);
    try {
      await (await loadPhoneProofing()).resendProofingCode(
        proofing,
        account,
        (form.get('proofingId') ?? '').slice(0, 64),
        contextOf(event),
        lang,
      );
    } catch (err: unknown) {
      return failed(event, session, lang, err);
    }
    return portal.redirect(`${basePath}/account/identity/code?resent=1`);
  };

  return { page, start, code, confirm, resend };
};
