import { type Lang, type MessageKey, withOwnWords } from '../../libs/web/index.ts';

/**
 * The account portal's own words: wallets that follow identities, proving an identity, and
 * companies with their agents (issue #20). They live with the portal,
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
  company_nav: 'My companies',
  nav_services: 'Connected services',
  nav_sessions: 'Sessions and devices',
  nav_security: 'Sign-in and security',
  nav_contact: 'Contact details',
  nav_data: 'Your data',
  company_title: 'Companies I represent',
  company_lead:
    'Companies you act for: as their legal representative (法定代表人), or as an agent (经办人) they authorised.',
  company_none: 'You do not represent any company yet.',
  company_role: 'Your role',
  company_role_legalRepresentative: 'Legal representative',
  company_role_agent: 'Agent',
  company_scopeAll: 'Everything, for every service',
  company_noEnd: 'No end date',
  company_manage: 'Manage the agents of {name}',
  company_registerTitle: 'Register a company',
  company_registerLead:
    'If you are a company’s legal representative, register it here. yitong checks the national company registry names you.',
  company_register: 'Register company',
  company_proveFirst:
    'To register a company you must first prove your identity (identity assurance level 2).',
  company_proveLink: 'Prove your identity',
  company_refused_ial_title: 'Prove your identity first',
  company_refused_ial:
    'Only a person whose identity was verified against the population registry (level 2 or higher) can register a company. Prove your identity, then register the company again.',
  company_refused_none_title: 'The registry has no such company',
  company_refused_none:
    'The national company registry has no company with the code {uscc}. Check the code on the business licence and try again.',
  company_refused_closed_title: 'This company is closed',
  company_refused_closed:
    'The company registry lists {uscc} as closed (deregistered or revoked). A closed company cannot be registered.',
  company_refused_other_title: 'The registry names another legal representative',
  company_refused_other:
    'The company registry names someone else as the legal representative of {uscc}. Only its legal representative can register it; ask them to, so they can authorise you as an agent.',
  company_refused_taken_title: 'This company is already registered',
  company_refused_taken:
    'The company {uscc} is already registered at yitong by its legal representative. Ask them to authorise you as an agent if you act for it.',
  company_refused_unavailable_title: 'The company registry is not answering',
  company_refused_unavailable:
    'The company registry did not answer. Nothing was registered. Try again in a few minutes.',
  company_tryAgain: 'Back to my companies',
  company_registered: 'The company is registered. You are its legal representative.',
  company_notYours_title: 'You cannot manage this company',
  company_notYours:
    'Only a company’s legal representative can see and change its agents. If you are, register the company first.',
  company_sites: 'Services',
  company_licenceTypes: 'Licence types',
  company_grantedAt: 'Authorised',
  company_revokedAt: 'Revoked',
  company_revoke: 'Revoke',
  company_revokedNotice: 'The authorisation was revoked. The agent can no longer act for the company.',
  company_grantedNotice: 'The agent is authorised.',
  company_grantTitle: 'Authorise an agent',
  company_grantLead:
    'The agent must have proved their identity at yitong. Choose the services they may use for the company and the licence types they may see, and when the authorisation ends.',
  company_residentId: 'Their resident ID number',
  company_residentIdHint: '18 characters, the last may be X.',
  company_nameHint: 'As on their resident ID card.',
  company_sitesHint: 'Services that accept companies.',
  company_sitesNone: 'No service accepts companies yet: authorise licence types only, for now.',
  company_untilHint: 'The last day it applies, within three years.',
  company_grant: 'Authorise agent',
  company_errName: 'Enter the agent’s name',
  company_errResidentId: 'Enter a resident ID number of 18 characters with a correct check character',
  company_errScope: 'Select at least one service or licence type',
  company_errUntil: 'Enter an end date after today and within three years',
  company_errNoPerson:
    'Nobody with this name and ID number has proved their identity at yitong: ask them to prove it first',
  company_errSelf: 'You are the legal representative: you need no authorisation',
  company_back: 'Back to my companies',
  id_title: 'Your identity',
  id_nav: 'Identity',
  id_lead: 'How sure government services can be of who you are. Some services ask for a verified identity.',
  id_method: 'How',
  id_methodRegistry:
    'Online: name and ID number checked with the population registry, with a mobile number registered to you',
  id_methodCounter: 'In person: your ID card was checked at a service counter',
  id_notVerified: 'You have not verified your identity yet.',
  id_toLevel3: 'To reach level 3, take your resident ID card to a government service counter.',
  id_noSource:
    'Online verification is not available here. Take your resident ID card to a government service counter.',
  id_verifiedTitle: 'Your identity is verified',
  id_verifiedLead: 'Your account now has identity assurance level {level}.',
  id_back: 'Back to your identity',
} as const;

export type AccountWord = keyof typeof en;

const zh: Readonly<Record<AccountWord, string>> = {
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
  company_nav: '我的企业',
  nav_services: '已授权的服务',
  nav_sessions: '登录会话与设备',
  nav_security: '登录与安全',
  nav_contact: '联系方式',
  nav_data: '我的数据',
  company_title: '我代表的企业',
  company_lead: '您可代表办事的企业：作为其法定代表人，或作为其授权的经办人。',
  company_none: '您尚未代表任何企业。',
  company_role: '您的身份',
  company_role_legalRepresentative: '法定代表人',
  company_role_agent: '经办人',
  company_scopeAll: '全部事项、全部服务',
  company_noEnd: '无截止日期',
  company_manage: '管理{name}的经办人',
  company_registerTitle: '登记企业',
  company_registerLead:
    '如果您是企业的法定代表人，可在此登记企业。一通会核对国家企业登记系统中的法定代表人是否为您本人。',
  company_register: '登记企业',
  company_proveFirst: '登记企业前，您需要先完成实名认证（身份保障等级 2）。',
  company_proveLink: '进行实名认证',
  company_refused_ial_title: '请先完成实名认证',
  company_refused_ial:
    '只有经人口登记系统核验身份（等级 2 或以上）的人才能登记企业。请先完成实名认证，再重新登记企业。',
  company_refused_none_title: '登记系统中没有该企业',
  company_refused_none:
    '国家企业登记系统中没有统一社会信用代码为 {uscc} 的企业。请核对营业执照上的代码后重试。',
  company_refused_closed_title: '该企业已注销',
  company_refused_closed: '企业登记系统显示 {uscc} 已注销或被吊销。已注销的企业不能登记。',
  company_refused_other_title: '登记系统记载的法定代表人不是您',
  company_refused_other:
    '企业登记系统记载的 {uscc} 的法定代表人是其他人。只有法定代表人本人才能登记该企业；请其登记后授权您为经办人。',
  company_refused_taken_title: '该企业已登记',
  company_refused_taken:
    '企业 {uscc} 已由其法定代表人在一通登记。如果您为其办事，请法定代表人授权您为经办人。',
  company_refused_unavailable_title: '企业登记系统暂无响应',
  company_refused_unavailable: '企业登记系统没有响应，未登记任何内容。请几分钟后再试。',
  company_tryAgain: '返回我的企业',
  company_registered: '企业已登记，您是其法定代表人。',
  company_notYours_title: '您不能管理该企业',
  company_notYours: '只有企业的法定代表人才能查看和更改其经办人。如果您是法定代表人，请先登记企业。',
  company_sites: '服务',
  company_licenceTypes: '证照类型',
  company_grantedAt: '授权时间',
  company_revokedAt: '撤销时间',
  company_revoke: '撤销',
  company_revokedNotice: '授权已撤销，该经办人不能再代表企业办事。',
  company_grantedNotice: '已授权该经办人。',
  company_grantTitle: '授权经办人',
  company_grantLead:
    '经办人须已在一通完成实名认证。请选择其可代表企业使用的服务、可查看的证照类型，以及授权截止日期。',
  company_residentId: '经办人的居民身份证号码',
  company_residentIdHint: '18 位，最后一位可能是 X。',
  company_nameHint: '与其居民身份证上的姓名一致。',
  company_sitesHint: '接受企业办事的服务。',
  company_sitesNone: '目前还没有服务接受企业办事：暂时只能授权证照类型。',
  company_untilHint: '授权适用的最后一天，不超过三年。',
  company_grant: '授权经办人',
  company_errName: '请输入经办人的姓名',
  company_errResidentId: '请输入 18 位、校验码正确的居民身份证号码',
  company_errScope: '请至少选择一项服务或证照类型',
  company_errUntil: '请输入今天之后、三年以内的截止日期',
  company_errNoPerson: '没有以此姓名和身份证号码在一通完成实名认证的人：请其先完成实名认证',
  company_errSelf: '您是法定代表人，无需授权',
  company_back: '返回我的企业',
  id_title: '实名认证',
  id_nav: '实名认证',
  id_lead: '政府服务能多确定您是谁。部分服务要求经过核验的身份。',
  id_method: '核验方式',
  id_methodRegistry: '在线：姓名和身份号码经人口信息库核对，并核对本人实名登记的手机号码',
  id_methodCounter: '当面：在服务窗口查验了您的居民身份证',
  id_notVerified: '您尚未核验身份。',
  id_toLevel3: '如需达到3级，请携带居民身份证到政务服务窗口办理。',
  id_noSource: '此处暂不提供在线核验。请携带居民身份证到政务服务窗口办理。',
  id_verifiedTitle: '身份核验成功',
  id_verifiedLead: '您的账号现在的身份可信等级为{level}级。',
  id_back: '返回实名认证',
};

/** Both languages, for tests that hold them to the same keys and placeholders. */
export const WORDS: Readonly<Record<Lang, Readonly<Record<AccountWord, string>>>> = { en, 'zh-CN': zh };

/** A wallet word in the page's language, its `{name}` placeholders filled. */
export const ww = (
  lang: Lang,
  key: AccountWord,
  vars: Readonly<Record<string, string | number>> = {},
): string => WORDS[lang][key].replace(/\{(\w+)\}/g, (_, name: string) => String(vars[name] ?? ''));

/** A word of the account portal or of the shared catalogue, in the page's language. */
export const aw = withOwnWords(WORDS);

/** A key of the shared catalogue or of the portal's own words. */
export type AccountKey = MessageKey | AccountWord;
