import { Html, html } from './html.ts';
import { type Lang, t } from './words.ts';

export interface FieldError {
  readonly field: string;
  readonly message: string;
}

/**
 * The attribute that marks the error summary, so the page frame knows the page has errors. It
 * holds quotes, which escaping turns into entities: no text a person typed can fake it.
 */
export const ERROR_SUMMARY_MARK = 'data-error-summary="true"';

/**
 * GOV.UK's error summary: at the top of the form, focused when the page loads (so a screen
 * reader reads it first), each message linking to its field. The page frame sees it and
 * prefixes the title with "Error: ".
 */
export const errorSummary = (lang: Lang, errors: readonly FieldError[]): Html =>
  errors.length
    ? html`<div class="error-summary" ${new Html(ERROR_SUMMARY_MARK)} role="alert" aria-labelledby="error-summary-title" tabindex="-1" id="error-summary" autofocus>
<h2 id="error-summary-title">${t(lang, 'errorSummary')}</h2>
<ul>${errors.map((e) => html`<li><a href="#${e.field}">${e.message}</a></li>`)}</ul></div>`
    : html``;

export interface FieldOptions {
  readonly name: string;
  readonly label: string;
  readonly type?: 'text' | 'password' | 'email' | 'tel';
  readonly autocomplete: string;
  readonly value?: string;
  readonly hint?: string;
  readonly error?: string;
  readonly inputmode?: 'numeric' | 'text';
  readonly maxlength: number;
  /** Focus the field on load; not when it has an error, since the error summary takes focus then. */
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
 value="${o.value ?? ''}"${new Html(described ? ` aria-describedby="${described}"` : '')}${new Html(o.error ? ' aria-invalid="true"' : '')}${new Html(o.autofocus && !o.error ? ' autofocus' : '')}>
</div>`;
};

/** A hidden form field (a CSRF token, an id the form carries). */
export const hidden = (name: string, value: string): Html =>
  html`<input type="hidden" name="${name}" value="${value}">`;
