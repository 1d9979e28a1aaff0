import type { LockoutState } from '../../../libs/accounts/index.ts';
import { formatTime, type Html, html, type Lang, t } from '../../../libs/web/index.ts';
import { PageError } from '../page-kit.ts';

// What a sign-in step says when the failure budget refuses it: paused, until when, and the way out.

/**
 * A sign-in step refused by the failure budget: its page says what happened, when, and how to
 * recover (already in the page's language, since it states a time in the person's zone).
 */
export class SignInPaused extends PageError {
  constructor(
    status: number,
    private readonly text: string,
    readonly title: string,
    readonly help: Html,
  ) {
    super(status, 'lockedTitle');
  }

  override words(): string {
    return this.text;
  }
}

/** A time zone name the browser told us (an IANA name such as Europe/London), if it is one. */
export const timeZoneOf = (value: unknown): string | undefined => {
  if (typeof value !== 'string' || !value || value.length > 64 || !/^[\w+\-/]+$/.test(value))
    return undefined;
  try {
    return new Intl.DateTimeFormat('en', { timeZone: value }).resolvedOptions().timeZone;
  } catch {
    return undefined;
  }
};

/** Regions with one time zone, for a browser that ran no script but said where its language is from. */
const REGION_ZONES: Readonly<Record<string, string>> = {
  CN: 'Asia/Shanghai',
  HK: 'Asia/Hong_Kong',
  MO: 'Asia/Macau',
  TW: 'Asia/Taipei',
  SG: 'Asia/Singapore',
  GB: 'Europe/London',
  JP: 'Asia/Tokyo',
  KR: 'Asia/Seoul',
};

/**
 * The person's time zone, best effort: the one their browser reported (the page script fills
 * the `tz` field), else the region of the first language they accept when it has a single
 * zone (`en-GB`, `zh-CN`), else none (the page's language decides, see `zonedTime`).
 */
export const personTimeZone = (reported: unknown, acceptLanguage: string | undefined): string | undefined => {
  const fromBrowser = timeZoneOf(reported);
  if (fromBrowser) return fromBrowser;
  const region = /^[a-z]{2,3}(?:-[A-Za-z]{4})?-([A-Za-z]{2})\b/.exec((acceptLanguage ?? '').trim())?.[1];
  return region ? REGION_ZONES[region.toUpperCase()] : undefined;
};

/**
 * A time people can act on, with its zone said: in the zone the browser told us, else Beijing
 * time for Chinese pages and UTC for English ones.
 */
export const zonedTime = (lang: Lang, epochSeconds: number, browserZone?: string): string =>
  formatTime(lang, epochSeconds, browserZone ?? (lang === 'zh-CN' ? 'Asia/Shanghai' : 'UTC'));

/** A wait in words: minutes below two hours, else hours. */
export const waitWords = (lang: Lang, seconds: number): string =>
  seconds < 7200
    ? t(lang, 'minutes', { count: Math.ceil(seconds / 60) })
    : t(lang, 'hours', { count: Math.round(seconds / 3600) });

/** The way out of a paused sign-in: a reset, which comes back to the sign-in `uid` when given. */
export const resetLink = (lang: Lang, uid?: string) =>
  html`<p><a href="password/reset?lang=${lang}${uid ? `&interaction=${uid}` : ''}">${t(lang, 'forgotPassword')}</a></p>`;

/** What a person whose sign-in is paused reads: until when (with the time zone), and the way out. */
export const pausedMessage = (
  lang: Lang,
  state: Pick<LockoutState, 'lockedUntil' | 'scope'>,
  browserZone?: string,
): string =>
  `${t(lang, state.scope === 'account' ? 'lockedAccount' : 'locked', { time: zonedTime(lang, state.lockedUntil, browserZone) })} ${t(lang, 'lockedHelp')}`;

export const paused = (
  lang: Lang,
  state: Pick<LockoutState, 'lockedUntil' | 'scope'>,
  browserZone?: string,
  uid?: string,
) =>
  new SignInPaused(
    423,
    pausedMessage(lang, state, browserZone),
    t(lang, 'lockedTitle'),
    resetLink(lang, uid),
  );

/** "n more tries before a wait", for the field under a wrong password or code. */
export const triesLeftMessage = (lang: Lang, triesLeft: number, nextWaitSeconds: number): string => {
  return t(lang, 'triesLeft', { count: triesLeft, wait: waitWords(lang, nextWaitSeconds) });
};
