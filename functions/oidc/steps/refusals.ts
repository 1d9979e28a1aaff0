import type { LockoutState } from '../../../libs/accounts/index.ts';
import { type Html, html, type Lang, t } from '../../../libs/web/index.ts';
import { PageError } from '../page-kit.ts';

// What a sign-in step says when it refuses: paused by the failure budget, or a step out of order.

/** Adding a factor needs the strongest one the account already has, proven in this sign-in. */
export const ADD_FACTOR_REFUSED =
  'confirm with the second factor this account already has before adding another';

/** A first sign-in replaces its one-time password before anything else. */
export const FIRST_PASSWORD_FIRST =
  'choose your new password in place of the one-time password first; start again';

/** A sign-in step refused by the failure budget: its page says what happened, when, and how to recover. */
export class SignInPaused extends PageError {
  constructor(
    status: number,
    message: string,
    readonly title: string,
    readonly help: Html,
  ) {
    super(status, message);
  }
}

/** A time as people in China read it: Beijing time has no daylight saving, so it is always UTC+8. */
const beijingTime = (epochSeconds: number): string =>
  new Date((epochSeconds + 8 * 3600) * 1000).toISOString().slice(0, 16).replace('T', ' ');

export const resetLink = (lang: Lang) =>
  html`<p><a href="password/reset?lang=${lang}">${t(lang, 'forgotPassword')}</a></p>`;

/** What a person whose sign-in is paused reads: until when (with the time zone), and the way out. */
export const pausedMessage = (lang: Lang, state: Pick<LockoutState, 'lockedUntil' | 'scope'>): string =>
  `${t(lang, state.scope === 'account' ? 'lockedAccount' : 'locked', { time: beijingTime(state.lockedUntil) })} ${t(lang, 'lockedHelp')}`;

export const paused = (lang: Lang, state: Pick<LockoutState, 'lockedUntil' | 'scope'>) =>
  new SignInPaused(423, pausedMessage(lang, state), t(lang, 'lockedTitle'), resetLink(lang));

/** "n more tries before a wait", for the field under a wrong password or code. */
export const triesLeftMessage = (lang: Lang, triesLeft: number): string =>
  triesLeft === 1 ? t(lang, 'triesLeftOne') : t(lang, 'triesLeftMany', { n: String(triesLeft) });
