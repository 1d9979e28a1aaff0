import { type Lang, t } from './words.ts';

/** Pages show dates and times in Beijing time, whatever the server's zone, unless told another. */
const BEIJING = 'Asia/Shanghai';

const LOCALE: Record<Lang, string> = { en: 'en-GB', 'zh-CN': 'zh-CN' };

/**
 * One way to write a date per language, as GOV.UK and Chinese government sites write it:
 * "30 November 2026", "2026年11月30日".
 */
const DATE_OPTIONS: Intl.DateTimeFormatOptions = { day: 'numeric', month: 'long', year: 'numeric' };

/** One way to write a time of day per language: "3:48pm" (GOV.UK's style), "15:48". */
const CLOCK_OPTIONS: Record<Lang, Intl.DateTimeFormatOptions> = {
  en: { hour: 'numeric', minute: '2-digit', hour12: true },
  'zh-CN': { hour: '2-digit', minute: '2-digit', hourCycle: 'h23' },
};

/** The same clock to the second, where the order of events matters (the audit trail). */
const SECONDS_OPTIONS: Record<Lang, Intl.DateTimeFormatOptions> = {
  en: { ...CLOCK_OPTIONS.en, second: '2-digit' },
  'zh-CN': { ...CLOCK_OPTIONS['zh-CN'], second: '2-digit' },
};

// Formatters are costly to build: one per language, kind and zone, made on first use.
const formatters = new Map<string, Intl.DateTimeFormat>();
const formatter = (
  lang: Lang,
  kind: 'date' | 'clock' | 'seconds' | 'zone',
  zone: string,
): Intl.DateTimeFormat => {
  const key = `${lang}|${kind}|${zone}`;
  let made = formatters.get(key);
  if (!made) {
    const options =
      kind === 'date'
        ? DATE_OPTIONS
        : kind === 'clock'
          ? CLOCK_OPTIONS[lang]
          : kind === 'seconds'
            ? SECONDS_OPTIONS[lang]
            : { timeZoneName: 'long' as const };
    made = new Intl.DateTimeFormat(LOCALE[lang], { ...options, timeZone: zone });
    formatters.set(key, made);
  }
  return made;
};

const toDate = (at: string | number): Date => new Date(typeof at === 'number' ? at * 1000 : at);

const clock = (lang: Lang, at: Date, zone: string, seconds = false): string =>
  formatter(lang, seconds ? 'seconds' : 'clock', zone)
    .formatToParts(at)
    .map((p) => (p.type === 'literal' && lang === 'en' && p.value.trim() === '' ? '' : p.value))
    .join('')
    .toLowerCase();

/** A zone's name in the page's language: the catalogue's for Beijing time, else the long name Intl knows. */
const zoneName = (lang: Lang, at: Date, zone: string): string =>
  zone === BEIJING
    ? t(lang, 'timeZone')
    : (formatter(lang, 'zone', zone)
        .formatToParts(at)
        .find((p) => p.type === 'timeZoneName')?.value ?? zone);

/** A date (seconds since the epoch, or ISO text) as the page's language writes it; '' when there is none. */
export const formatDate = (lang: Lang, at: string | number | undefined): string =>
  at === undefined ? '' : formatter(lang, 'date', BEIJING).format(toDate(at));

/**
 * A moment (ISO text, or seconds since the epoch) as the page's language writes it, with the time
 * zone stated: "30 November 2026 at 3:48pm (Beijing time, UTC+8)", "2026年11月30日 15:48（北京时间）".
 * `zone` (an IANA name) states it in another zone, such as the one the person's browser reported:
 * "30 November 2026 at 7:48am (Greenwich Mean Time)". `seconds` adds them, for the audit trail.
 */
export const formatTime = (
  lang: Lang,
  at: string | number,
  zone: string = BEIJING,
  options: { readonly seconds?: boolean } = {},
): string => {
  const date = toDate(at);
  return t(lang, 'dateTime', {
    date: formatter(lang, 'date', zone).format(date),
    time: clock(lang, date, zone, options.seconds),
    zone: zoneName(lang, date, zone),
  });
};
