import type { RegistrationResponseJSON } from '@simplewebauthn/server';
import type { Account, Passkey } from '../accounts/index.ts';

/** The WebAuthn relying party of a zone's issuer (its pages and the account centre share its origin). */
export interface RelyingParty {
  readonly id: string;
  readonly origin: string;
  readonly name: string;
}

export const relyingPartyOf = (issuer: string): RelyingParty => ({
  id: new URL(issuer).hostname,
  origin: new URL(issuer).origin,
  name: 'yitong 一通',
});

/**
 * The WebAuthn library, loaded on first use: discovery and password sign-ins never load it
 * (it is a chunk of its own in the bundle; issue #19).
 */
export const webauthn = () => import('@simplewebauthn/server');

/** Options for adding a passkey to the account: discoverable, user-verified, none of its own again. */
export const passkeyRegistrationOptions = async (rp: RelyingParty, account: Account) =>
  (await webauthn()).generateRegistrationOptions({
    rpName: rp.name,
    rpID: rp.id,
    userName: account.loginName,
    userDisplayName: account.displayName,
    userID: new TextEncoder().encode(account.id),
    attestationType: 'none',
    excludeCredentials: account.passkeyIds.map((id) => ({ id })),
    authenticatorSelection: { residentKey: 'required', userVerification: 'required' },
  });

/** The passkey a registration response makes, when it answers the challenge; else undefined. */
export const verifyPasskeyRegistration = async (
  rp: RelyingParty,
  body: unknown,
  challenge: string,
): Promise<Omit<Passkey, 'accountId' | 'createdAt' | 'lastUsedAt' | 'name'> | undefined> => {
  try {
    const { verifyRegistrationResponse } = await webauthn();
    const result = await verifyRegistrationResponse({
      response: body as RegistrationResponseJSON,
      expectedChallenge: challenge,
      expectedOrigin: rp.origin,
      expectedRPID: rp.id,
      requireUserVerification: true,
    });
    const info = result.verified ? result.registrationInfo : undefined;
    return info
      ? {
          credentialId: info.credential.id,
          publicKey: Buffer.from(info.credential.publicKey).toString('base64url'),
          counter: info.credential.counter,
          transports: info.credential.transports ?? [],
        }
      : undefined;
  } catch {
    return undefined;
  }
};
