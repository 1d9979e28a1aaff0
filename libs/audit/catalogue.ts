/**
 * Every audit event type yitong writes, with its retention class and what it means. The
 * console and the citizen's activity page describe events from here, docs/audit.md lists
 * them, and a test fails when code writes a type that is not catalogued.
 */
export interface EventTypeEntry {
  /** Which retention class keeps it (see retention.ts): short-lived access records or security records. */
  readonly retention: 'access' | 'security';
  readonly en: string;
  readonly zh: string;
  /** Shown to the person the event is about on their activity page. */
  readonly citizen?: boolean;
}

export const EVENT_TYPES = {
  'login.success': { retention: 'access', en: 'Signed in', zh: '登录成功', citizen: true },
  'login.failure': { retention: 'access', en: 'Sign-in failed', zh: '登录失败', citizen: true },
  'login.throttled': {
    retention: 'access',
    en: 'Sign-in throttled (too many attempts from one source)',
    zh: '登录被限流',
  },
  'login.cancelled': { retention: 'access', en: 'Sign-in cancelled', zh: '取消登录' },
  'login.ended': {
    retention: 'security',
    en: 'Sign-in ended after too many wrong second-factor codes',
    zh: '第二因素验证码错误次数过多，登录已终止',
    citizen: true,
  },
  'mfa.success': { retention: 'access', en: 'Second factor accepted', zh: '第二因素验证通过' },
  'mfa.failure': { retention: 'access', en: 'Second factor refused', zh: '第二因素验证失败', citizen: true },
  'mfa.enrolled': {
    retention: 'security',
    en: 'Second factor or passkey added',
    zh: '添加了第二因素或通行密钥',
    citizen: true,
  },
  // The account centre's sign-in and security page (issue #21).
  'mfa.passkey_renamed': {
    retention: 'security',
    en: 'Passkey renamed',
    zh: '重命名通行密钥',
    citizen: true,
  },
  'mfa.passkey_removed': {
    retention: 'security',
    en: 'Passkey removed',
    zh: '移除通行密钥',
    citizen: true,
  },
  'mfa.totp_replaced': {
    retention: 'security',
    en: 'Authenticator app replaced',
    zh: '更换身份验证器应用',
    citizen: true,
  },
  'mfa.recovery_codes_regenerated': {
    retention: 'security',
    en: 'New recovery codes made',
    zh: '重新生成恢复码',
    citizen: true,
  },
  'account.registered': { retention: 'security', en: 'Account registered', zh: '注册账户', citizen: true },
  'account.locked': {
    retention: 'security',
    en: 'Sign-in paused (from one source) or account locked after failed sign-ins',
    zh: '多次登录失败，登录被暂停（单一来源）或账户被锁定',
    citizen: true,
  },
  'account.unlocked': {
    retention: 'security',
    en: 'Account unlocked by an administrator',
    zh: '管理员解锁账户',
    citizen: true,
  },
  'password.reset_requested': {
    retention: 'security',
    en: 'Password reset requested',
    zh: '申请重置密码',
    citizen: true,
  },
  'password.reset': { retention: 'security', en: 'Password reset', zh: '重置密码', citizen: true },
  'password.changed': { retention: 'security', en: 'Password changed', zh: '修改密码', citizen: true },
  'contact.code_sent': {
    retention: 'security',
    en: 'Code sent to confirm an email address or phone number',
    zh: '发送验证码以确认电子邮箱或手机号码',
    citizen: true,
  },
  'contact.email_verified': {
    retention: 'security',
    en: 'Email address confirmed or changed with a code',
    zh: '以验证码确认或更改电子邮箱',
    citizen: true,
  },
  'contact.phone_verified': {
    retention: 'security',
    en: 'Phone number verified with an SMS code',
    zh: '以短信验证码验证手机号码',
    citizen: true,
  },
  'contact.phone_removed': {
    retention: 'security',
    en: 'Phone number removed',
    zh: '删除手机号码',
    citizen: true,
  },
  'consent.granted': {
    retention: 'access',
    en: 'Allowed a service to use your details',
    zh: '同意服务使用您的信息',
    citizen: true,
  },
  'consent.denied': {
    retention: 'access',
    en: 'Refused a service your details',
    zh: '拒绝服务使用您的信息',
    citizen: true,
  },
  'consent.withdrawn': {
    retention: 'security',
    en: 'Withdrew a service’s access to your details',
    zh: '撤回服务使用您信息的授权',
    citizen: true,
  },
  'token.issued': {
    retention: 'access',
    en: 'Tokens issued to a service',
    zh: '向服务签发令牌',
    citizen: true,
  },
  'token.refreshed': { retention: 'access', en: 'Tokens refreshed', zh: '刷新令牌' },
  'token.failure': { retention: 'access', en: 'Token request refused', zh: '令牌请求被拒绝' },
  'token.revoked': { retention: 'access', en: 'Token revoked', zh: '撤销令牌' },
  'token.audience_refused': {
    retention: 'security',
    en: 'Token refused for an API the client was not granted',
    zh: '客户端未获授权访问该接口，拒绝签发令牌',
  },
  'session.logout': { retention: 'access', en: 'Signed out', zh: '退出登录', citizen: true },
  'session.ended': {
    retention: 'security',
    en: 'Signed out of one session at the account centre',
    zh: '在账户中心退出一个登录会话',
    citizen: true,
  },
  'session.ended_everywhere': {
    retention: 'security',
    en: 'Signed out everywhere at the account centre',
    zh: '在账户中心退出所有登录',
    citizen: true,
  },
  'policy.allowed': {
    retention: 'security',
    en: 'Privileged access allowed by policy',
    zh: '策略允许特权访问',
  },
  'policy.denied': {
    retention: 'security',
    en: 'Access refused by policy',
    zh: '策略拒绝访问',
    citizen: true,
  },
  'identity.proofing': {
    retention: 'security',
    en: 'Identity checked against the registry',
    zh: '通过登记机关核验身份',
    citizen: true,
  },
  'identity.proofing_started': {
    retention: 'security',
    en: 'Identity matched by the registry; a code was sent to the phone to finish the check',
    zh: '登记机关核验身份信息一致，已向手机发送验证码以完成核验',
    citizen: true,
  },
  'identity.proofing_code_resent': {
    retention: 'security',
    en: 'Identity check code sent to the phone again',
    zh: '再次向手机发送身份核验验证码',
    citizen: true,
  },
  'identity.counter_verified': {
    retention: 'security',
    en: 'Identity verified in person at a service counter',
    zh: '在服务窗口当面核验身份',
    citizen: true,
  },
  'identity.claim_transferred': {
    retention: 'security',
    en: 'Identity moved to this account by a service counter (it was proved remotely by another account)',
    zh: '服务窗口当面核验后，身份从另一个远程核验的账号转至本账号',
    citizen: true,
  },
  'identity.counter_lookup': {
    retention: 'security',
    en: 'Account looked up at a service counter to verify an identity',
    zh: '服务窗口为核验身份查找账号',
    citizen: true,
  },
  'support.lookup': {
    retention: 'security',
    en: 'Account looked up by the help desk, with the reason given',
    zh: '服务台查找账户（附查找理由）',
    citizen: true,
  },
  'support.identity_rechecked': {
    retention: 'security',
    en: 'Identity re-checked in person by the help desk before a second-factor reset',
    zh: '服务台在重置第二因素前当面复核身份',
    citizen: true,
  },
  'support.unlocked': {
    retention: 'security',
    en: 'Account unlocked by the help desk',
    zh: '服务台解除账户锁定',
    citizen: true,
  },
  'support.factor_reset': {
    retention: 'security',
    en: 'Second factor reset by the help desk after an identity re-check',
    zh: '服务台复核身份后重置第二因素',
    citizen: true,
  },
  'support.disabled': {
    retention: 'security',
    en: 'Account disabled by the help desk',
    zh: '服务台停用账户',
    citizen: true,
  },
  'support.enabled': {
    retention: 'security',
    en: 'Account enabled again by the help desk',
    zh: '服务台重新启用账户',
    citizen: true,
  },
  'company.registered': {
    retention: 'security',
    en: 'Company registered by its legal representative',
    zh: '法定代表人登记企业',
    citizen: true,
  },
  'company.agent_granted': {
    retention: 'security',
    en: 'Agent authorised to act for a company',
    zh: '授权经办人代表企业办事',
    citizen: true,
  },
  'company.agent_revoked': {
    retention: 'security',
    en: 'Agent authorisation revoked',
    zh: '撤销经办人授权',
    citizen: true,
  },
  'company.representatives_viewed': {
    retention: 'security',
    en: 'Staff looked up who represents a company',
    zh: '工作人员查询企业代表人',
  },
  'company.acted_for': {
    retention: 'security',
    en: 'Signed in to a site acting for a company',
    zh: '代表企业登录网站',
    citizen: true,
  },
  'company.sessions_ended': {
    retention: 'security',
    en: 'Sign-ins acting for a company ended',
    zh: '结束代表企业的登录',
    citizen: true,
  },
  'licence.issued': { retention: 'security', en: 'Licence issued', zh: '签发证照', citizen: true },
  'licence.revoked': { retention: 'security', en: 'Licence revoked', zh: '吊销证照', citizen: true },
  'licence.suspended': { retention: 'security', en: 'Licence suspended', zh: '暂停证照', citizen: true },
  'licence.reinstated': { retention: 'security', en: 'Licence reinstated', zh: '恢复证照', citizen: true },
  'licence.verified': {
    retention: 'access',
    en: 'Licence checked by a verifier',
    zh: '证照被核验',
    citizen: true,
  },
  'licence.shared': {
    retention: 'security',
    en: 'Licence shared by link',
    zh: '通过链接分享证照',
    citizen: true,
  },
  'licence.share_withdrawn': {
    retention: 'security',
    en: 'Shared link withdrawn',
    zh: '撤回分享链接',
    citizen: true,
  },
  'admin.client.updated': { retention: 'security', en: 'Client registration changed', zh: '修改客户端注册' },
  'admin.licence_type.updated': {
    retention: 'security',
    en: 'Licence type registered or changed',
    zh: '登记或修改证照类型',
  },
  'account.created': {
    retention: 'security',
    en: 'Account created from the command line',
    zh: '命令行创建账户',
  },
  'admin.account.created': { retention: 'security', en: 'Staff account created', zh: '创建工作人员账户' },
  'admin.account.updated': {
    retention: 'security',
    en: 'Staff account roles or status changed',
    zh: '修改工作人员角色或状态',
  },
  'admin.role_request.created': {
    retention: 'security',
    en: 'Administrator asked to grant admin or auditor (awaits a second administrator)',
    zh: '申请授予管理员或审计员角色（待另一名管理员批准）',
  },
  'admin.role_request.approved': {
    retention: 'security',
    en: 'Second administrator approved a request for admin or auditor',
    zh: '另一名管理员批准授予管理员或审计员角色',
  },
  'admin.role_request.rejected': {
    retention: 'security',
    en: 'Request for admin or auditor rejected or withdrawn',
    zh: '拒绝或撤回授予管理员或审计员角色的申请',
  },
  'admin.self_change.denied': {
    retention: 'security',
    en: 'Administrator refused a change to their own roles or the approval of their own request',
    zh: '拒绝管理员修改自己的角色或批准自己的申请',
  },
  'account.break_glass': {
    retention: 'security',
    en: 'Privileged account created with the break-glass command (AWS access, no second administrator)',
    zh: '以应急命令创建特权账户（凭 AWS 权限，无第二名管理员）',
  },
  'admin.department.created': { retention: 'security', en: 'Department registered', zh: '登记部门' },
  'admin.department.updated': { retention: 'security', en: 'Department changed', zh: '修改部门' },
  'admin.registration_token.issued': {
    retention: 'security',
    en: 'Registration token issued to a department',
    zh: '向部门签发注册令牌',
  },
  'admin.registration_token.revoked': {
    retention: 'security',
    en: 'Registration token revoked',
    zh: '吊销注册令牌',
  },
  'admin.client.created': {
    retention: 'security',
    en: 'Client registered by an administrator',
    zh: '管理员注册客户端',
  },
  'admin.client.secret_rotated': { retention: 'security', en: 'Client secret rotated', zh: '更换客户端密钥' },
  'admin.client.resource_granted': {
    retention: 'security',
    en: 'Client granted access to an API',
    zh: '授权客户端访问接口',
  },
  'admin.client.resource_revoked': {
    retention: 'security',
    en: 'Client’s access to an API withdrawn',
    zh: '撤销客户端的接口访问授权',
  },
  'admin.resource_server.updated': {
    retention: 'security',
    en: 'Resource server (API) registered or changed',
    zh: '登记或修改资源服务器',
  },
  'client.registered': {
    retention: 'security',
    en: 'Client registered by its department (RFC 7591)',
    zh: '部门自助注册客户端',
  },
  'client.updated': {
    retention: 'security',
    en: 'Client changed by its department (RFC 7592)',
    zh: '部门自助修改客户端',
  },
  'client.deleted': {
    retention: 'security',
    en: 'Client deleted by its department (RFC 7592)',
    zh: '部门自助删除客户端',
  },
  'client.registration_refused': {
    retention: 'security',
    en: 'Client registration or change refused',
    zh: '客户端注册或修改被拒绝',
  },
  'alert.raised': { retention: 'security', en: 'Detection rule raised an alert', zh: '检测规则发出告警' },
  'audit.account_lookup': {
    retention: 'security',
    en: 'Auditor looked up an account by login name or e-mail address to search the audit trail',
    zh: '审计员按登录名或电子邮箱查找账户以检索审计记录',
  },
  'account.data_exported': {
    retention: 'security',
    en: 'Copy of your data downloaded',
    zh: '下载个人数据副本',
    citizen: true,
  },
  'account.closing_requested': {
    retention: 'security',
    en: 'Account closing requested (cooling-off started)',
    zh: '申请注销账号（冷静期开始）',
    citizen: true,
  },
  'account.closing_cancelled': {
    retention: 'security',
    en: 'Account closing cancelled',
    zh: '取消注销账号',
    citizen: true,
  },
  'account.deleted': {
    retention: 'security',
    en: 'Closed account deleted after its cooling-off',
    zh: '冷静期结束后删除已注销的账号',
  },
  'company.registration_ended': {
    retention: 'security',
    en: 'Company registration ended: its legal representative’s account was closed',
    zh: '企业登记终止：其法定代表人的账号已注销',
    citizen: true,
  },
} as const satisfies Record<string, EventTypeEntry>;

export type EventType = keyof typeof EVENT_TYPES;

/** The catalogue entry of a type; undefined for a type the catalogue does not know. */
export const eventTypeEntry = (type: string): EventTypeEntry | undefined =>
  (EVENT_TYPES as Record<string, EventTypeEntry>)[type];
