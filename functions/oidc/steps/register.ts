import * as z from 'zod';
import {
  type Account,
  DisplayName,
  LoginName,
  LoginNameTakenError,
  NewPassword,
} from '../../../libs/accounts/index.ts';
import type { Zone } from '../../../libs/config/index.ts';
import { ACCOUNT_PORTAL } from '../../../libs/oidc/index.ts';
import { type FieldError, html, type Lang, t } from '../../../libs/web/index.ts';
import {
  csrfCookie,
  type FieldWords,
  langOf,
  PageError,
  readCookieForm,
  render,
  wordsOfIssue,
} from '../page-kit.ts';
import { messageBody, registerBody } from '../views.ts';
import type { SignIn } from './journey.ts';
import type { Ctx, Step } from './kit.ts';

/**
 * Registration makes a citizen's account: a company is not an account of its own (a shared login
 * for its staff) but is registered by its proved legal representative, whose agents act for it
 * (docs/identity.md, "Companies and agents"). A posted `kind` is ignored.
 */
const RegisterForm = z.object({
  displayName: DisplayName,
  username: LoginName,
  password: NewPassword,
  email: z.union([z.literal(''), z.email().max(254)]).optional(),
});

/** Each field's words for each kind of problem: one action-worded message per field, in the page's language. */
const FIELD_WORDS: Readonly<Record<string, FieldWords>> = {
  displayName: { empty: 'enterDisplayName', long: 'displayNameTooLong' },
  username: {
    empty: 'enterLoginName',
    short: 'loginNameTooShort',
    long: 'loginNameTooLong',
    format: 'loginNameCharacters',
  },
  password: { empty: 'enterNewPassword', short: 'passwordTooShort', long: 'passwordTooLong' },
  email: { empty: 'emailFormat', format: 'emailFormat' },
};

/** Self-registration is for citizens, who use the public zone only (see docs/security.md). */
export const registrationOpen = (zone: Zone): boolean => zone === 'public';

/** The form's problems, the first of each field only, in the form's order. */
const problemsOf = (lang: Lang, form: Record<string, string>, issues: readonly z.core.$ZodIssue[]) => {
  const errors: FieldError[] = [];
  for (const name of Object.keys(FIELD_WORDS)) {
    const issue = issues.find((i) => i.path[0] === name);
    if (!issue) continue;
    const message = t(lang, wordsOfIssue(issue, form[name] ?? '', FIELD_WORDS[name]!));
    errors.push({ field: name, message });
  }
  return errors;
};

/**
 * The registration form, checked and the account created (audited once as
 * `account.registered`); the form again with what to fix otherwise, what was typed kept.
 */
const createAccount = async (
  { deps }: SignIn,
  ctx: Ctx,
  lang: Lang,
  form: Record<string, string>,
  again: (status: number, errors: FieldError[]) => void,
): Promise<Account | undefined> => {
  if (!(await deps.throttle.allow(ctx.ip))) throw new PageError(429, 'throttled');
  const parsed = RegisterForm.safeParse(form);
  if (!parsed.success) {
    again(400, problemsOf(lang, form, parsed.error.issues));
    return undefined;
  }
  try {
    const account = await deps.accounts.create({
      kind: 'citizen',
      loginName: parsed.data.username,
      displayName: parsed.data.displayName,
      password: parsed.data.password,
      email: parsed.data.email || undefined,
      roles: ['citizen'],
    });
    await deps.audit.append({
      zone: deps.zone,
      type: 'account.registered',
      outcome: 'success',
      actor: account.id,
      subject: account.id,
      sourceIp: ctx.ip,
      userAgent: ctx.get('user-agent'),
      details: { kind: account.kind, identityAssurance: account.identityAssurance },
    });
    return account;
  } catch (err: unknown) {
    if (!(err instanceof LoginNameTakenError)) throw err;
    again(409, [{ field: 'username', message: t(lang, 'nameTaken') }]);
    return undefined;
  }
};

const valuesOf = (form: Record<string, string>) => ({
  displayName: form.displayName ?? '',
  username: form.username ?? '',
  email: form.email ?? '',
});

const refuseOutsidePublic = (s: SignIn) => {
  if (!registrationOpen(s.deps.zone)) throw new PageError(404, 'registerNotHere');
};

/**
 * GET|POST /register: self-registration started on its own (not from a service). It ends on
 * a page whose next step is signing in to the account portal. `?interaction=` (old links)
 * goes to the interaction's own registration page.
 */
export const registerStep =
  (s: SignIn): Step =>
  async (ctx) => {
    refuseOutsidePublic(s);
    const interaction = typeof ctx.query.interaction === 'string' ? ctx.query.interaction : '';
    if (ctx.method === 'GET') {
      const lang = langOf(ctx);
      if (/^[\w-]{1,64}$/.test(interaction)) {
        ctx.redirect(`interaction/${interaction}/register?lang=${lang}`);
        return;
      }
      return render(ctx, 200, lang, t(lang, 'registerTitle'), registerBody(lang, { csrf: csrfCookie(ctx) }));
    }
    const { form, lang } = readCookieForm(ctx);
    const again = (status: number, errors: FieldError[]) =>
      render(
        ctx,
        status,
        lang,
        t(lang, 'registerTitle'),
        registerBody(lang, { csrf: csrfCookie(ctx), values: valuesOf(form), errors }),
      );
    if (!(await createAccount(s, ctx, lang, form, again))) return;
    return render(
      ctx,
      201,
      lang,
      t(lang, 'registeredTitle'),
      messageBody(
        t(lang, 'registeredTitle'),
        t(lang, 'registeredLead'),
        html`<p><a class="button" id="next-step" href="${ACCOUNT_PORTAL.path.slice(1)}?lang=${lang}">${t(lang, 'signInToAccount')}</a></p>`,
      ),
    );
  };

/**
 * GET|POST /interaction/{uid}/register: registration started from a service. The POST is a
 * step of the interaction (its CSRF token, bound to this browser's interaction), and the new
 * account carries on signing in from its password — at the level the service needs — back to
 * the service, without typing it again. `account.registered` and `login.success` are each
 * audited once.
 */
export const interactionRegisterStep =
  (s: SignIn): Step =>
  async (ctx, uid) => {
    refuseOutsidePublic(s);
    if (ctx.method === 'GET') {
      const d = await s.details(ctx, uid);
      const lang = langOf(ctx);
      const c = await s.context(ctx, d, lang);
      return render(ctx, 200, lang, t(lang, 'registerTitle'), registerBody(lang, { interaction: c }));
    }
    const { form, d } = await s.postedStep(ctx, uid);
    const lang = langOf(ctx, form.lang);
    if (d.prompt.name !== 'login') throw new PageError(400, 'errorLead');
    // One account per sign-in: once someone is part-way through it (registered or signed in),
    // another registration would only mint accounts from one form.
    if (await s.deps.pending.load(uid)) throw new PageError(409, 'registerOncePerSignIn');
    const c = await s.context(ctx, d, lang);
    const again = (status: number, errors: FieldError[]) =>
      render(
        ctx,
        status,
        lang,
        t(lang, 'registerTitle'),
        registerBody(lang, { interaction: c, values: valuesOf(form), errors }),
      );
    const account = await createAccount(s, ctx, lang, form, again);
    if (!account) return;
    return s.nextStep(ctx, d, account, lang, ['pwd']);
  };
