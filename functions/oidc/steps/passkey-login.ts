import * as z from 'zod';
import { countFailure, isClosed, lockedOut, sourceThrottled } from '../../../libs/accounts/index.ts';
import { langOf, PageError } from '../page-kit.ts';
import { assertingPasskey, assertionOptions, verifyPasskeyAssertion } from '../passkeys.ts';
import type { SignIn } from './journey.ts';
import { json, type Step } from './kit.ts';
import { paused } from './refusals.ts';

/** POST /interaction/{uid}/passkey/login-options: a challenge for signing in with a passkey. */
export const passkeyLoginOptionsStep =
  (s: SignIn): Step =>
  async (ctx, uid) => {
    await s.postedJson(ctx, uid);
    const options = await assertionOptions(s.rp);
    await s.deps.pending.save(uid, { accountId: '', amr: [], challenge: options.challenge });
    return json(ctx, 200, options);
  };

/**
 * POST /interaction/{uid}/passkey/login: signs in with a passkey, on the same budget as every
 * other factor: throttled per source, refused while the owner's login name is locked, and a
 * failed assertion for a known passkey counts against it.
 */
export const passkeyLoginStep =
  (s: SignIn): Step =>
  async (ctx, uid) => {
    const { deps } = s;
    const { d, body } = await s.postedJson(ctx, uid);
    const lang = langOf(ctx);
    if (await deps.attempts.ended(uid)) throw await s.interactionEnded(ctx, lang);
    const at = s.attempt(ctx, d);
    if (await sourceThrottled(deps, at)) throw new PageError(429, 'throttled');
    const pending = await deps.pending.load(uid);
    const response = z
      .object({ id: z.string().max(1024) })
      .passthrough()
      .safeParse(body);
    if (!pending?.challenge || !response.success) throw new PageError(400, 'step_passkeyLoginAgain');
    const found = await assertingPasskey(deps.accounts, body);
    const owner = found ? await deps.accounts.findById(found.accountId) : undefined;
    // Only a passkey its account still lists: one removed in the account centre is refused even
    // if a crash left its item behind.
    const stored = found && owner?.passkeyIds.includes(found.credentialId) ? found : undefined;
    const before = owner && (await lockedOut(deps, owner.loginName, owner.id, at, 'login.failure'));
    if (before?.locked) throw paused(lang, before);
    const proof =
      stored && (await verifyPasskeyAssertion(deps.accounts, s.rp, body, pending.challenge, stored));
    const account = proof ? owner : undefined;
    if (!proof || !account) {
      const failure = {
        ...at,
        type: 'login.failure',
        outcome: 'failure' as const,
        subject: owner?.id,
        reason: 'passkey not recognised',
        details: { method: 'passkey' },
      };
      if (!owner || !before) await deps.audit.append(failure);
      else {
        const after = await countFailure(deps, owner.loginName, at, before, failure);
        if (after.locked) throw paused(lang, after);
      }
      throw new PageError(401, 'step_passkeyUnknown');
    }
    await deps.audit.append({
      ...at,
      type: 'mfa.success',
      outcome: 'success',
      actor: account.id,
      subject: account.id,
      details: { method: 'passkey' },
    });
    if (account.status !== 'active' || isClosed(account)) throw new PageError(401, 'step_passkeyUnknown');
    await deps.accounts.updatePasskeyCounter(proof.passkey.credentialId, proof.newCounter);
    return json(ctx, 200, { redirectTo: await s.finishLogin(ctx, d, account, 3, ['hwk', 'user', 'mfa']) });
  };
