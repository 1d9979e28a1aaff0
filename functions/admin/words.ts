import { type Lang, type MessageKey, type MessageVars, t } from '../../libs/web/index.ts';

/**
 * The admin console's own words: the company look-up, identity levels of clients and the counter
 * (identity officers). They live with the console, not in the shared catalogue (libs/web), so
 * that they weigh only on this function's bundle: every function with pages carries the shared
 * catalogue whole (issue #20's pages made it too heavy).
 */
const en = {
  admin_companies: 'Companies',
  admin_companyLookup: 'Who represents a company',
  admin_companyLookupLead:
    'Look up a company’s legal representative and agents. Every look-up is recorded in the audit trail with your name.',
  admin_companyFind: 'Look up',
  admin_companyNotFound: 'No company with this code is registered at yitong.',
  admin_companyLegalRep: 'Legal representative',
  admin_companyIdMasked: 'Resident ID (masked)',
  admin_acceptsCompanies: 'Accepts companies',
  admin_acceptsCompaniesYes: 'Yes',
  admin_acceptsCompaniesNo: 'No',
  admin_acceptsCompaniesHint: 'People may act for a company they represent at this site',
  admin_identityLevel: 'Proved identity it needs',
  admin_identityRegistry: 'verified against the population registry',
  admin_identityInPerson: 'verified in person at a counter',
  counter_lead:
    'Find the person by their login name, check their resident ID card in person, then record the name and number as on the card. Every look-up and verification is recorded with your name.',
  counter_nav: 'Counter verification',
  counter_loginName: 'Login name',
  counter_find: 'Find',
  counter_notFound: 'There is no account with this login name: check it with the person',
  counter_found: 'Account found',
  counter_displayName: 'Name on the account',
  counter_recordTitle: 'Record the ID card you checked',
  counter_cardName: 'Name, as on the card',
  counter_cardNumber: 'Resident ID number, as on the card',
  counter_confirm: 'I have checked the card in person, and the photo is of this person',
  counter_confirmMissing: 'Confirm that you checked the card in person',
  counter_record: 'Record the verification',
  counter_doneTitle: 'Identity verified in person',
  counter_doneLead: '{login} now has identity assurance level 3.',
  counter_own: 'You cannot verify your own identity: ask another officer',
  counter_another: 'Verify another person',
  counter_errName: 'Enter the name exactly as on the card',
  counter_errNumber:
    'Enter the 18-character number exactly as on the card; check its birth date and last character',
  counter_errLoginName: 'Enter the login name the person gives you',
} as const;

/** A word of this function's own (both languages required). */
export type AdminWord = keyof typeof en;

const zh: Readonly<Record<AdminWord, string>> = {
  admin_companies: '企业',
  admin_companyLookup: '查询企业代表人',
  admin_companyLookupLead: '查询企业的法定代表人和经办人。每次查询都会以您的姓名记入审计日志。',
  admin_companyFind: '查询',
  admin_companyNotFound: '一通没有登记该代码的企业。',
  admin_companyLegalRep: '法定代表人',
  admin_companyIdMasked: '居民身份证号码（部分隐藏）',
  admin_acceptsCompanies: '接受企业办事',
  admin_acceptsCompaniesYes: '是',
  admin_acceptsCompaniesNo: '否',
  admin_acceptsCompaniesHint: '允许用户在此网站代表其有权代表的企业办事',
  admin_identityLevel: '所需实名认证级别',
  admin_identityRegistry: '经人口信息库核验',
  admin_identityInPerson: '在服务窗口当面核验',
  counter_lead:
    '按登录名查找当事人，当面查验其居民身份证后，按证件记录姓名和号码。每次查找和核验都会以您的名义记录。',
  counter_nav: '窗口核验',
  counter_loginName: '登录名',
  counter_find: '查找',
  counter_notFound: '没有使用此登录名的账号：请与当事人核对',
  counter_found: '已找到账号',
  counter_displayName: '账号上的姓名',
  counter_recordTitle: '记录已查验的身份证',
  counter_cardName: '姓名（与证件一致）',
  counter_cardNumber: '居民身份号码（与证件一致）',
  counter_confirm: '我已当面查验证件，证件照片与本人相符',
  counter_confirmMissing: '请确认您已当面查验证件',
  counter_record: '记录核验结果',
  counter_doneTitle: '已完成当面身份核验',
  counter_doneLead: '{login}的身份可信等级现为3级。',
  counter_own: '您不能核验自己的身份：请由其他工作人员办理',
  counter_another: '核验下一位',
  counter_errName: '请按证件准确填写姓名',
  counter_errNumber: '请按证件准确填写18位号码，并核对其中的出生日期和最后一位',
  counter_errLoginName: '请输入当事人提供的登录名',
};

/** Both languages, for tests that hold them to the same keys and placeholders. */
export const WORDS: Readonly<Record<Lang, Readonly<Record<AdminWord, string>>>> = { en, 'zh-CN': zh };

const isOwn = (key: string): key is AdminWord => Object.hasOwn(en, key);

/** A word of the admin console or of the shared catalogue, in the page's language, `{name}` placeholders filled. */
export const cw = (lang: Lang, key: MessageKey | AdminWord, vars: MessageVars = {}): string =>
  isOwn(key)
    ? WORDS[lang][key].replace(/\{(\w+)\}/g, (_, name: string) => String(vars[name] ?? ''))
    : t(lang, key, vars);
