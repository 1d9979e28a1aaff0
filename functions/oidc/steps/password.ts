import { authenticatePassword } from '../../../libs/accounts/index.ts';
import { t } from '../../../libs/web/index.ts';
import { fieldProblem, fieldProblems, langOf, render } from '../page-kit.ts';
import { loginBody } from '../views.ts';
import { webauthnScript } from '../webauthn-script.ts';
import { sw } from '../words.ts';
import type { SignIn } from './journey.ts';
import type { Step } from './kit.ts';
import { pausedMessage, personTimeZone, triesLeftMessage } from './refusals.ts';
import { registrationOpen } from './register.ts';

/** POST /interaction/{uid}/login: the login name and password, against the failure budget. */
export const passwordStep =
  (s: SignIn): Step =>
  async (ctx, uid) => {
    const { form, d } = await s.postedStep(ctx, uid);
    const lang = langOf(ctx);
    const c = await s.context(ctx, d, lang);
    const username = (form.username ?? '').trim();
    const password = form.password ?? '';
    const register = registrationOpen(s.deps.zone);
    const errors = fieldProblems(
      fieldProblem(lang, 'username', 'username', username, 64),
      fieldProblem(lang, 'password', 'password', password, 256),
    );
    if (errors.length) {
      return render(
        ctx,
        400,
        lang,
        t(lang, 'signInTitle'),
        loginBody(c, { username, errors, passkeys: true, register }),
        webauthnScript(uid, 'login'),
      );
    }
    const result = await authenticatePassword(s.deps, username, password, s.attempt(ctx, d));
    if (result.outcome !== 'ok') {
      const message =
        result.outcome === 'locked'
          ? pausedMessage(
              lang,
              { lockedUntil: result.until, scope: result.scope },
              personTimeZone(form.tz, ctx.get('accept-language')),
            )
          : result.outcome === 'throttled'
            ? t(lang, 'throttled')
            : result.outcome === 'closed'
              ? sw(lang, 'data_signInClosed')
              : `${t(lang, 'invalidCredentials')} ${triesLeftMessage(lang, result.triesLeft, result.nextWaitSeconds)}`;
      const status =
        result.outcome === 'throttled'
          ? 429
          : result.outcome === 'locked'
            ? 423
            : result.outcome === 'closed'
              ? 403
              : 401;
      // Near the wait, or in it, the way out is offered next to the message.
      const resetOffered =
        result.outcome === 'locked' || (result.outcome === 'invalid' && result.triesLeft <= 2);
      return render(
        ctx,
        status,
        lang,
        t(lang, 'signInTitle'),
        loginBody(c, {
          username,
          errors: [{ field: 'password', message }],
          passkeys: true,
          register,
          resetOffered,
        }),
        webauthnScript(uid, 'login'),
      );
    }
    return s.nextStep(ctx, d, result.account, lang, ['pwd']);
  };
