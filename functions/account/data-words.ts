import { type Lang, type MessageKey, withOwnWords } from '../../libs/web/index.ts';
import { WORDS as ACCOUNT_WORDS, type AccountWord } from './words.ts';

/**
 * The words of the Your data page (issue #21), loaded with its pages on first use: the page
 * explains a lot, and no other page of the portal needs it.
 */
const en = {
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

/** A word of the Your data page. */
export type DataWord = keyof typeof en;

const zh: Readonly<Record<DataWord, string>> = {
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
export const WORDS: Readonly<Record<Lang, Readonly<Record<DataWord, string>>>> = { en, 'zh-CN': zh };

const both = {
  en: { ...ACCOUNT_WORDS.en, ...en },
  'zh-CN': { ...ACCOUNT_WORDS['zh-CN'], ...zh },
} as Readonly<Record<Lang, Readonly<Record<AccountWord | DataWord, string>>>>;

/** A word of the Your data page, of the portal, or of the shared catalogue, in the page's language. */
export const dw: (
  lang: Lang,
  key: MessageKey | AccountWord | DataWord,
  vars?: Record<string, string | number>,
) => string = withOwnWords(both);
