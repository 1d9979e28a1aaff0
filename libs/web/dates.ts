import type { Lang } from './words.ts';

/** Pages show dates and times in Beijing time, whatever the server's zone. */
const TIME_ZONE = 'Asia/Shanghai';

/** A date (seconds since the epoch) as the page's language writes it; '' when there is none. */
export const formatDate = (lang: Lang, epoch: number | undefined): string =>
  epoch === undefined ? '' : new Date(epoch * 1000).toLocaleDateString(lang, { timeZone: TIME_ZONE });

/** A moment (ISO text, or seconds since the epoch) as the page's language writes it. */
export const formatTime = (lang: Lang, at: string | number): string =>
  new Date(typeof at === 'number' ? at * 1000 : at).toLocaleString(lang, { timeZone: TIME_ZONE });
