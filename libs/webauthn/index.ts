/**
 * Passkeys (WebAuthn) of a zone's issuer: its relying party, and adding a passkey to an account.
 * A lib of its own, apart from libs/accounts, so that only the functions that handle passkeys
 * (oidc, account) carry the WebAuthn library's chunk.
 */
export {
  passkeyRegistrationOptions,
  type RelyingParty,
  relyingPartyOf,
  verifyPasskeyRegistration,
  webauthn,
} from './relying-party.ts';
