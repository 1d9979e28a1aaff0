import { type Html, html, type Lang } from '../login/index.ts';
import type { Receipt, Share } from './service.ts';
import type { LicenceType } from './types.ts';
import { ENVELOPE_CLAIMS, type VerificationResult } from './verify.ts';

/** Words of the licence pages (verification page and wallet), in both languages. */
const WORDS = {
  en: {
    checkTitle: 'Licence check',
    checkLead: 'This page checks a licence shared with you, with its issuer, right now.',
    valid: 'Valid: genuine, unaltered and in force',
    revoked: 'Revoked by the issuer: this licence is no longer in force',
    suspended: 'Suspended by the issuer: this licence is not in force at present',
    expired: 'Expired',
    not_yet_valid: 'Not yet valid',
    invalid: 'Not valid: this is not a genuine, unaltered licence',
    type: 'Licence',
    issuer: 'Issued by',
    number: 'Licence number',
    validFrom: 'Valid from',
    validUntil: 'Valid until',
    checkedAt: 'Status checked',
    reason: 'Reason',
    sharedFor: 'Shared by the holder for: {purpose}',
    sharedFields: 'Details the holder chose to share',
    licenceClaims: 'Details always shown on this licence',
    none: 'None',
    linkGone: 'This link has expired or was withdrawn',
    linkGoneLead: 'Ask the holder to share the licence again.',
    walletTitle: 'My licences',
    walletLead: 'Licences issued to you by government departments.',
    noLicences: 'You have no licences yet.',
    view: 'View',
    download: 'Download',
    share: 'Share',
    shareTitle: 'Share {type}',
    shareLead: 'Choose what to show and why. The link works until it expires or you withdraw it.',
    fields: 'Details to share',
    purpose: 'What is it for?',
    purposeHint: 'For example: renting a flat, a job application.',
    validFor: 'Link valid for',
    hours: '{n} hours',
    days: '{n} days',
    createLink: 'Create link',
    linkReady: 'Your link is ready',
    linkReadyLead: 'Anyone with this link or QR code can check the details you chose until {time}.',
    withdraw: 'Withdraw',
    withdrawn: 'Withdrawn',
    shares: 'Shares of this licence',
    expiresAt: 'Expires',
    status: 'Status',
    verifications: 'Who checked my licences',
    activity: 'My activity',
    activityLead:
      'Sign-ins, services you used and what happened to your licences, as the audit trail recorded them.',
    sitesUsed: 'Services you signed in to',
    lastUsed: 'Last used',
    what: 'What happened',
    service: 'Service',
    where: 'Network',
    fromAddress: 'From address',
    noActivity: 'Nothing recorded yet.',
    verificationsLead: 'Every check of your licences: who, when, and the purpose they gave.',
    noVerifications: 'Nobody has checked your licences yet.',
    when: 'When',
    who: 'Who',
    forWhat: 'Purpose',
    result: 'Result',
    back: 'Back to my licences',
    signOut: 'Sign out',
    active: 'Active',
    expiredShort: 'Expired',
    linkVisitor: 'Someone with your link',
  },
  'zh-CN': {
    checkTitle: '证照核验',
    checkLead: '本页面向签发机关实时核验他人与您分享的证照。',
    valid: '有效：证照真实、未被篡改且在有效期内',
    revoked: '已被签发机关吊销：该证照已失效',
    suspended: '已被签发机关暂停：该证照目前无效',
    expired: '已过期',
    not_yet_valid: '尚未生效',
    invalid: '无效：这不是一份真实、未经篡改的证照',
    type: '证照',
    issuer: '签发机关',
    number: '证照编号',
    validFrom: '生效日期',
    validUntil: '有效期至',
    checkedAt: '状态核验时间',
    reason: '原因',
    sharedFor: '持证人分享用途：{purpose}',
    sharedFields: '持证人选择分享的信息',
    licenceClaims: '证照公开信息',
    none: '无',
    linkGone: '该链接已过期或已被撤回',
    linkGoneLead: '请联系持证人重新分享。',
    walletTitle: '我的证照',
    walletLead: '政府部门向您签发的证照。',
    noLicences: '您还没有证照。',
    view: '查看',
    download: '下载',
    share: '分享',
    shareTitle: '分享{type}',
    shareLead: '选择要出示的信息和用途。链接在过期或被您撤回前有效。',
    fields: '要分享的信息',
    purpose: '用途',
    purposeHint: '例如：租房、求职。',
    validFor: '链接有效期',
    hours: '{n} 小时',
    days: '{n} 天',
    createLink: '生成链接',
    linkReady: '链接已生成',
    linkReadyLead: '在 {time} 之前，任何人可通过此链接或二维码核验您选择的信息。',
    withdraw: '撤回',
    withdrawn: '已撤回',
    shares: '此证照的分享记录',
    expiresAt: '过期时间',
    status: '状态',
    verifications: '谁核验了我的证照',
    activity: '我的活动',
    activityLead: '审计记录中与您有关的登录、使用的服务以及证照的变化。',
    sitesUsed: '您登录过的服务',
    lastUsed: '最近使用',
    what: '事件',
    service: '服务',
    where: '网络',
    fromAddress: '来源地址',
    noActivity: '暂无记录。',
    verificationsLead: '您的证照每一次被核验的记录：核验方、时间及其声明的用途。',
    noVerifications: '您的证照尚未被核验。',
    when: '时间',
    who: '核验方',
    forWhat: '用途',
    result: '结果',
    back: '返回我的证照',
    signOut: '退出登录',
    active: '有效',
    expiredShort: '已过期',
    linkVisitor: '持有您分享链接的人',
  },
} as const;

export type LicenceWord = keyof (typeof WORDS)['en'];

export const w = (lang: Lang, key: LicenceWord, vars: Record<string, string | number> = {}): string =>
  WORDS[lang][key].replace(/\{(\w+)\}/g, (_, name: string) => String(vars[name] ?? ''));

const date = (lang: Lang, epoch: number | undefined) =>
  epoch === undefined ? '' : new Date(epoch * 1000).toLocaleDateString(lang, { timeZone: 'Asia/Shanghai' });
const time = (lang: Lang, iso: string | number) =>
  new Date(typeof iso === 'number' ? iso * 1000 : iso).toLocaleString(lang, { timeZone: 'Asia/Shanghai' });

/** A claim's label from its type, else its name. */
export const claimLabel = (lang: Lang, type: LicenceType | undefined, name: string): string => {
  const field = type?.claims.find((f) => f.name === name);
  if (field) return field.label[lang];
  const age = /^age_over_(\d+)$/.exec(name);
  if (age) return lang === 'en' ? `Aged ${age[1]} or over` : `年满${age[1]}周岁`;
  return name;
};

const value = (lang: Lang, v: unknown): string =>
  typeof v === 'boolean' ? (lang === 'en' ? (v ? 'Yes' : 'No') : v ? '是' : '否') : String(v);

const definitionList = (
  id: string,
  lang: Lang,
  type: LicenceType | undefined,
  claims: Record<string, unknown>,
  names: readonly string[],
) =>
  names.length
    ? html`<dl id="${id}">${names.map((name) => html`<dt>${claimLabel(lang, type, name)}</dt><dd data-claim="${name}">${value(lang, claims[name])}</dd>`)}</dl>`
    : html`<p id="${id}">${w(lang, 'none')}</p>`;

/** The human verification page a QR code or link opens. */
export const verificationBody = (
  lang: Lang,
  result: VerificationResult,
  type: LicenceType | undefined,
  share: Pick<Share, 'purpose'>,
): Html => {
  const ok = result.verdict === 'valid';
  const authority = result.issuingAuthority as { department?: string; code?: string } | undefined;
  const shown = Object.keys(result.claims).filter(
    (n) => !ENVELOPE_CLAIMS.includes(n) && !result.disclosed.includes(n),
  );
  return html`<h1>${w(lang, 'checkTitle')}</h1>
<p class="lead">${w(lang, 'checkLead')}</p>
<div class="${ok ? 'notice' : 'error-summary'}" role="status" id="verdict" data-verdict="${result.verdict}"><p><strong>${w(lang, result.verdict)}</strong></p>${
    result.reason ? html`<p>${w(lang, 'reason')}: ${result.message} (<code>${result.reason}</code>)</p>` : ''
  }</div>
<dl>
<dt>${w(lang, 'type')}</dt><dd>${type ? type.name[lang] : (result.vct ?? '')}</dd>
<dt>${w(lang, 'issuer')}</dt><dd>${authority?.department ?? result.issuer ?? ''}${authority?.code ? ` (${authority.code})` : ''}</dd>
<dt>${w(lang, 'number')}</dt><dd><code>${result.licenceId ?? ''}</code></dd>
<dt>${w(lang, 'validFrom')}</dt><dd>${date(lang, result.notBefore)}</dd>
<dt>${w(lang, 'validUntil')}</dt><dd>${date(lang, result.expiresAt)}</dd>
${result.status ? html`<dt>${w(lang, 'checkedAt')}</dt><dd>${time(lang, Math.floor(Date.now() / 1000) - result.status.ageSeconds)}</dd>` : ''}
</dl>
<h2>${w(lang, 'sharedFields')}</h2>
<p>${w(lang, 'sharedFor', { purpose: share.purpose })}</p>
${definitionList('shared-fields', lang, type, result.claims as Record<string, unknown>, result.disclosed)}
<h2>${w(lang, 'licenceClaims')}</h2>
${definitionList('licence-claims', lang, type, result.claims as Record<string, unknown>, shown)}`;
};

export const linkGoneBody = (lang: Lang): Html =>
  html`<h1>${w(lang, 'linkGone')}</h1><p class="lead">${w(lang, 'linkGoneLead')}</p>`;

export const receiptsTable = (
  lang: Lang,
  receipts: readonly Receipt[],
  typeNames: (licenceId: string) => string,
): Html =>
  receipts.length
    ? html`<table id="receipts"><thead><tr><th>${w(lang, 'when')}</th><th>${w(lang, 'type')}</th><th>${w(lang, 'who')}</th><th>${w(lang, 'forWhat')}</th><th>${w(lang, 'result')}</th></tr></thead><tbody>${receipts.map(
        (r) =>
          html`<tr><td>${time(lang, r.at)}</td><td>${typeNames(r.licenceId)}</td><td>${r.channel === 'link' ? w(lang, 'linkVisitor') : r.verifier}</td><td>${r.purpose}</td><td>${w(lang, r.verdict as LicenceWord)}</td></tr>`,
      )}</tbody></table>`
    : html`<p id="receipts">${w(lang, 'noVerifications')}</p>`;

export { date as formatDate, time as formatTime };
