import { type Lang, withOwnWords } from '../web/index.ts';

/**
 * The words of remote proofing's second half (the code sent by SMS to the phone the registry
 * confirmed), in their own module rather than the shared catalogue: only the pages that prove an
 * identity load them (the account portal's, and the sign-in's pages chunk), not every cold start.
 */
const en = {
  id_codeTitle: 'Enter the code sent to your phone',
  id_codeWaiting: 'A code was sent by SMS to {phone} and still works: enter it to finish verifying.',
  id_codeLead:
    'To check that the phone is yours, we sent a 6-digit code by SMS to {phone}. It works for 10 minutes. Never tell it to anyone, including the help desk.',
  id_codeField: 'Code from the SMS',
  id_codeHint: '6 digits',
  id_codeSubmit: 'Confirm',
  id_codeMissing: 'Enter the 6-digit code from the SMS',
  id_codeFormat: 'The code has 6 digits: check the SMS',
  id_codeWrong: 'That is not the code we sent.',
  id_codeTriesLeft: 'Tries left with this code: {count}.',
  id_codeResendLead: 'No SMS? New codes you can still ask for: {count}.',
  id_codeResend: 'Send a new code',
  id_codeResent: 'A new code is on its way. The earlier one no longer works.',
  id_codeNoResend:
    'No more codes can be sent for this verification: use the last one we sent, or start again.',
  id_codeEndedTitle: 'Too many wrong codes',
  id_codeEndedLead:
    'That was not the code, and it was the last try for this verification. Nothing was changed. Start again to get a new code, or take your ID card to a service counter.',
  id_codeExpiredTitle: 'The code is no longer valid',
  id_codeExpiredLead:
    'No code is waiting for this verification: it expired after 10 minutes, was already used, or a newer verification replaced it. Nothing was changed. Start again to get a new code.',
  id_codeLimitTitle: 'Too many codes sent',
  id_codeLimitPhone:
    'To protect the owner of this phone, no more codes are sent to this number today. Nothing was changed. Try again tomorrow, or take your ID card to a service counter.',
  id_codeLimitResends:
    'No more codes can be sent for this verification. Use the last code we sent, or start again.',
  id_startAgain: 'Start again',
} as const;

/** A word of the proofing code pages (both languages required). */
export type ProofingCodeWord = keyof typeof en;

const zh: Readonly<Record<ProofingCodeWord, string>> = {
  id_codeTitle: '输入发送到您手机的验证码',
  id_codeWaiting: '验证码已通过短信发送至 {phone}，仍然有效：输入验证码即可完成核验。',
  id_codeLead:
    '为确认该手机由您本人持有，我们已通过短信向 {phone} 发送6位验证码，10分钟内有效。请勿告诉任何人（包括服务台）。',
  id_codeField: '短信验证码',
  id_codeHint: '6位数字',
  id_codeSubmit: '确认',
  id_codeMissing: '请输入短信中的6位验证码',
  id_codeFormat: '验证码为6位数字，请核对短信',
  id_codeWrong: '验证码不正确。',
  id_codeTriesLeft: '本次验证码还可以尝试{count}次。',
  id_codeResendLead: '没有收到短信？您还可以再获取{count}次验证码。',
  id_codeResend: '重新发送验证码',
  id_codeResent: '新的验证码已发送，之前的验证码已失效。',
  id_codeNoResend: '本次核验不能再发送验证码：请使用最后收到的验证码，或重新开始。',
  id_codeEndedTitle: '验证码错误次数过多',
  id_codeEndedLead:
    '验证码不正确，且本次核验的尝试次数已用完。未作任何更改。请重新开始以获取新的验证码，或携带身份证到服务窗口办理。',
  id_codeExpiredTitle: '验证码已失效',
  id_codeExpiredLead:
    '本次核验没有待使用的验证码：验证码已在10分钟后过期、已被使用，或已被新的核验取代。未作任何更改。请重新开始以获取新的验证码。',
  id_codeLimitTitle: '验证码发送次数过多',
  id_codeLimitPhone:
    '为保护该手机号码的机主，今天不再向此号码发送验证码。未作任何更改。请明天再试，或携带身份证到服务窗口办理。',
  id_codeLimitResends: '本次核验不能再发送验证码。请使用最后收到的验证码，或重新开始。',
  id_startAgain: '重新开始',
};

/** Both languages, for tests that hold them to the same keys and placeholders. */
export const PROOFING_CODE_WORDS: Readonly<Record<Lang, Readonly<Record<ProofingCodeWord, string>>>> = {
  en,
  'zh-CN': zh,
};

/** A proofing code word or one of the shared catalogue, in the page's language, placeholders filled. */
export const pw = /* @__PURE__ */ withOwnWords(PROOFING_CODE_WORDS);
