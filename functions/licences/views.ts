/** The pages of the licences function: what a shared link or QR code opens. */
import {
  ENVELOPE_CLAIMS,
  type LicenceType,
  type Share,
  type VerificationResult,
} from '../../libs/licences/index.ts';
import {
  claimLabel,
  claimValue,
  formatDate,
  formatTime,
  type Html,
  html,
  type Lang,
  t,
} from '../../libs/web/index.ts';

/** The verification page's own styles: long numbers wrap, and the list stacks on a narrow screen. */
export const VERIFICATION_STYLES = `
.wrap,code{overflow-wrap:anywhere;word-break:break-word}
@media (max-width:40em){main .card{padding:16px}dl{grid-template-columns:minmax(0,1fr);gap:0}dd{margin:0 0 8px}}
`;

/** Who issued a licence, as a verifier reads it: the department's name, and its credit code to check it by. */
export interface IssuerShown {
  readonly name: string;
  readonly code?: string;
}

const definitionList = (
  id: string,
  lang: Lang,
  type: LicenceType | undefined,
  claims: Record<string, unknown>,
  names: readonly string[],
) =>
  names.length
    ? html`<dl id="${id}">${names.map((name) => html`<dt>${claimLabel(lang, type, name)}</dt><dd class="wrap" data-claim="${name}">${claimValue(lang, type, name, claims[name])}</dd>`)}</dl>`
    : html`<p id="${id}">${t(lang, 'none')}</p>`;

/** The human verification page a QR code or link opens. */
export const verificationBody = (
  lang: Lang,
  result: VerificationResult,
  type: LicenceType | undefined,
  share: Pick<Share, 'purpose'>,
  issuer: IssuerShown,
): Html => {
  const ok = result.verdict === 'valid';
  const shown = Object.keys(result.claims).filter(
    (n) => !ENVELOPE_CLAIMS.includes(n) && !result.disclosed.includes(n),
  );
  return html`<h1>${t(lang, 'checkTitle')}</h1>
<p class="lead">${t(lang, 'checkLead')}</p>
<div class="${ok ? 'notice' : 'error-summary'}" role="status" id="verdict" data-verdict="${result.verdict}"><p><strong>${t(lang, result.verdict)}</strong></p>${
    result.reason ? html`<p>${t(lang, 'reason')}: ${result.message} (<code>${result.reason}</code>)</p>` : ''
  }</div>
<dl>
<dt>${t(lang, 'type')}</dt><dd>${type ? type.name[lang] : (result.vct ?? '')}</dd>
<dt>${t(lang, 'issuer')}</dt><dd id="issuer">${issuer.name}</dd>
${issuer.code ? html`<dt>${t(lang, 'issuerCode')}</dt><dd><code>${issuer.code}</code></dd>` : ''}
<dt>${t(lang, 'number')}</dt><dd><code class="licence-number">${result.licenceId ?? ''}</code></dd>
<dt>${t(lang, 'validFrom')}</dt><dd>${formatDate(lang, result.notBefore)}</dd>
<dt>${t(lang, 'validUntil')}</dt><dd>${formatDate(lang, result.expiresAt)}</dd>
${result.status ? html`<dt>${t(lang, 'checkedAt')}</dt><dd>${formatTime(lang, Math.floor(Date.now() / 1000) - result.status.ageSeconds)}</dd>` : ''}
</dl>
<h2>${t(lang, 'sharedFields')}</h2>
<p class="wrap">${t(lang, 'sharedFor', { purpose: share.purpose })}</p>
${definitionList('shared-fields', lang, type, result.claims as Record<string, unknown>, result.disclosed)}
<h2>${t(lang, 'licenceClaims')}</h2>
${definitionList('licence-claims', lang, type, result.claims as Record<string, unknown>, shown)}`;
};

/** The page of a shared link that has expired or was withdrawn. */
export const linkGoneBody = (lang: Lang): Html =>
  html`<h1>${t(lang, 'linkGone')}</h1><p class="lead">${t(lang, 'linkGoneLead')}</p>`;
