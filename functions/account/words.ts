import type { Lang } from '../../libs/web/index.ts';

/**
 * The account portal's own words for wallets that follow identities. They live with the portal,
 * not in the shared catalogue (libs/web), so that they weigh only on this function's bundle:
 * every other function, the issuer first, carries the shared catalogue whole.
 */
const en = {
  walletNeedsIdentityTitle: 'Prove your identity to see your licences',
  walletNeedsIdentity:
    'Departments issue licences to a resident ID number, not to a login name. Once you prove your identity, every licence issued to your ID number appears here, including any issued before you had an account.',
  walletProveIdentity: 'Prove your identity',
  companiesActFor: 'Companies you act for',
  companiesActForLead: 'Licences issued to these companies that your role lets you see.',
  roleLegalRepresentative: 'legal representative',
  roleAgent: 'agent',
  companyRole: 'Your role: {role}',
  companyLicencesTitle: 'Licences of {company}',
  companyLicencesLead:
    'Licences issued to {company} (unified social credit code {uscc}) that you may see as its {role}.',
  companyNoLicences: 'There are no licences of this company for you to see.',
  companyLicenceCount: 'Licences: {count}.',
  companyVerifications: 'Who checked this company’s licences',
  heldBy: 'Held by',
  notFoundCompany: 'You do not act for this company, or its authorisation has ended.',
} as const;

export type WalletWord = keyof typeof en;

const zh: Readonly<Record<WalletWord, string>> = {
  walletNeedsIdentityTitle: '核验身份后查看您的证照',
  walletNeedsIdentity:
    '政府部门按公民身份号码签发证照，而不是按登录名。完成身份核验后，签发给您身份证号码的所有证照都会显示在这里，包括您注册账户之前签发的证照。',
  walletProveIdentity: '核验身份',
  companiesActFor: '您代表的企业',
  companiesActForLead: '签发给以下企业、且您的身份可以查看的证照。',
  roleLegalRepresentative: '法定代表人',
  roleAgent: '经办人',
  companyRole: '您的身份：{role}',
  companyLicencesTitle: '{company}的证照',
  companyLicencesLead: '签发给{company}（统一社会信用代码 {uscc}）、您作为其{role}可以查看的证照。',
  companyNoLicences: '该企业没有您可以查看的证照。',
  companyLicenceCount: '共 {count} 份证照。',
  companyVerifications: '谁核验了该企业的证照',
  heldBy: '持证主体',
  notFoundCompany: '您不代表该企业，或授权已结束。',
};

const WORDS: Readonly<Record<Lang, Readonly<Record<WalletWord, string>>>> = { en, 'zh-CN': zh };

/** A wallet word in the page's language, its `{name}` placeholders filled. */
export const ww = (
  lang: Lang,
  key: WalletWord,
  vars: Readonly<Record<string, string | number>> = {},
): string => WORDS[lang][key].replace(/\{(\w+)\}/g, (_, name: string) => String(vars[name] ?? ''));
