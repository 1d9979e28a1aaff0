import * as z from 'zod';

/**
 * Resident identity card numbers (公民身份号码, GB 11643-1999): six digits of region, the birth
 * date as YYYYMMDD, a three-digit sequence (odd for men, even for women) and a check character,
 * ISO 7064 MOD 11-2 over the first seventeen ('X' stands for 10).
 */
const WEIGHTS = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
const CHECK = '10X98765432';

/** The check character of the first seventeen digits. */
export const residentIdCheckChar = (first17: string): string => {
  let sum = 0;
  for (let i = 0; i < 17; i++) sum += Number(first17[i]) * WEIGHTS[i]!;
  return CHECK[sum % 11]!;
};

/** Full-width digits, spaces and a lower-case x folded, as people type them. */
export const normaliseResidentId = (raw: string): string =>
  raw.normalize('NFKC').replace(/\s+/g, '').toUpperCase();

export interface ResidentIdFacts {
  readonly birthDate: string;
  readonly sex: 'male' | 'female';
}

/** What is wrong with a resident ID number: its shape, its birth date, or its check character. */
export type ResidentIdProblemKind = 'format' | 'birth-date' | 'check';

/** Which part of a (normalised) number is wrong; undefined when it is a resident ID number. */
export const residentIdProblemKind = (id: string, today = new Date()): ResidentIdProblemKind | undefined => {
  if (!/^\d{17}[\dX]$/.test(id)) return 'format';
  const birth = id.slice(6, 14);
  const date = new Date(`${birth.slice(0, 4)}-${birth.slice(4, 6)}-${birth.slice(6, 8)}T00:00:00Z`);
  if (
    Number.isNaN(date.getTime()) ||
    date.toISOString().slice(0, 10).replaceAll('-', '') !== birth ||
    date.getUTCFullYear() < 1900 ||
    date > today
  )
    return 'birth-date';
  if (residentIdCheckChar(id) !== id[17]) return 'check';
  return undefined;
};

const PROBLEM_WORDS: Record<ResidentIdProblemKind, string> = {
  format: 'a resident ID number has 18 characters: 17 digits, then a digit or X',
  'birth-date': 'characters 7 to 14 of a resident ID number are a birth date (YYYYMMDD)',
  check: 'the last character does not match (GB 11643 check digit): check for a typing error',
};

/** Why a number is not a resident ID number, in words a person can act on; undefined when it is one. */
export const residentIdProblem = (id: string, today = new Date()): string | undefined => {
  const kind = residentIdProblemKind(id, today);
  return kind && PROBLEM_WORDS[kind];
};

/** The birth date and sex a valid number states. */
export const residentIdFacts = (id: string): ResidentIdFacts => ({
  birthDate: `${id.slice(6, 10)}-${id.slice(10, 12)}-${id.slice(12, 14)}`,
  sex: Number(id[16]) % 2 === 1 ? 'male' : 'female',
});

/**
 * What people and staff are shown instead of the number: the first and last four characters
 * (region prefix and sequence), never the birth date. GB/T 35273's de-identification practice.
 */
export const maskResidentId = (id: string): string => `${id.slice(0, 4)}**********${id.slice(14)}`;

/** A resident ID number from input: folded, then checked (format, birth date, check digit). */
export const ResidentId = z
  .string()
  .transform(normaliseResidentId)
  .superRefine((id, ctx) => {
    const problem = residentIdProblem(id);
    if (problem) ctx.addIssue({ code: 'custom', message: problem });
  });
