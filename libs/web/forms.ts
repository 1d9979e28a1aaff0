import { Html, html } from './html.ts';
import { type Lang, t } from './words.ts';

export interface FieldError {
  readonly field: string;
  readonly message: string;
}

/** The GOV.UK-style error summary: focusable, announced, each error linking to its field. */
export const errorSummary = (lang: Lang, errors: readonly FieldError[]): Html =>
  errors.length
    ? html`<div class="error-summary" role="alert" aria-labelledby="error-summary-title" tabindex="-1" id="error-summary">
<h2 id="error-summary-title">${t(lang, 'errorSummary')}</h2>
<ul>${errors.map((e) => html`<li><a href="#${e.field}">${e.message}</a></li>`)}</ul></div>`
    : html``;

export interface FieldOptions {
  readonly name: string;
  readonly label: string;
  readonly type?: 'text' | 'password' | 'email';
  readonly autocomplete: string;
  readonly value?: string;
  readonly hint?: string;
  readonly error?: string;
  readonly inputmode?: 'numeric' | 'text';
  readonly maxlength: number;
  readonly autofocus?: boolean;
}

/** A labelled input with its hint and error wired up for screen readers. */
export const field = (o: FieldOptions): Html => {
  const described = [o.hint ? `${o.name}-hint` : '', o.error ? `${o.name}-error` : '']
    .filter(Boolean)
    .join(' ');
  return html`<div class="field${o.error ? ' error' : ''}">
<label for="${o.name}">${o.label}</label>
${o.hint ? html`<p class="hint" id="${o.name}-hint">${o.hint}</p>` : ''}
${o.error ? html`<p class="message" id="${o.name}-error">${o.error}</p>` : ''}
<input id="${o.name}" name="${o.name}" type="${o.type ?? 'text'}" autocomplete="${o.autocomplete}"
 maxlength="${o.maxlength}" spellcheck="false" autocapitalize="none"${new Html(o.inputmode ? ` inputmode="${o.inputmode}"` : '')}
 value="${o.value ?? ''}"${new Html(described ? ` aria-describedby="${described}"` : '')}${new Html(o.error ? ' aria-invalid="true"' : '')}${new Html(o.autofocus ? ' autofocus' : '')}>
</div>`;
};

/** A hidden form field (a CSRF token, an id the form carries). */
export const hidden = (name: string, value: string): Html =>
  html`<input type="hidden" name="${name}" value="${value}">`;
