import type { AccountMessage, NoticeKind } from './notifier.ts';

/**
 * The words of account messages, in both languages: loaded by a notifier when it first sends
 * (a chunk of its own), so that no function carries them on its cold start.
 */
const NOTICE_TEXT: Readonly<Record<NoticeKind, { readonly en: string; readonly zh: string }>> = {
  'passkey-added': { en: 'A passkey was added to your account.', zh: '您的账号添加了一个通行密钥。' },
  'passkey-removed': { en: 'A passkey was removed from your account.', zh: '您的账号移除了一个通行密钥。' },
  'totp-replaced': {
    en: 'The authenticator app of your account was replaced.',
    zh: '您的账号更换了身份验证器应用。',
  },
  'recovery-codes-regenerated': {
    en: 'New recovery codes were made for your account; the old ones no longer work.',
    zh: '您的账号生成了新的恢复码，旧恢复码已失效。',
  },
  'recovery-code-used': {
    en: 'A recovery code was used to sign in to your account.',
    zh: '有人使用恢复码登录了您的账号。',
  },
  'password-changed': { en: 'The password of your account was changed.', zh: '您的账号密码已修改。' },
  'email-changed': { en: 'The email address of your account was changed.', zh: '您的账号电子邮箱已更改。' },
  'phone-changed': { en: 'The phone number of your account was changed.', zh: '您的账号手机号码已更改。' },
  'signed-out-everywhere': {
    en: 'Your account was signed out on every device.',
    zh: '您的账号已在所有设备上退出登录。',
  },
  'consent-withdrawn': {
    en: 'You withdrew a site’s access to your account.',
    zh: '您撤回了一个网站对您账号的访问授权。',
  },
  'account-closing': {
    en: 'Your account will be closed at the end of its cooling-off period. Sign in to cancel.',
    zh: '您的账号将在冷静期结束后注销。如需取消，请登录。',
  },
  'account-closed': { en: 'Your account was closed.', zh: '您的账号已注销。' },
  'account-closing-cancelled': {
    en: 'The closing of your account was cancelled.',
    zh: '您的账号注销已取消。',
  },
  'support-unlocked': { en: 'The help desk unlocked your account.', zh: '服务台已为您的账号解除锁定。' },
  'support-factor-reset': {
    en: 'The help desk reset the second factor of your account after checking your identity.',
    zh: '服务台在核验您的身份后重置了您账号的第二验证因素。',
  },
  'support-disabled': { en: 'The help desk disabled your account.', zh: '服务台停用了您的账号。' },
  'support-enabled': { en: 'The help desk enabled your account again.', zh: '服务台重新启用了您的账号。' },
  'totp-added': {
    en: 'An authenticator app was set up for your account.',
    zh: '您的账号设置了身份验证器应用。',
  },
};

const CODE_SUBJECT = {
  email: { en: 'Your yitong code to confirm your email address', zh: '一通邮箱验证码' },
  phone: { en: 'Your yitong code to confirm your phone number', zh: '一通手机验证码' },
  proofing: { en: 'Your yitong code to prove your identity', zh: '一通实名认证验证码' },
} as const;

export const messageText = (m: AccountMessage): { subject: string; body: string } => {
  const en = m.lang === 'en';
  switch (m.kind) {
    case 'password-reset':
      return en
        ? {
            subject: 'Your yitong password reset code',
            body: `Your code to reset the password of ${m.to.loginName} is ${m.code}. It expires at ${m.expiresAt}. If you did not ask for it, ignore this message.`,
          }
        : {
            subject: '一通密码重置验证码',
            body: `您正在重置账号 ${m.to.loginName} 的密码，验证码为 ${m.code}，有效期至 ${m.expiresAt}。如非本人操作，请忽略本消息。`,
          };
    case 'contact-code':
      return en
        ? {
            subject: CODE_SUBJECT[m.purpose].en,
            body: `Your yitong code is ${m.code}. It expires at ${m.expiresAt}. Never tell it to anyone, including the help desk. If you did not ask for it, ignore this message.`,
          }
        : {
            subject: CODE_SUBJECT[m.purpose].zh,
            body: `您的一通验证码为 ${m.code}，有效期至 ${m.expiresAt}。请勿告诉任何人（包括服务台）。如非本人操作，请忽略本消息。`,
          };
    case 'notice':
      return en
        ? {
            subject: 'A change to your yitong account',
            body: `${NOTICE_TEXT[m.notice].en} (${m.to.loginName}, ${m.at}) If this was not you, sign in and check your account, or call the help desk.`,
          }
        : {
            subject: '一通账号变更通知',
            body: `${NOTICE_TEXT[m.notice].zh}（${m.to.loginName}，${m.at}）如非本人操作，请登录检查您的账号或联系服务台。`,
          };
  }
};
