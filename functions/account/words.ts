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
  data_title: 'Your data',
  data_lead:
    'Get a copy of everything yitong holds about you, or close your account. Personal Information Protection Law, Articles 44 to 47.',
  data_fileTitle: 'Download your data',
  data_fileLead: 'One JSON file, made when you ask for it. It contains:',
  data_part_account:
    'Your account: login name, name, email, roles, when it was made, and whether it is closing.',
  data_part_signIn:
    'How you sign in: that you have a password, your authenticator app’s date and how many recovery codes are left, your passkeys’ ids. Never the password, the app’s secret, the codes or the passkeys’ keys.',
  data_part_identity:
    'Your verified identity: level, name, birth date, how and when it was verified, and your ID number masked (first and last four characters). yitong keeps no full ID number.',
  data_part_consents: 'The services you allowed to see your details, and what each may see.',
  data_part_grants: 'The services’ live access now: what each may see, since when, until when.',
  data_part_sessions:
    'Your signed-in sessions: when, how, the services in each, the browser and network. Never the session ids.',
  data_part_activity:
    'Your activity: events of the audit trail in which you acted or which were about you. Other people in them (a counter officer, an agent you authorised) are named only as “another person”; addresses and browsers only of what you did yourself.',
  data_part_licences:
    'Your licences’ records: type, number, issuer, validity and status (not the licences themselves: download those from your wallet), the links you shared (without the links) and who checked them.',
  data_part_companies:
    'The companies you act for and your role. Not the company’s licences or its other agents: they are the company’s.',
  data_download: 'Download my data (JSON)',
  data_closeTitle: 'Close your account',
  data_closeLead:
    'After a cooling-off of {period}, your account is deleted. Until then you can change your mind: sign in and cancel.',
  data_deletedTitle: 'What is deleted',
  data_deleted_account:
    'Your account: login name, name, email, password, authenticator app, recovery codes and passkeys.',
  data_deleted_sessions:
    'Every session and every service’s access, at once when you close: each service is told you signed out, and its tokens stop working.',
  data_deleted_consents: 'The permissions you gave services.',
  data_deleted_identity: 'Your verified identity. Your ID number can be verified again by a new account.',
  data_deleted_companies:
    'Your right to act for companies. If you are a company’s legal representative, its registration at yitong ends, and so does every agent’s authorisation (their sign-ins for the company end). The company can be registered again by its legal representative.',
  data_keptTitle: 'What is kept, and why',
  data_kept_audit:
    'The audit trail: the record of sign-ins and changes, kept by law for a fixed time (180 days for sign-ins, 3 years for security events) and then deleted. It names your account by an id only. Deleting your account is recorded without your name, login name or email.',
  data_kept_licences:
    'Licences issued to you: they are the issuing department’s records, not yitong’s. They stay valid and appear again if you open a new account and verify your identity.',
  data_confirm: 'I understand that my account will be deleted after the cooling-off',
  data_confirmError: 'Tick the box to confirm you want to close your account',
  data_closeButton: 'Close my account',
  data_freshNeeded: 'To close your account, first confirm it’s you by signing in again.',
  data_freshLink: 'Confirm it’s you',
  data_representative: 'You are the legal representative of: {companies}.',
  data_closingTitle: 'Your account is closing',
  data_closingLead:
    'Your account will be deleted after {date}. You were signed out everywhere and the services were told. To keep your account, cancel now.',
  data_cancelButton: 'Keep my account',
  data_cancelled: 'Your account will not be closed.',
  data_closedTitle: 'Your account will be closed',
  data_closedLead:
    'You were signed out on every device and service. Your account will be deleted after {date}. To keep it, sign in before then and choose “Keep my account”. We sent you a notice.',
  data_signInAgain: 'Sign in',
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
  data_title: '我的数据',
  data_lead: '获取一通保存的您的全部个人信息副本，或注销账号。依据《个人信息保护法》第四十四条至第四十七条。',
  data_fileTitle: '下载我的数据',
  data_fileLead: '一个 JSON 文件，在您申请时生成，包含：',
  data_part_account: '您的账号：登录名、姓名、电子邮箱、角色、注册时间，以及是否正在注销。',
  data_part_signIn:
    '登录方式：是否设置了密码、身份验证器的启用时间和剩余恢复码数量、通行密钥的编号。不含密码、验证器密钥、恢复码或通行密钥的公钥。',
  data_part_identity:
    '已核验的身份：等级、姓名、出生日期、核验方式和时间，以及脱敏的身份证号码（仅前四位和后四位）。一通不保存完整的身份证号码。',
  data_part_consents: '您允许查看您信息的服务，以及各服务可查看的内容。',
  data_part_grants: '各服务当前有效的访问授权：可查看的内容、开始和结束时间。',
  data_part_sessions: '您的登录会话：时间、方式、其中登录的服务、浏览器和网络。不含会话编号。',
  data_part_activity:
    '您的操作记录：审计记录中由您操作或与您有关的事件。其中的其他人（窗口工作人员、您授权的经办人）只记为“其他人”；地址和浏览器仅包括您本人操作的事件。',
  data_part_licences:
    '您的证照记录：类型、编号、签发部门、有效期和状态（不含证照本身，请在证照夹中下载）、您分享的链接（不含链接地址）以及谁核验了证照。',
  data_part_companies: '您代表的企业及您的身份。不含企业的证照或其他经办人：这些属于企业。',
  data_download: '下载我的数据（JSON）',
  data_closeTitle: '注销账号',
  data_closeLead: '冷静期 {period} 结束后，您的账号将被删除。在此之前您可以改变主意：登录并取消注销。',
  data_deletedTitle: '将删除的内容',
  data_deleted_account: '您的账号：登录名、姓名、电子邮箱、密码、身份验证器、恢复码和通行密钥。',
  data_deleted_sessions:
    '注销时立即结束所有会话和各服务的访问授权：各服务会收到退出登录通知，其令牌随即失效。',
  data_deleted_consents: '您授予各服务的授权。',
  data_deleted_identity: '您已核验的身份。您的身份证号码可由新账号重新核验。',
  data_deleted_companies:
    '您代表企业办事的权限。如果您是企业的法定代表人，该企业在一通的登记将终止，所有经办人的授权也随之终止（其代表企业的登录将结束）。企业可由其法定代表人重新登记。',
  data_keptTitle: '将保留的内容及原因',
  data_kept_audit:
    '审计记录：登录和变更的记录，依法保存一定期限（登录记录 180 天，安全事件 3 年）后删除。审计记录仅以编号指代您的账号。删除账号的记录不含您的姓名、登录名或电子邮箱。',
  data_kept_licences:
    '签发给您的证照：它们是签发部门的记录，而非一通的记录。证照继续有效；如您注册新账号并核验身份，证照会重新显示。',
  data_confirm: '我知道冷静期结束后我的账号将被删除',
  data_confirmError: '请勾选确认框，确认您要注销账号',
  data_closeButton: '注销我的账号',
  data_freshNeeded: '注销账号前，请重新登录以确认是您本人。',
  data_freshLink: '确认是我本人',
  data_representative: '您是以下企业的法定代表人：{companies}。',
  data_closingTitle: '您的账号正在注销',
  data_closingLead:
    '您的账号将在 {date} 之后被删除。您已在所有设备和服务上退出登录，各服务已收到通知。如需保留账号，请立即取消。',
  data_cancelButton: '保留我的账号',
  data_cancelled: '您的账号不会被注销。',
  data_closedTitle: '您的账号将被注销',
  data_closedLead:
    '您已在所有设备和服务上退出登录。您的账号将在 {date} 之后被删除。如需保留，请在此之前登录并选择“保留我的账号”。我们已向您发送通知。',
  data_signInAgain: '登录',
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
