import type { AuthenticationResponseJSON } from '@simplewebauthn/server';
import * as z from 'zod';
import type { AccountStore, Passkey } from '../../libs/accounts/index.ts';
import { type RelyingParty, relyingPartyOf, webauthn } from '../../libs/webauthn/index.ts';

export { type RelyingParty, relyingPartyOf, webauthn };

/** Options for an assertion by any of the person's passkeys, with user verification. */
export const assertionOptions = async (rp: RelyingParty) =>
  (await webauthn()).generateAuthenticationOptions({
    rpID: rp.id,
    userVerification: 'required',
    allowCredentials: [],
  });

/** The stored passkey an assertion names, if any (before it is verified). */
export const assertingPasskey = async (
  accounts: AccountStore,
  body: unknown,
): Promise<Passkey | undefined> => {
  const response = z
    .object({ id: z.string().max(1024) })
    .passthrough()
    .safeParse(body);
  return response.success ? accounts.findPasskey(response.data.id) : undefined;
};

/**
 * Checks a passkey assertion against the challenge it must answer: the stored passkey that
 * made it and its new signature counter, or undefined when it is unknown or does not verify.
 */
export const verifyPasskeyAssertion = async (
  accounts: AccountStore,
  rp: RelyingParty,
  body: unknown,
  challenge: string,
  /** The passkey the caller already found with `assertingPasskey` (saves reading it again). */
  known?: Passkey,
): Promise<{ readonly passkey: Passkey; readonly newCounter: number } | undefined> => {
  const stored = known ?? (await assertingPasskey(accounts, body));
  if (!stored) return undefined;
  try {
    const { verifyAuthenticationResponse } = await webauthn();
    const result = await verifyAuthenticationResponse({
      response: body as AuthenticationResponseJSON,
      expectedChallenge: challenge,
      expectedOrigin: rp.origin,
      expectedRPID: rp.id,
      requireUserVerification: true,
      credential: {
        id: stored.credentialId,
        publicKey: Buffer.from(stored.publicKey, 'base64url'),
        counter: stored.counter,
        transports: stored.transports as never,
      },
    });
    return result.verified
      ? { passkey: stored, newCounter: result.authenticationInfo.newCounter }
      : undefined;
  } catch {
    return undefined;
  }
};
