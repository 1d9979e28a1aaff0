import type { KoaContextWithOIDC } from 'oidc-provider';
import {
  type Authenticator,
  authenticatePassword,
  hashPassword,
  NewPassword,
  type OutboxNotifier,
  type PasswordReset,
} from '../../libs/accounts/index.ts';
import type { Zone } from '../../libs/config/index.ts';
import {
  changePasswordBody,
  type FieldError,
  html,
  messageBody,
  resetConfirmBody,
  resetRequestBody,
  t,
} from '../../libs/login/index.ts';
import { epochSeconds } from '../../libs/store/index.ts';
import {
  csrfCookie,
  fieldProblem,
  fieldProblems,
  langOf,
  PageError,
  readCookieForm,
  render,
} from './page-kit.ts';

type Ctx = KoaContextWithOIDC;

export interface PasswordPageDeps extends Authenticator {
  readonly zone: Zone;
  readonly reset: PasswordReset;
  /** The local outbox, when running locally: its page lists what was "sent". */
  readonly outbox?: OutboxNotifier;
}

const newPasswordError = (lang: Parameters<typeof t>[0], password: string): FieldError | undefined => {
  const parsed = NewPassword.safeParse(password);
  return parsed.success
    ? undefined
    : { field: 'password', message: `${t(lang, 'newPassword')}: ${parsed.error.issues[0]!.message}` };
};

/**
 * Password change (knowing the current one) and reset (by a code the notifier delivers),
 * both without a session, both audited; answers never reveal whether a login name exists.
 */
export const passwordRoutes = (deps: PasswordPageDeps) => {
  const attempt = (ctx: Ctx) => ({ zone: deps.zone, sourceIp: ctx.ip, userAgent: ctx.get('user-agent') });

  const resetRequest = async (ctx: Ctx) => {
    if (ctx.method === 'GET') {
      const lang = langOf(ctx);
      return render(ctx, 200, lang, t(lang, 'resetTitle'), resetRequestBody(lang, { csrf: csrfCookie(ctx) }));
    }
    const { form, lang } = readCookieForm(ctx);
    const username = (form.username ?? '').trim();
    const problem = fieldProblem(lang, 'username', 'username', username, 64);
    if (problem) {
      return render(
        ctx,
        400,
        lang,
        t(lang, 'resetTitle'),
        resetRequestBody(lang, { csrf: csrfCookie(ctx), errors: [problem] }),
      );
    }
    if (!(await deps.throttle.allow(ctx.ip))) throw new PageError(429, t(lang, 'throttled'));
    const account = await deps.reset.request(username, lang);
    if (account) {
      await deps.audit.append({
        ...attempt(ctx),
        type: 'password.reset_requested',
        outcome: 'success',
        subject: account.id,
      });
    }
    return render(
      ctx,
      200,
      lang,
      t(lang, 'resetConfirmTitle'),
      resetConfirmBody(lang, { csrf: csrfCookie(ctx), values: { username }, notice: t(lang, 'resetSent') }),
    );
  };

  const resetConfirm = async (ctx: Ctx) => {
    if (ctx.method === 'GET') {
      const lang = langOf(ctx);
      return render(
        ctx,
        200,
        lang,
        t(lang, 'resetConfirmTitle'),
        resetConfirmBody(lang, { csrf: csrfCookie(ctx) }),
      );
    }
    const { form, lang } = readCookieForm(ctx);
    const username = (form.username ?? '').trim();
    const weak = newPasswordError(lang, form.password ?? '');
    const again = (status: number, errors: FieldError[]) =>
      render(
        ctx,
        status,
        lang,
        t(lang, 'resetConfirmTitle'),
        resetConfirmBody(lang, { csrf: csrfCookie(ctx), values: { username }, errors }),
      );
    if (weak) return again(400, [weak]);
    if (!(await deps.throttle.allow(ctx.ip))) throw new PageError(429, t(lang, 'throttled'));
    const account =
      username.length <= 64 ? await deps.reset.confirm(username, form.code ?? '', form.password!) : undefined;
    if (!account) {
      await deps.audit.append({
        ...attempt(ctx),
        type: 'password.reset',
        outcome: 'failure',
        reason: 'wrong, expired or used code',
      });
      return again(400, [{ field: 'code', message: t(lang, 'resetInvalid') }]);
    }
    await deps.lockout.clear(account.loginName);
    await deps.audit.append({
      ...attempt(ctx),
      type: 'password.reset',
      outcome: 'success',
      actor: account.id,
      subject: account.id,
    });
    return render(
      ctx,
      200,
      lang,
      t(lang, 'resetConfirmTitle'),
      messageBody(t(lang, 'resetConfirmTitle'), t(lang, 'resetDone')),
    );
  };

  const change = async (ctx: Ctx) => {
    if (ctx.method === 'GET') {
      const lang = langOf(ctx);
      return render(
        ctx,
        200,
        lang,
        t(lang, 'changeTitle'),
        changePasswordBody(lang, { csrf: csrfCookie(ctx) }),
      );
    }
    const { form, lang } = readCookieForm(ctx);
    const username = (form.username ?? '').trim();
    const again = (status: number, errors: FieldError[]) =>
      render(
        ctx,
        status,
        lang,
        t(lang, 'changeTitle'),
        changePasswordBody(lang, { csrf: csrfCookie(ctx), values: { username }, errors }),
      );
    const errors = fieldProblems(
      fieldProblem(lang, 'username', 'username', username, 64),
      fieldProblem(lang, 'current', 'currentPassword', form.current ?? '', 256),
    );
    const weak = newPasswordError(lang, form.password ?? '');
    if (weak) errors.push(weak);
    if (errors.length) return again(400, errors);
    const result = await authenticatePassword(deps, username, form.current!, attempt(ctx));
    if (result.outcome !== 'ok')
      return again(result.outcome === 'throttled' ? 429 : 401, [
        { field: 'current', message: t(lang, 'invalidCredentials') },
      ]);
    await deps.accounts.update(result.account, {
      password: await hashPassword(form.password!),
      sessionsValidAfter: epochSeconds(),
    });
    await deps.audit.append({
      ...attempt(ctx),
      type: 'password.changed',
      outcome: 'success',
      actor: result.account.id,
      subject: result.account.id,
    });
    return render(
      ctx,
      200,
      lang,
      t(lang, 'changeTitle'),
      messageBody(t(lang, 'changeTitle'), t(lang, 'changeDone')),
    );
  };

  const outbox = async (ctx: Ctx) => {
    const lang = langOf(ctx);
    const rows = [...(deps.outbox?.messages ?? [])].reverse();
    return render(
      ctx,
      200,
      lang,
      t(lang, 'outboxTitle'),
      messageBody(
        t(lang, 'outboxTitle'),
        'Messages local mode would have sent. On AWS they go out by email (SES).',
        html`<ul id="outbox">${rows.map((m) => html`<li><span class="to">${m.to.loginName}</span> · <span class="kind">${m.kind}</span> · <code class="code">${m.code}</code> · ${m.sentAt}</li>`)}</ul>`,
      ),
    );
  };

  const routes: Record<string, (ctx: Ctx) => Promise<void>> = {
    '/password/reset': resetRequest,
    '/password/reset/confirm': resetConfirm,
    '/password/change': change,
    ...(deps.outbox ? { '/outbox': outbox } : {}),
  };

  return async (ctx: Ctx, next: () => Promise<void>) => {
    const route = routes[ctx.path];
    if (!route) return next();
    try {
      if (ctx.method !== 'GET' && (ctx.method !== 'POST' || ctx.path === '/outbox'))
        throw new PageError(405, 'method not allowed here');
      return await route(ctx);
    } catch (err: unknown) {
      if (!(err instanceof PageError)) throw err;
      const lang = langOf(ctx);
      return render(
        ctx,
        err.status,
        lang,
        t(lang, 'errorTitle'),
        messageBody(t(lang, 'errorTitle'), err.message),
      );
    }
  };
};
