/**
 * @yitong/licence-verifier for browsers (and Deno, workers): WebCrypto and DecompressionStream,
 * no `node:` module. The checks are the Node entry's, line for line (`createVerifier`).
 */
import { createVerifier, type LicenceVerifier } from './verify.ts';
import { webCrypto } from './web-crypto.ts';

export * from './common.ts';
export { webCrypto } from './web-crypto.ts';

const verifier = createVerifier(webCrypto);

/** Verifies a licence or a presentation of it: signature, disclosures, identifier, validity, status. */
export const verifyLicence: LicenceVerifier['verifyLicence'] = verifier.verifyLicence;
/** Verifies a status list token with the issuer's keys and returns its bytes (memoised per token). */
export const readStatusList: LicenceVerifier['readStatusList'] = verifier.readStatusList;
/** A presentation of a licence disclosing only `names` (no key binding). */
export const presentLicence: LicenceVerifier['presentLicence'] = verifier.presentLicence;
/** The claims of a licence as its holder sees them (visible and every disclosure), unverified. */
export const licenceClaims: LicenceVerifier['licenceClaims'] = verifier.licenceClaims;
/** The names a licence can disclose (for the holder's choice). */
export const disclosureNames: LicenceVerifier['disclosureNames'] = verifier.disclosureNames;
