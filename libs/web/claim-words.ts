import type { LicenceType } from '../licences/index.ts';
import { formatDate } from './dates.ts';
import { type Lang, t } from './words.ts';

// A licence's claims in a page's words. Pages say them, so they live in the page kit; the licences
// lib below knows claims only as data and renders nothing.

/** A claim's label in a page's language: from its type, else a derived claim's, else its name. */
export const claimLabel = (lang: Lang, type: LicenceType | undefined, name: string): string => {
  const field = type?.claims.find((f) => f.name === name);
  if (field) return field.label[lang];
  const age = /^age_over_(\d+)$/.exec(name);
  if (age) return t(lang, 'ageOver', { age: age[1]! });
  return name;
};

/**
 * A claim's value as a person reads it: yes or no for a true-or-false claim ("Aged 18 or over:
 * Yes", never "true"), a date of the type written as every other date on the pages, a list as
 * words.
 */
export const claimValue = (
  lang: Lang,
  type: LicenceType | undefined,
  name: string,
  value: unknown,
): string => {
  if (typeof value === 'boolean') return t(lang, value ? 'yes' : 'no');
  if (Array.isArray(value))
    return value.map((v) => claimValue(lang, type, name, v)).join(lang === 'en' ? ', ' : '、');
  const field = type?.claims.find((f) => f.name === name);
  if (field?.type === 'date' && typeof value === 'string' && /^\d{4}-\d{2}-\d{2}$/.test(value))
    return formatDate(lang, `${value}T12:00:00+08:00`);
  if (value === undefined || value === null) return '';
  return typeof value === 'object' ? JSON.stringify(value) : String(value);
};
