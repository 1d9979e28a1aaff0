import { en } from './words-en.ts';
import { zh } from './words-zh.ts';

/** The two languages of every page. */
export type Lang = 'zh-CN' | 'en';

/** An entry that changes with a count, by Intl.PluralRules category; `other` is always there. */
export interface PluralForms {
  readonly zero?: string;
  readonly one?: string;
  readonly two?: string;
  readonly few?: string;
  readonly many?: string;
  readonly other: string;
}

/** A key of the one catalogue of words of every page. */
export type MessageKey = keyof typeof en;

/** What fills a message's `{name}` placeholders; `count` also picks its plural form. */
export type MessageVars = Readonly<Record<string, string | number>> & { readonly count?: number };

const catalogue: Record<Lang, Record<MessageKey, string | PluralForms>> = { en, 'zh-CN': zh };

const pluralRules: Record<Lang, Intl.PluralRules> = {
  en: new Intl.PluralRules('en'),
  'zh-CN': new Intl.PluralRules('zh-CN'),
};

const formOf = (lang: Lang, entry: string | PluralForms, count: number | undefined): string =>
  typeof entry === 'string' ? entry : (entry[pluralRules[lang].select(count ?? 0)] ?? entry.other);

/** A field's name inside a sentence ("Enter your login name."): lower case in English. */
export const fieldName = (lang: Lang, key: MessageKey): string => {
  const label = t(lang, key);
  return lang === 'en' ? label.toLowerCase() : label;
};

/**
 * A message in the page's language, with `{name}` placeholders filled and, for an entry with
 * plural forms, the form `count` takes in that language ("1 hour", "24 hours"). Values are
 * escaped by the page.
 */
export const t = (lang: Lang, key: MessageKey, vars: MessageVars = {}): string =>
  formOf(lang, catalogue[lang][key], vars.count).replace(/\{(\w+)\}/g, (_, name: string) =>
    String(vars[name] ?? ''),
  );

/**
 * The translator of a function's own words (its `words.ts`, both languages required): words
 * only that function's pages show, kept out of the shared catalogue every function with pages
 * bundles whole. A key not among them is the shared catalogue's.
 */
export const withOwnWords =
  <K extends string>(own: Readonly<Record<Lang, Readonly<Record<K, string>>>>) =>
  (lang: Lang, key: MessageKey | K, vars: MessageVars = {}): string =>
    Object.hasOwn(own.en, key)
      ? own[lang][key as K].replace(/\{(\w+)\}/g, (_, name: string) => String(vars[name] ?? ''))
      : t(lang, key as MessageKey, vars);

/** A message in both languages at once, English first ("Departments 部门"), for bilingual pages. */
export const bilingual = (key: MessageKey, vars: MessageVars = {}): string =>
  `${t('en', key, vars)} ${t('zh-CN', key, vars)}`;

/** ?lang= wins, then the lang cookie, then Accept-Language; Chinese by default, as the service's first language. */
export const pickLang = (
  query: string | undefined,
  cookie: string | undefined,
  acceptLanguage: string | undefined,
): Lang => {
  for (const candidate of [query, cookie]) {
    if (candidate === 'en' || candidate === 'zh-CN') return candidate;
  }
  const first = (acceptLanguage ?? '').split(',')[0]?.trim().toLowerCase() ?? '';
  return first.startsWith('en') ? 'en' : 'zh-CN';
};
