import { createHash, randomBytes } from 'node:crypto';
import type { KoaContextWithOIDC } from 'oidc-provider';
import { NewPassword } from '../../libs/accounts/index.ts';
import { CSRF_COOKIE, isCsrfTokenShaped, newCsrfToken, sameCsrfToken } from '../../libs/http/index.ts';
import {
  type FieldError,
  fieldName,
  type Html,
  LANG_COOKIE,
  type Lang,
  type MessageKey,
  type MessageVars,
  page,
  pageCsp,
  pickLang,
  t,
} from '../../libs/web/index.ts';

/** Helpers every server-rendered page of the oidc function shares. */
type Ctx = KoaContextWithOIDC;

const MAX_FORM_BYTES = 8 * 1024;

/**
 * A 4xx the person sees as a page in its language (or, on the passkey calls, as JSON): the
 * catalogue's words and what fills them. The error's own message is the English, for logs and
 * the `detail` programs read.
 */
export class PageError extends Error {
  constructor(
    readonly status: number,
    readonly key: MessageKey,
    readonly vars: MessageVars = {},
  ) {
    super(t('en', key, vars));
  }

  /** What the person reads, in the page's language. */
  words(lang: Lang): string {
    return t(lang, this.key, this.vars);
  }
}

/** The page language: ?lang= (remembered in a cookie), then the cookie, then Accept-Language. */
export const langOf = (ctx: Ctx, fromForm?: unknown): Lang => {
  const query =
    typeof ctx.query.lang === 'string' ? ctx.query.lang : typeof fromForm === 'string' ? fromForm : undefined;
  const lang = pickLang(query, ctx.cookies.get(LANG_COOKIE) ?? undefined, ctx.get('accept-language'));
  if (query === lang) {
    ctx.cookies.set(LANG_COOKIE, lang, {
      httpOnly: true,
      sameSite: 'lax',
      maxAge: 365 * 86_400_000,
      overwrite: true,
      signed: false,
      secure: ctx.secure,
    });
  }
  return lang;
};

/** The issuer's path prefix ('' or an API stage such as '/prod'), set on each request by the app. */
export const basePathOf = (ctx: Ctx): string => String((ctx.state as { basePath?: string }).basePath ?? '');

/**
 * The same page in the other language, relative to the base path. On one of our routes that is
 * the page the route belongs to (set by the page routes: a form's step leads back to its
 * interaction's page); a POST result keeps none of the form's query.
 */
export const switchHrefFor = (ctx: Ctx, lang: Lang): string => {
  const url = new URL(ctx.url, 'http://x');
  const other = lang === 'en' ? 'zh-CN' : 'en';
  url.searchParams.set('lang', other);
  const pagePath = (ctx.state as { pagePath?: string } | undefined)?.pagePath;
  const path = pagePath ?? url.pathname;
  const search =
    ctx.method === 'GET' && (pagePath === undefined || pagePath === url.pathname)
      ? url.search
      : `?lang=${other}`;
  return `${path}${search}`.replace(/^\//, '');
};

/**
 * The script every page carries (progressive enhancement; the pages work without it): the
 * login name typed is carried across a switch of language (in this tab's session storage,
 * never in a URL), and `tz` fields get the browser's time zone, so a lockout's end is stated
 * in the person's own time.
 */
const PAGE_SCRIPT = `(()=>{const k='yitong-login-name';const u=document.querySelector('input[name=username]');
try{const v=sessionStorage.getItem(k);sessionStorage.removeItem(k);if(u&&v&&!u.value)u.value=v;}catch(e){}
const a=document.querySelector('a[hreflang]');
if(a&&u)a.addEventListener('click',()=>{try{if(u.value)sessionStorage.setItem(k,u.value);}catch(e){}});
for(const z of document.querySelectorAll('input[name=tz]')){try{z.value=Intl.DateTimeFormat().resolvedOptions().timeZone;}catch(e){}}})();
`;

/** Renders a page with a fresh CSP nonce for its own style and script, never cached. */
export const render = (ctx: Ctx, status: number, lang: Lang, title: string, body: Html, script?: string) => {
  const nonce = randomBytes(16).toString('base64');
  ctx.status = status;
  ctx.type = 'html';
  ctx.set('cache-control', 'no-store');
  ctx.set('content-security-policy', pageCsp(nonce, { fetches: true, formsLeadAway: true }));
  ctx.body = page({
    lang,
    title,
    body,
    nonce,
    basePath: basePathOf(ctx),
    switchHref: switchHrefFor(ctx, lang),
    script: `${PAGE_SCRIPT}${script ?? ''}`,
  });
};

/** Reads an urlencoded form: right content type, at most 8 KiB, no field twice. */
export const readForm = (ctx: Ctx): Record<string, string> => {
  if (!/^application\/x-www-form-urlencoded\b/i.test(ctx.get('content-type'))) {
    throw new PageError(415, 'step_formContentType');
  }
  const body = (ctx.req as { body?: Buffer | string }).body ?? '';
  const raw = Buffer.isBuffer(body) ? body : Buffer.from(body);
  if (raw.length > MAX_FORM_BYTES) throw new PageError(413, 'step_formTooLarge');
  const form: Record<string, string> = {};
  for (const [key, value] of new URLSearchParams(raw.toString('utf8'))) {
    if (key in form) throw new PageError(400, 'step_formFieldTwice', { field: key });
    form[key] = value;
  }
  return form;
};

export const readJson = (ctx: Ctx): unknown => {
  if (!/^application\/json\b/i.test(ctx.get('content-type')))
    throw new PageError(415, 'step_jsonContentType');
  const body = (ctx.req as { body?: Buffer | string }).body ?? '';
  const raw = Buffer.isBuffer(body) ? body : Buffer.from(body);
  if (raw.length > 64 * 1024) throw new PageError(413, 'step_requestTooLarge');
  try {
    return JSON.parse(raw.toString('utf8'));
  } catch {
    throw new PageError(400, 'step_jsonInvalid');
  }
};

/** 303: after a POST the browser follows with a GET. */
export const redirect = (ctx: Ctx, to: string) => {
  ctx.redirect(to);
  ctx.status = 303;
};

/**
 * Double-submit CSRF token for pages outside an interaction (registration, passwords): a
 * random value in a SameSite cookie that the form must echo.
 */
export const csrfCookie = (ctx: Ctx): string => {
  const existing = ctx.cookies.get(CSRF_COOKIE);
  if (isCsrfTokenShaped(existing)) return existing;
  const token = newCsrfToken();
  ctx.cookies.set(CSRF_COOKIE, token, {
    httpOnly: true,
    sameSite: 'strict',
    signed: false,
    secure: ctx.secure,
    overwrite: true,
  });
  return token;
};

/**
 * This browser, as a digest of its CSRF cookie (random, HttpOnly, SameSite=Strict): binds a
 * sign-in handed over by a page outside the interaction to the browser that was on that page.
 */
export const browserDigest = (ctx: Ctx): string | undefined => {
  const token = ctx.cookies.get(CSRF_COOKIE);
  return isCsrfTokenShaped(token)
    ? createHash('sha256').update(`sign-in hand-over|${token}`).digest('base64url')
    : undefined;
};

/** Whether a submitted token is the one in this browser's CSRF cookie. */
export const csrfCookieValid = (ctx: Ctx, token: unknown): boolean => {
  const expected = ctx.cookies.get(CSRF_COOKIE);
  return !!expected && sameCsrfToken(expected, token);
};

/** A form posted to a page outside an interaction: parsed, its language, CSRF-checked. */
export const readCookieForm = (ctx: Ctx): { form: Record<string, string>; lang: Lang } => {
  const form = readForm(ctx);
  const lang = langOf(ctx, form.lang);
  if (!csrfCookieValid(ctx, form.csrf)) throw new PageError(403, 'step_formExpired');
  return { form, lang };
};

/** The problem with a required text field, if any: missing, or longer than `max`. */
export const fieldProblem = (
  lang: Lang,
  field: string,
  label: MessageKey,
  value: string,
  max: number,
): FieldError | undefined => {
  if (!value) return { field, message: t(lang, 'required', { field: fieldName(lang, label) }) };
  if (value.length > max) return { field, message: t(lang, 'tooLong', { field: fieldName(lang, label) }) };
  return undefined;
};

/** The problem with a new password, in the page's language and worded as what to do, if any. */
export const newPasswordProblem = (lang: Lang, field: string, value: string): FieldError | undefined => {
  const issue = NewPassword.safeParse(value).error?.issues[0];
  return issue && { field, message: t(lang, wordsOfIssue(issue, value, NEW_PASSWORD_WORDS)) };
};

/** The catalogue's words for each kind of problem a field can have. */
export interface FieldWords {
  readonly empty: MessageKey;
  readonly short?: MessageKey;
  readonly long?: MessageKey;
  readonly format?: MessageKey;
}

const NEW_PASSWORD_WORDS: FieldWords = {
  empty: 'enterNewPassword',
  short: 'passwordTooShort',
  long: 'passwordTooLong',
};

/**
 * What a schema's issue with a field means to the person, as the field's own catalogue words
 * (the schemas' English messages never reach a page): empty, too short, too long, or not in
 * the right form.
 */
export const wordsOfIssue = (
  issue: { readonly code: string },
  value: string,
  words: FieldWords,
): MessageKey => {
  if (!value.trim()) return words.empty;
  if (issue.code === 'too_small') return words.short ?? words.empty;
  if (issue.code === 'too_big') return words.long ?? words.format ?? words.empty;
  return words.format ?? words.empty;
};

/** The problems of several fields, in order. */
export const fieldProblems = (...problems: Array<FieldError | undefined>): FieldError[] =>
  problems.filter((p): p is FieldError => p !== undefined);
