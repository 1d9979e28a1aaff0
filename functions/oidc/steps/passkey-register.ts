import { sendNotice } from '../../../libs/accounts/index.ts';
import { passkeyRegistrationOptions, verifyPasskeyRegistration } from '../../../libs/webauthn/index.ts';
import { langOf, PageError } from '../page-kit.ts';
import type { SignIn } from './journey.ts';
import { type Ctx, json, type Step } from './kit.ts';

/** A passkey call that adds one: the person part-way through signing in, who may add a factor now. */
const enrolling = async (s: SignIn, ctx: Ctx, uid: string) => {
  const { d, body } = await s.postedJson(ctx, uid);
  const { pending, account } = await s.pendingAccount(uid);
  await s.mayEnrol(ctx, d, account, pending.amr);
  return { d, body, pending, account };
};

/** POST /interaction/{uid}/passkey/register-options: a challenge for adding a passkey. */
export const passkeyRegisterOptionsStep =
  (s: SignIn): Step =>
  async (ctx, uid) => {
    const { pending, account } = await enrolling(s, ctx, uid);
    const options = await passkeyRegistrationOptions(s.rp, account);
    await s.deps.pending.save(uid, { ...pending, challenge: options.challenge });
    return json(ctx, 200, options);
  };

/** POST /interaction/{uid}/passkey/register: adds the passkey, which proves possession now, and signs in. */
export const passkeyRegisterStep =
  (s: SignIn): Step =>
  async (ctx, uid) => {
    const { deps, rp } = s;
    const { d, body, pending, account } = await enrolling(s, ctx, uid);
    if (!pending?.challenge) throw new PageError(400, 'step_passkeyAddAgain');
    const passkey = await verifyPasskeyRegistration(rp, body, pending.challenge);
    if (!passkey) throw new PageError(400, 'step_passkeyNotVerified');
    const updated = await deps.accounts.addPasskey(account, passkey);
    await deps.audit.append({
      ...s.attempt(ctx, d),
      type: 'mfa.enrolled',
      outcome: 'success',
      actor: account.id,
      subject: account.id,
      details: { method: 'passkey' },
    });
    await sendNotice(deps.mail, account, 'passkey-added', langOf(ctx));
    // Registering a passkey needs user verification on the device: it proves possession now.
    return json(ctx, 200, {
      redirectTo: await s.finishLogin(ctx, d, updated, 3, ['pwd', 'hwk', 'user', 'mfa']),
    });
  };
