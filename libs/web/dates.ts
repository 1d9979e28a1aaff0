import { type Lang, t } from './words.ts';

/** Pages show dates and times in Beijing time, whatever the server's zone. */
const TIME_ZONE = 'Asia/Shanghai';

/**
 * One way to write a date per language, as GOV.UK and Chinese government sites write it:
 * "30 November 2026", "2026年11月30日".
 */
const DATE: Record<Lang, Intl.DateTimeFormat> = {
  en: new Intl.DateTimeFormat('en-GB', {
    timeZone: TIME_ZONE,
    day: 'numeric',
    month: 'long',
    year: 'numeric',
  }),
  'zh-CN': new Intl.DateTimeFormat('zh-CN', {
    timeZone: TIME_ZONE,
    day: 'numeric',
    month: 'long',
    year: 'numeric',
  }),
};

/** One way to write a time of day per language: "3:48pm" (GOV.UK's style), "15:48". */
const CLOCK: Record<Lang, Intl.DateTimeFormat> = {
  en: new Intl.DateTimeFormat('en-GB', {
    timeZone: TIME_ZONE,
    hour: 'numeric',
    minute: '2-digit',
    hour12: true,
  }),
  'zh-CN': new Intl.DateTimeFormat('zh-CN', {
    timeZone: TIME_ZONE,
    hour: '2-digit',
    minute: '2-digit',
    hourCycle: 'h23',
  }),
};

const toDate = (at: string | number): Date => new Date(typeof at === 'number' ? at * 1000 : at);

const clock = (lang: Lang, at: Date): string =>
  CLOCK[lang]
    .formatToParts(at)
    .map((p) => (p.type === 'literal' && lang === 'en' && p.value.trim() === '' ? '' : p.value))
    .join('')
    .toLowerCase();

/** A date (seconds since the epoch, or ISO text) as the page's language writes it; '' when there is none. */
export const formatDate = (lang: Lang, at: string | number | undefined): string =>
  at === undefined ? '' : DATE[lang].format(toDate(at));

/**
 * A moment (ISO text, or seconds since the epoch) as the page's language writes it, with the time
 * zone stated: "30 November 2026 at 3:48pm (Beijing time, UTC+8)", "2026年11月30日 15:48（北京时间）".
 */
export const formatTime = (lang: Lang, at: string | number): string => {
  const date = toDate(at);
  return t(lang, 'dateTime', {
    date: DATE[lang].format(date),
    time: clock(lang, date),
    zone: t(lang, 'timeZone'),
  });
};
