/**
 * The unified social credit code (USCC, GB 32100-2015) that identifies a department: 17 characters
 * and a check character. Licence identifiers carry two, so the verifier checks them; yitong's
 * departments lib re-exports this.
 */

const USCC_ALPHABET = '0123456789ABCDEFGHJKLMNPQRTUWXY';
const USCC_WEIGHTS = [1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28];

/** The 18th character of a USCC from its first 17. */
export const usccCheckCharacter = (first17: string): string => {
  let sum = 0;
  for (let i = 0; i < 17; i++) {
    const value = USCC_ALPHABET.indexOf(first17[i]!);
    if (value < 0) throw new RangeError(`${first17[i]} is not a USCC character`);
    sum += value * USCC_WEIGHTS[i]!;
  }
  return USCC_ALPHABET[(31 - (sum % 31)) % 31]!;
};

/** A well-formed unified social credit code: 18 characters of its alphabet, check character right. */
export const isUscc = (code: string): boolean =>
  /^[0-9A-HJ-NPQRTUWXY]{18}$/.test(code) && usccCheckCharacter(code.slice(0, 17)) === code[17];
