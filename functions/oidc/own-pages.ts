import type { KoaContextWithOIDC, Provider } from 'oidc-provider';
import {
  type InteractionAttempts,
  type LoginLockout,
  type MailQueue,
  type OutboxNotifier,
  PasswordReset,
  type PendingSignIns,
  ReauthChallenges,
  SourceThrottle,
  TotpVault,
} from '../../libs/accounts/index.ts';
import { identityOf, loadPhoneProofing, type ProofingDeps } from '../../libs/identity/index.ts';
import type { OidcRegistry } from '../../libs/oidc/index.ts';
import type { Runtime } from '../../libs/runtime/index.ts';
import { pageRoutes } from './page-routes.ts';
import { passwordRouter } from './password-pages.ts';
import { interactionRouter } from './steps/index.ts';

/** What yitong's own pages need from `buildOidc`: all made at init, none read here. */
export interface OwnPagesDeps {
  readonly runtime: Runtime;
  readonly provider: Provider;
  readonly registry: OidcRegistry;
  readonly lockout: LoginLockout;
  readonly throttle: SourceThrottle;
  readonly pending: PendingSignIns;
  readonly attempts: InteractionAttempts;
  readonly mail: MailQueue;
  /** The reset code key's versions, read at init. */
  readonly resetCodeKeys: ConstructorParameters<typeof PasswordReset>[4];
  readonly outbox?: OutboxNotifier;
}

/**
 * Every page yitong renders itself in the oidc function (the sign-in steps, the password pages)
 * as one Koa middleware. `app.ts` loads this module with `import()` on the first request to one
 * of `OWN_PAGE_PATH`'s paths, so a cold start that only serves discovery, tokens or keys never
 * compiles the pages (docs/architecture.md, "Cold start").
 */
export const ownPages = (
  deps: OwnPagesDeps,
): ((ctx: KoaContextWithOIDC, next: () => Promise<void>) => Promise<void>) => {
  const { runtime, provider, registry, lockout, throttle, pending, attempts } = deps;
  const { config, doc, audit, accounts, access } = runtime;
  const table = config.tables.identity;
  const totpVault = new TotpVault(runtime.secrets);
  // Remote proofing's pending codes: loaded on the first proofing page (a chunk of its own).
  let phone: Pick<ProofingDeps, 'codes' | 'smsBudget'> | undefined;
  return pageRoutes(
    passwordRouter({
      zone: config.zone,
      issuer: config.issuer,
      accounts,
      audit,
      lockout,
      throttle,
      reset: new PasswordReset(doc, table, accounts, deps.mail, deps.resetCodeKeys),
      challenges: new ReauthChallenges(doc, table),
      totpVault,
      // Generous, because an agency's staff share a NAT address; per-name limits do the rest.
      resetSources: new SourceThrottle(doc, table, 50, 3600),
      outbox: deps.outbox,
      mail: deps.mail,
    }),
    interactionRouter({
      provider,
      zone: config.zone,
      issuer: config.issuer,
      registry,
      cookieKeys: runtime.cookieKeys,
      accounts,
      pending,
      attempts,
      totpVault,
      audit,
      access,
      lockout,
      throttle,
      identity: identityOf(runtime),
      mail: deps.mail,
      phoneProofing: async () => {
        phone ??= (await loadPhoneProofing()).phoneProofingOf(doc, table);
        return phone;
      },
      companies: identityOf(runtime).companies,
      acting: identityOf(runtime).acting,
    }),
  );
};
