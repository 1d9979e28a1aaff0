import type { LicenceType } from './types.ts';

/** A claim's label in a page's language: from its type, else a derived claim's, else its name. */
export const claimLabel = (lang: 'en' | 'zh-CN', type: LicenceType | undefined, name: string): string => {
  const field = type?.claims.find((f) => f.name === name);
  if (field) return field.label[lang];
  const age = /^age_over_(\d+)$/.exec(name);
  if (age) return lang === 'en' ? `Aged ${age[1]} or over` : `年满${age[1]}周岁`;
  return name;
};
