/**
 * The SMS port's AWS adapter (AWS End User Messaging SMS). A lib of its own so that only the
 * function that delivers SMS (the zone's oidc function, from its queue) carries the SDK, and it
 * loads this lib on first use: every other bundle reaches libs/accounts without it.
 */
export { SmsNotifier, type SmsSettings, smsText } from './sms-notifier.ts';
