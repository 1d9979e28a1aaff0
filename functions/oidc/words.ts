import { type Lang, withOwnWords } from '../../libs/web/index.ts';

/**
 * The sign-in's own words for acting for a company and for proving an identity to continue.
 * They live with the oidc function, not in the shared catalogue (libs/web), so that they weigh
 * only on this function's bundle, and only on the pages' chunk, loaded on first use.
 */
const en = {
  actForTitle: 'Who are you acting for?',
  actForLead: '{client} accepts companies. You may use it for yourself, or for a company you represent.',
  actForLegend: 'Use this site',
  actForSelf: 'For myself',
  actForCompany: 'For {company} (USCC {uscc}), as its {role}',
  actForRoleRepresentative: 'legal representative',
  actForRoleAgent: 'authorised agent',
  id_askTitle: 'Verify your identity to continue',
  id_askLead:
    '{client} needs to know for sure who you are. Verify your identity once, then signing in continues.',
  id_counterTitle: 'Your identity must be verified in person',
  id_counterLead:
    '{client} needs your identity verified in person (level 3), which cannot be done online. Take your resident ID card to a government service counter; once it is verified, sign in to {client} again.',
  id_cancelToSite: 'Return to the service without signing in',
  data_signInClosed:
    'This account was closed at its holder’s request and can no longer be used. Register again to use government services.',
} as const;

/** A word of this function's own (both languages required). */
export type SignInWord = keyof typeof en;

const zh: Readonly<Record<SignInWord, string>> = {
  actForTitle: '您代表谁办事？',
  actForLead: '{client}接受企业办事。您可以以个人身份使用，也可以代表您有权代表的企业。',
  actForLegend: '使用此网站',
  actForSelf: '以个人身份',
  actForCompany: '代表{company}（统一社会信用代码 {uscc}），身份：{role}',
  actForRoleRepresentative: '法定代表人',
  actForRoleAgent: '经办人',
  id_askTitle: '核验身份后继续',
  id_askLead: '{client}需要确认您的真实身份。完成一次身份核验后，登录将继续。',
  id_counterTitle: '需要当面核验身份',
  id_counterLead:
    '{client}要求当面核验的身份（3级），无法在线完成。请携带居民身份证到政务服务窗口办理；核验后请重新登录{client}。',
  id_cancelToSite: '不登录，返回该服务',
  data_signInClosed: '该账号已应本人申请注销，不能再使用。如需使用政务服务，请重新注册。',
};

/** Both languages, for tests that hold them to the same keys and placeholders. */
export const WORDS: Readonly<Record<Lang, Readonly<Record<SignInWord, string>>>> = { en, 'zh-CN': zh };

/** A word of the sign-in or of the shared catalogue, in the page's language, `{name}` placeholders filled. */
export const sw = withOwnWords(WORDS);
