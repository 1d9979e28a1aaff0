import { z } from 'zod';
import { DisplayName, LoginName, LoginNameTakenError, NewPassword } from '../../../libs/accounts/index.ts';
import { t } from '../../../libs/web/index.ts';
import { basePathOf, csrfCookie, langOf, PageError, readCookieForm, redirect, render } from '../page-kit.ts';
import { messageBody, registerBody } from '../views.ts';
import type { SignIn } from './journey.ts';
import type { Step } from './kit.ts';

const RegisterForm = z.object({
  kind: z.enum(['citizen', 'company']),
  displayName: DisplayName,
  username: LoginName,
  password: NewPassword,
  email: z.union([z.literal(''), z.email('a valid email address, or leave it empty').max(254)]).optional(),
  interaction: z
    .string()
    .max(64)
    .regex(/^[\w-]*$/)
    .optional(),
});

/** GET|POST /register: self-registration (outside any interaction; back to it when one started it). */
export const registerStep =
  ({ deps }: SignIn): Step =>
  async (ctx) => {
    const interaction = typeof ctx.query.interaction === 'string' ? ctx.query.interaction : '';
    if (ctx.method === 'GET') {
      const lang = langOf(ctx);
      return render(
        ctx,
        200,
        lang,
        t(lang, 'registerTitle'),
        registerBody(lang, { interaction, csrf: csrfCookie(ctx) }),
      );
    }
    const { form, lang } = readCookieForm(ctx);
    if (!(await deps.throttle.allow(ctx.ip))) throw new PageError(429, t(lang, 'throttled'));
    const parsed = RegisterForm.safeParse(form);
    const values = {
      kind: form.kind ?? '',
      displayName: form.displayName ?? '',
      username: form.username ?? '',
    };
    const csrf = csrfCookie(ctx);
    if (!parsed.success) {
      const labels: Record<string, string> = {
        email: t(lang, 'email'),
        displayName: t(lang, 'displayName'),
        username: t(lang, 'username'),
        password: t(lang, 'newPassword'),
        kind: t(lang, 'accountType'),
      };
      const errors = parsed.error.issues.map((i) => {
        const name = String(i.path[0] ?? 'username');
        return {
          field: name === 'kind' ? 'kind-citizen' : name,
          message: `${labels[name] ?? name}: ${i.message}`,
        };
      });
      return render(
        ctx,
        400,
        lang,
        t(lang, 'registerTitle'),
        registerBody(lang, { interaction: form.interaction ?? '', csrf, values, errors }),
      );
    }
    try {
      const account = await deps.accounts.create({
        kind: parsed.data.kind,
        loginName: parsed.data.username,
        displayName: parsed.data.displayName,
        password: parsed.data.password,
        email: parsed.data.email || undefined,
        roles: [parsed.data.kind],
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
    } catch (err: unknown) {
      if (!(err instanceof LoginNameTakenError)) throw err;
      return render(
        ctx,
        409,
        lang,
        t(lang, 'registerTitle'),
        registerBody(lang, {
          interaction: form.interaction ?? '',
          csrf,
          values,
          errors: [{ field: 'username', message: t(lang, 'nameTaken') }],
        }),
      );
    }
    if (parsed.data.interaction)
      return redirect(
        ctx,
        `${basePathOf(ctx)}/interaction/${parsed.data.interaction}?registered=1&lang=${lang}`,
      );
    return render(
      ctx,
      201,
      lang,
      t(lang, 'registerTitle'),
      messageBody(t(lang, 'registerTitle'), t(lang, 'accountCreated')),
    );
  };
