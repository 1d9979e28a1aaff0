import { isUscc } from './uscc.ts';

/**
 * Identifiers: the GB/T 36904-shaped licence identifier with its ISO/IEC 7064 MOD 37,36 check character:
 * `1.2.156.3005.2.<type code>.<issuer code>.<serial>.<version>.<check>`.
 */

const MOD37_ALPHABET = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ';

/** ISO/IEC 7064 MOD 37,36 (hybrid system): the check character over 0-9A-Z. */
export const mod3736CheckCharacter = (input: string): string => {
  const m = 36;
  let p = m;
  for (const ch of input) {
    const value = MOD37_ALPHABET.indexOf(ch);
    if (value < 0) throw new RangeError(`${ch} is outside 0-9A-Z`);
    let s = (p % (m + 1)) + value;
    s %= m;
    if (s === 0) s = m;
    p = (s * 2) % (m + 1);
  }
  return MOD37_ALPHABET[(m + 1 - p) % m]!;
};

export const LICENCE_ID_PREFIX = '1.2.156.3005.2';

export interface LicenceIdParts {
  /** The defining authority's USCC plus three digits. */
  readonly typeCode: string;
  /** The issuing department's USCC. */
  readonly issuerCode: string;
  /** Digits, unique per issuer and type. */
  readonly serial: string;
  /** Three digits. */
  readonly version: string;
}

export const licenceId = (parts: LicenceIdParts): string => {
  const check = mod3736CheckCharacter(`${parts.typeCode}${parts.issuerCode}${parts.serial}${parts.version}`);
  return `${LICENCE_ID_PREFIX}.${parts.typeCode}.${parts.issuerCode}.${parts.serial}.${parts.version}.${check}`;
};

const LICENCE_ID =
  /^1\.2\.156\.3005\.2\.([0-9A-HJ-NPQRTUWXY]{18}\d{3})\.([0-9A-HJ-NPQRTUWXY]{18})\.(\d{1,20})\.(\d{3})\.([0-9A-Z])$/;

/** Why a licence id is not acceptable, or undefined when it is well formed and its check character right. */
export const licenceIdProblem = (id: unknown): string | undefined => {
  if (typeof id !== 'string') return 'licence_id is missing';
  const match = LICENCE_ID.exec(id);
  if (!match) return 'licence_id does not have the GB/T 36904 shape';
  const [, typeCode, issuerCode, serial, version, check] = match;
  if (!isUscc(typeCode!.slice(0, 18)) || !isUscc(issuerCode!))
    return 'licence_id names an invalid credit code';
  if (mod3736CheckCharacter(`${typeCode}${issuerCode}${serial}${version}`) !== check)
    return 'licence_id check character is wrong';
  return undefined;
};
