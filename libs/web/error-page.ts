import type { APIGatewayProxyEvent, APIGatewayProxyResult } from 'aws-lambda';
import { type Html, html } from './html.ts';
import { langOfEvent, pageResponse } from './page-response.ts';
import { type Lang, type MessageKey, t } from './words.ts';

/**
 * The one error page of every function, for a browser that reaches a page it cannot have: what
 * happened in plain words, what to do next, and a short reference (the request id, also in the
 * logs) — never the error's own text, a policy decision or JSON.
 */

const WORDS: Record<
  'notFound' | 'forbidden' | 'badRequest' | 'busy' | 'serverError',
  [MessageKey, MessageKey]
> = {
  notFound: ['edge_notFoundTitle', 'edge_notFoundLead'],
  forbidden: ['edge_forbiddenTitle', 'edge_forbiddenLead'],
  badRequest: ['edge_badRequestTitle', 'edge_badRequestLead'],
  busy: ['busyTitle', 'busyLead'],
  serverError: ['edge_serverErrorTitle', 'edge_serverErrorLead'],
};

const kindOf = (status: number): keyof typeof WORDS => {
  if (status === 404 || status === 410) return 'notFound';
  if (status === 401 || status === 403) return 'forbidden';
  if (status === 429 || status === 503) return 'busy';
  if (status >= 500) return 'serverError';
  return 'badRequest';
};

/** The reference line a person can quote to the help desk ('' without one). */
export const referenceOf = (lang: Lang, reference: string | undefined): Html => {
  if (!reference) return html``;
  // The sentence comes from the catalogue; the reference itself is set as code, so it wraps.
  const [before = '', after = ''] = t(lang, 'edge_reference', { reference: '\u0000' }).split('\u0000');
  return html`<p class="reference">${before}<code>${reference}</code>${after}<br><span class="hint">${t(lang, 'edge_referenceHint')}</span></p>`;
};

/** The title and body of the error page for an HTTP status, in the page's language. */
export const errorPageContent = (
  lang: Lang,
  status: number,
  reference?: string,
  /** Anything more for the people who run the service the person came from (an OAuth error code). */
  technical?: Html,
): { readonly title: string; readonly body: Html } => {
  const [titleKey, leadKey] = WORDS[kindOf(status)];
  const title = t(lang, titleKey);
  return {
    title,
    body: html`<h1>${title}</h1>
<p class="lead">${t(lang, leadKey)}</p>
<p><a href="./">${t(lang, 'edge_homeLink')}</a></p>
${referenceOf(lang, reference)}${
  technical ? html`<details><summary>${t(lang, 'edge_technicalDetails')}</summary>${technical}</details>` : ''
}`,
  };
};

/**
 * The error page renderer a page function hands to `httpFunction` (libs/http), for the functions
 * under `basePath` (the issuer's path: '' or an API stage such as '/prod').
 */
export const errorPages =
  (basePath: string) =>
  (
    event: APIGatewayProxyEvent,
    problem: { readonly status: number; readonly reference?: string },
  ): APIGatewayProxyResult => {
    const lang = langOfEvent(event);
    const { title, body } = errorPageContent(lang, problem.status, problem.reference);
    return pageResponse({
      event,
      status: problem.status,
      lang,
      title,
      body,
      basePath,
      path: event.path ?? '/',
    });
  };
