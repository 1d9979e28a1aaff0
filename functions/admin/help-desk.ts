import type { APIGatewayProxyResult } from 'aws-lambda';
import * as z from 'zod';
import {
  type Account,
  AccountConflictError,
  ialOf,
  LoginLockout,
  LoginName,
  maskPhone,
  type NoticeKind,
  normaliseEmail,
  PRIVILEGED_ROLES,
  parsePhone,
  sendNotice,
} from '../../libs/accounts/index.ts';
import type { AuditEventInput } from '../../libs/audit/index.ts';
import { ConflictError, ForbiddenError, NotFoundError, Router } from '../../libs/http/index.ts';
import {
  type IdentityRecheck,
  IdentityRechecks,
  identityOf,
  NoProvedIdentityError,
  NotTheAccountHolderError,
  ProofingRefusedError,
  RegistryUnavailableError,
  ResidentId,
  recheckAtCounter,
} from '../../libs/identity/index.ts';
import { AccountSessions, backchannelQueuesOf } from '../../libs/oidc/index.ts';
import { type FirstPartyPortal, type PortalPage, portalPageGuard } from '../../libs/portal/index.ts';
import { ialWords } from '../../libs/proofing-pages/index.ts';
import { mailQueueOf, type PublicRoute, type Runtime } from '../../libs/runtime/index.ts';
import {
  errorSummary,
  type FieldError,
  formatDate,
  formatTime,
  type Html,
  hidden,
  html,
  pageResponse,
} from '../../libs/web/index.ts';
import { cardRefusal, readCardForm } from './card-form.ts';
import { type AdminWord, cw } from './words.ts';

const HOME = '/admin/console/support';
/** The re-check form's field ids, as an action's page shows it (the first person). */
const CARD = { name: 'recheck-name-0', number: 'recheck-number-0', confirm: 'recheck-confirm-0' } as const;

/** Why a member of staff looks someone up or acts: free text, kept in the audit trail. */
export const SupportReason = z
  .string()
  // What a reader sees: invisible and format characters (zero-width spaces, soft hyphens, bidi
  // overrides, fillers, blank braille) are dropped, so a reason cannot be blank to the eye, nor
  // turn the trail's text around (found by the outside attacks). Combining marks are kept (they
  // belong to the letter before them) but do not count towards the 10 characters.
  .transform((v) =>
    v
      .normalize('NFKC')
      .replace(/[\p{Cf}\p{Cc}\u115F\u1160\u17B4\u17B5\u2800\u3164\uFFA0]/gu, '')
      .trim(),
  )
  .pipe(
    z
      .string()
      .max(500)
      .refine((v) => v.replace(/\p{M}/gu, '').trim().length >= 10, 'at least 10 visible characters'),
  );

/**
 * How the help desk finds a person. Each finder validates what was typed and returns the
 * accounts it names. A phone number finds only accounts that verified it.
 */
const finders = (runtime: Runtime) => {
  const { accounts } = runtime;
  return {
    loginName: {
      valid: LoginName,
      find: async (v: string) => [await accounts.findByLoginName(v)].filter((a) => a !== undefined),
    },
    // Width and case folded as the accounts keep them: ｚｈａｎｇ@… finds zhang@….
    email: {
      valid: z.string().transform(normaliseEmail).pipe(z.email().max(254)),
      find: (v: string) => accounts.findByEmail(v),
    },
    phone: {
      valid: z
        .string()
        .max(40)
        .transform((v, ctx) => {
          const parsed = parsePhone(v);
          if (parsed.ok) return parsed.phone;
          ctx.addIssue({ code: 'custom', message: 'not a mobile number' });
          return z.NEVER;
        }),
      find: (v: string) => accounts.findByPhone(v),
    },
    /** A proved person: the keyed hash of the number names the claim, which names the account. */
    residentId: {
      valid: ResidentId,
      find: async (v: string) => {
        const { hasher, claims } = identityOf(runtime);
        const ref = await hasher.personRef(v);
        const id = await claims.accountOf(ref);
        const account = id ? await accounts.findById(id) : undefined;
        return account?.identity?.personRef === ref ? [account] : [];
      },
    },
  } satisfies Record<string, { valid: z.ZodType<string, string>; find: (v: string) => Promise<Account[]> }>;
};
type LookupKind = keyof ReturnType<typeof finders>;

/** The address with most of its local part hidden: `z***@example.com`. */
export const maskEmail = (email: string): string => {
  const at = email.lastIndexOf('@');
  if (at < 1) return '***';
  return `${email.slice(0, 1)}***${email.slice(at)}`;
};

/** Accounts the help desk may change: people's own (citizens, companies), never staff (administrators manage them). */
const actionableBy = (staff: string | undefined, account: Account): 'self' | 'staff' | undefined =>
  account.id === staff
    ? 'self'
    : account.kind === 'staff' || account.roles.some((r) => PRIVILEGED_ROLES.includes(r))
      ? 'staff'
      : undefined;

/**
 * The help desk (intranet, `support` role, level 2; the `help-desk` policies decide): find a
 * person by login name, email or proved resident ID number, each look-up with a reason and audited
 * once (`support.lookup`); see what is safe to see (masked contact details, status, lock, which
 * factors exist, IAL and the masked number — never a secret, a full number or a licence); unlock,
 * disable and re-enable an account, and reset a lost second factor only after the person's
 * identity was re-checked in person and recorded (`recheckAtCounter`). Each act needs a reason,
 * is audited once and notifies the person. Staff accounts are the administrators' to change.
 */
export const helpDesk = (runtime: Runtime, portal: FirstPartyPortal): Router<PublicRoute> => {
  const { access, accounts, config, doc } = runtime;
  const { basePath } = portal;
  const guard = portalPageGuard({ portal, access, accounts, area: 'help-desk', home: HOME });
  const lockout = new LoginLockout(doc, config.tables.identity);
  const rechecks = new IdentityRechecks(doc, config.tables.identity);
  const mail = mailQueueOf(runtime);
  const sessions = new AccountSessions({
    doc,
    table: config.tables.identity,
    queues: backchannelQueuesOf({
      zone: config.zone,
      queueUrl: config.backchannelQueueUrl,
      local: runtime.backchannel,
    }),
  });
  const find = finders(runtime);
  const kinds = Object.keys(find) as LookupKind[];

  const origin = (p: PortalPage) => ({
    zone: config.zone,
    sourceIp: p.who.sourceIp,
    userAgent: p.event.headers?.['user-agent']?.slice(0, 512),
    correlationId: p.who.correlationId,
  });
  const audit = (p: PortalPage, event: Omit<AuditEventInput, 'zone'>) =>
    runtime.audit.append({ ...origin(p), actor: p.who.actor, ...event });

  /** The person is told of every act on every channel they have (in Chinese, the service's default). */
  const notify = (account: Account, notice: NoticeKind) => sendNotice(mail, account, notice, 'zh-CN');

  const staffOf = async (p: PortalPage): Promise<Account> => {
    const staff = p.who.actor ? await accounts.findById(p.who.actor) : undefined;
    if (!staff) throw new ForbiddenError('your session has ended; sign in again');
    return staff;
  };

  const show = (
    p: PortalPage,
    status: number,
    o: { title: string; body: Html; errors?: readonly FieldError[] },
  ): APIGatewayProxyResult =>
    pageResponse({
      event: p.event,
      status,
      lang: p.lang,
      title: o.title,
      basePath,
      path: HOME,
      errors: o.errors,
      body: html`<div class="wide"><nav><p><a href="admin/console/support">${cw(p.lang, 'support_nav')}</a></p></nav>
<form method="post" action="admin/console/logout">${hidden('csrf', p.session.csrf)}<button type="submit" class="link-button">${cw(p.lang, 'admin_signOut')}</button></form>
${errorSummary(p.lang, o.errors ?? [])}<h1>${o.title}</h1>${o.body}</div>`,
    });

  /** A labelled reason box with its own id (a page may hold several forms). */
  const reasonField = (p: PortalPage, id: string, value = '', error?: string) =>
    html`<div class="field${error ? ' error' : ''}"><label for="${id}">${cw(p.lang, 'support_reason')}</label>
<p class="hint" id="${id}-hint">${cw(p.lang, 'support_reasonHint')}</p>
${error ? html`<p class="message" id="${id}-error">${error}</p>` : ''}
<textarea id="${id}" name="reason" rows="2" maxlength="500" aria-describedby="${id}-hint${error ? ` ${id}-error` : ''}"${error ? html` aria-invalid="true"` : ''}>${value}</textarea></div>`;

  const searchForm = (
    p: PortalPage,
    sent: { by?: string; q?: string; reason?: string; errors?: readonly FieldError[] } = {},
  ) => {
    const error = (id: string) => sent.errors?.find((e) => e.field === id)?.message;
    const by = (kinds as string[]).includes(sent.by ?? '') ? sent.by : 'loginName';
    return html`<form method="post" action="admin/console/support/find" novalidate id="find">
${hidden('csrf', p.session.csrf)}
<fieldset class="radios"><legend>${cw(p.lang, 'support_by')}</legend>${kinds.map(
      (k) =>
        html`<input type="radio" id="by-${k}" name="by" value="${k}"${by === k ? ' checked' : ''}><label for="by-${k}">${cw(p.lang, `support_by_${k}` as AdminWord)}</label>`,
    )}</fieldset>
<div class="field${error('q') ? ' error' : ''}"><label for="q">${cw(p.lang, 'support_q')}</label>
${error('q') ? html`<p class="message" id="q-error">${error('q')}</p>` : ''}
<input id="q" name="q" type="text" autocomplete="off" maxlength="254" spellcheck="false" autocapitalize="none" value="${sent.q ?? ''}"${error('q') ? html` aria-describedby="q-error" aria-invalid="true"` : ''}></div>
${reasonField(p, 'find-reason', sent.reason, error('find-reason'))}
<button type="submit">${cw(p.lang, 'support_find')}</button></form>`;
  };

  /** What the help desk sees of a person: never a secret, a full ID number or a licence. */
  const personView = async (
    p: PortalPage,
    account: Account,
    i: number,
    sent: { form?: string; reason?: string; values?: URLSearchParams; errors?: readonly FieldError[] } = {},
  ) => {
    const error = (id: string) => sent.errors?.find((e) => e.field === id)?.message;
    const lang = p.lang;
    const lock = await lockout.state(account.loginName, 'help-desk');
    const recheck = account.identity ? await rechecks.current(account.id) : undefined;
    const recovery = (account.totp?.recovery?.hashes.length ?? 0) + (account.totp?.recoveryCodes.length ?? 0);
    const ial = ialOf(account);
    const yes = cw(lang, 'support_yes');
    const no = cw(lang, 'support_no');
    const why = actionableBy(p.who.actor, account);
    const action = (name: string) => `admin/console/support/${encodeURIComponent(account.id)}/${name}`;
    const reasonOf = (form: string) => (sent.form === form ? sent.reason : '');
    const button = (form: string, label: AdminWord, className = '') =>
      html`<form method="post" action="${action(form)}" novalidate class="support-action" id="${form}-${i}">
${hidden('csrf', p.session.csrf)}${reasonField(p, `${form}-reason-${i}`, reasonOf(form), error(`${form}-reason-${i}`))}
<button type="submit"${className ? html` class="${className}"` : ''}>${cw(lang, label)}</button></form>`;
    const recheckForm = () => {
      const v = sent.form === 'recheck' ? sent.values : undefined;
      const confirmId = `recheck-confirm-${i}`;
      return html`<form method="post" action="${action('recheck')}" novalidate id="recheck-${i}">
${hidden('csrf', p.session.csrf)}
<div class="field${error(`recheck-name-${i}`) ? ' error' : ''}"><label for="recheck-name-${i}">${cw(lang, 'counter_cardName')}</label>
${error(`recheck-name-${i}`) ? html`<p class="message" id="recheck-name-${i}-error">${error(`recheck-name-${i}`)}</p>` : ''}
<input id="recheck-name-${i}" name="cardName" type="text" autocomplete="off" maxlength="64" value="${v?.get('cardName') ?? ''}"${error(`recheck-name-${i}`) ? html` aria-describedby="recheck-name-${i}-error" aria-invalid="true"` : ''}></div>
<div class="field${error(`recheck-number-${i}`) ? ' error' : ''}"><label for="recheck-number-${i}">${cw(lang, 'counter_cardNumber')}</label>
${error(`recheck-number-${i}`) ? html`<p class="message" id="recheck-number-${i}-error">${error(`recheck-number-${i}`)}</p>` : ''}
<input id="recheck-number-${i}" name="cardNumber" type="text" autocomplete="off" maxlength="24" spellcheck="false" value="${v?.get('cardNumber') ?? ''}"${error(`recheck-number-${i}`) ? html` aria-describedby="recheck-number-${i}-error" aria-invalid="true"` : ''}></div>
<div class="field${error(confirmId) ? ' error' : ''}">${error(confirmId) ? html`<p class="message" id="${confirmId}-error">${error(confirmId)}</p>` : ''}
<div class="checkboxes"><input type="checkbox" id="${confirmId}" name="confirm" value="yes"${error(confirmId) ? html` aria-describedby="${confirmId}-error" aria-invalid="true"` : ''}><label for="${confirmId}">${cw(lang, 'counter_confirm')}</label></div></div>
<button type="submit" class="secondary">${cw(lang, 'support_recheck')}</button></form>`;
    };
    const factorPart = () => {
      if (!account.identity)
        return html`<p class="notice" id="no-identity-${i}">${cw(lang, 'support_noIdentity')}</p>`;
      return html`<p>${cw(lang, 'support_factorLead')}</p>
${
  recheck
    ? html`<p class="notice" id="recheck-done-${i}" data-valid-until="${new Date(recheck.expiresAt * 1000).toISOString()}">${cw(lang, 'support_recheckDone', { until: formatTime(lang, recheck.expiresAt) })}</p>
${button('reset-factor', 'support_resetFactor')}`
    : recheckForm()
}`;
    };
    return html`<section class="person" id="person-${i}" data-account="${account.id}" aria-labelledby="person-${i}-title">
<h2 id="person-${i}-title">${account.displayName} <span class="muted">(${account.loginName})</span></h2>
<dl>
<dt>${cw(lang, 'counter_loginName')}</dt><dd class="login">${account.loginName}</dd>
<dt>${cw(lang, 'counter_displayName')}</dt><dd>${account.displayName}</dd>
<dt>${cw(lang, 'support_kind')}</dt><dd>${cw(lang, `support_kind_${account.kind}` as AdminWord)}</dd>
<dt>${cw(lang, 'support_email')}</dt><dd class="email">${account.email ? maskEmail(account.email) : cw(lang, 'support_none')}</dd>
<dt>${cw(lang, 'support_phone')}</dt><dd class="phone">${account.phone && account.phoneVerifiedAt ? maskPhone(account.phone) : cw(lang, 'support_none')}</dd>
<dt>${cw(lang, 'support_status')}</dt><dd class="status" data-status="${account.closing ? 'closing' : account.status}">${cw(lang, account.status === 'active' ? 'support_active' : 'support_disabled')}${account.closing ? html` · ${cw(lang, 'support_closing', { date: formatDate(lang, account.closing.closesAt) })}` : ''}</dd>
<dt>${cw(lang, 'support_locked')}</dt><dd class="locked" data-locked="${String(lock.locked && lock.scope === 'account')}">${lock.locked && lock.scope === 'account' ? cw(lang, 'support_lockedUntil', { until: formatTime(lang, lock.lockedUntil) }) : no}</dd>
<dt>${cw(lang, 'support_totp')}</dt><dd class="totp" data-totp="${String(Boolean(account.totp))}">${account.totp ? yes : no}</dd>
<dt>${cw(lang, 'support_recoveryCodes')}</dt><dd class="recovery" data-count="${recovery}">${String(recovery)}</dd>
<dt>${cw(lang, 'support_passkeys')}</dt><dd class="passkeys" data-count="${account.passkeyIds.length}">${String(account.passkeyIds.length)}</dd>
${account.mustEnrolSecondFactor ? html`<dt>${cw(lang, 'support_enrolPending')}</dt><dd class="enrol-pending">${yes}</dd>` : ''}
<dt>${cw(lang, 'id_level')}</dt><dd class="ial" data-ial="${ial}">${ialWords(lang, ial)}</dd>
${account.identity ? html`<dt>${cw(lang, 'id_number')}</dt><dd><code class="id-masked">${account.identity.residentIdMasked}</code></dd>` : ''}
</dl>
${
  why
    ? html`<p class="notice" id="not-actionable-${i}">${cw(lang, why === 'self' ? 'support_self' : 'support_staffAccount')}</p>`
    : html`<h3>${cw(lang, 'support_unlockTitle')}</h3>${button('unlock', 'support_unlock', 'secondary')}
<h3>${cw(lang, account.status === 'active' ? 'support_disableTitle' : 'support_enableTitle')}</h3>
${account.status === 'active' ? html`<p>${cw(lang, 'support_disableLead')}</p>${button('disable', 'support_disable', 'secondary')}` : button('enable', 'support_enable', 'secondary')}
<h3>${cw(lang, 'support_factorTitle')}</h3>${factorPart()}`
}
</section>`;
  };

  const reasonProblem = (p: PortalPage, raw: string | null) =>
    SupportReason.safeParse(raw ?? '').success ? undefined : cw(p.lang, 'support_errReason');

  /** The account an action names, and the staff member acting: refused on their own or a staff account. */
  const target = async (p: PortalPage) => {
    const account = await accounts.findById((p.event.pathParameters?.accountId ?? '').slice(0, 100));
    if (!account) throw new NotFoundError('there is no such account');
    const why = actionableBy(p.who.actor, account);
    if (why === 'self') throw new ForbiddenError('staff cannot act on their own account at the help desk');
    if (why === 'staff')
      throw new ForbiddenError('staff accounts are changed by administrators, not at the help desk');
    return account;
  };

  const done = async (p: PortalPage, account: Account, notice: AdminWord, id: string) =>
    show(p, 200, {
      title: cw(p.lang, 'support_title'),
      body: html`<div class="notice" role="status" id="${id}"><p>${cw(p.lang, notice, { login: account.loginName })}</p></div>
${await personView(p, account, 0)}
<p><a class="button secondary" href="admin/console/support">${cw(p.lang, 'support_another')}</a></p>`,
    });

  /** An action's form read: the reason checked; the form re-shown with its error when it is missing. */
  const actionForm = async (p: PortalPage, form: string) => {
    const values = portal.readForm(p.event, p.session);
    const account = await target(p);
    const reason = (values.get('reason') ?? '').slice(0, 2000);
    const problem = reasonProblem(p, reason);
    if (!problem) return { account, reason: SupportReason.parse(reason), values };
    const errors = [{ field: `${form}-reason-0`, message: problem }];
    return {
      refused: show(p, 400, {
        title: cw(p.lang, 'support_title'),
        errors,
        body: await personView(p, account, 0, { form, reason, errors }),
      }),
    };
  };

  /** Writes a change on the account as read, re-reading once if it changed meanwhile. */
  const change = async (account: Account, write: (a: Account) => Promise<Account>) => {
    try {
      return await write(account);
    } catch (err: unknown) {
      if (!(err instanceof AccountConflictError)) throw err;
      const again = await accounts.findById(account.id);
      if (!again) throw new NotFoundError('there is no such account');
      try {
        return await write(again);
      } catch (retry: unknown) {
        if (retry instanceof AccountConflictError)
          throw new ConflictError('the account kept changing meanwhile; look the person up again');
        throw retry;
      }
    }
  };

  const title = (p: PortalPage) => cw(p.lang, 'support_title');
  const lead = (p: PortalPage) => html`<p class="lead">${cw(p.lang, 'support_lead')}</p>`;

  return new Router<PublicRoute>()
    .on('GET', HOME, {
      public: true,
      handle: guard(async (p) => show(p, 200, { title: title(p), body: html`${lead(p)}${searchForm(p)}` })),
    })
    .on('POST', `${HOME}/find`, {
      public: true,
      handle: guard(async (p) => {
        const values = portal.readForm(p.event, p.session);
        const by = (values.get('by') ?? '') as LookupKind;
        const q = (values.get('q') ?? '').slice(0, 300);
        const reason = (values.get('reason') ?? '').slice(0, 2000);
        const errors: FieldError[] = [];
        const finder = kinds.includes(by) ? find[by] : undefined;
        const typed = finder?.valid.safeParse(q.trim());
        if (!finder || !typed?.success)
          errors.push({
            field: 'q',
            message: cw(p.lang, `support_errQ_${finder ? by : 'loginName'}` as AdminWord),
          });
        const problem = reasonProblem(p, reason);
        if (problem) errors.push({ field: 'find-reason', message: problem });
        // Refused before anything is read: a look-up without a reason looks nobody up.
        if (errors.length || !finder || !typed?.success)
          return show(p, 400, {
            title: title(p),
            errors,
            body: html`${lead(p)}${searchForm(p, { by, q, reason, errors })}`,
          });
        const found = (await finder.find(typed.data)).slice(0, 20);
        await audit(p, {
          type: 'support.lookup',
          outcome: found.length ? 'success' : 'failure',
          subject: found.length === 1 ? found[0]!.id : undefined,
          reason: SupportReason.parse(reason),
          details: {
            by,
            found: found.length,
            ...(found.length > 1 ? { accounts: found.map((a) => a.id) } : {}),
          },
        });
        if (!found.length) {
          const none = [{ field: 'q', message: cw(p.lang, 'support_notFound') }];
          return show(p, 404, {
            title: title(p),
            errors: none,
            body: html`${lead(p)}${searchForm(p, { by, q, reason, errors: none })}`,
          });
        }
        const people = await Promise.all(found.map((a, i) => personView(p, a, i)));
        return show(p, 200, {
          title: title(p),
          body: html`${lead(p)}${searchForm(p, { by, q, reason })}<p id="found" data-count="${found.length}">${cw(p.lang, 'support_found', { count: found.length })}</p>${people}`,
        });
      }),
    })
    .on('POST', `${HOME}/{accountId}/unlock`, {
      public: true,
      handle: guard(async (p) => {
        const read = await actionForm(p, 'unlock');
        if ('refused' in read) return read.refused!;
        const { account, reason } = read;
        // Unlocking an account that is not locked changes nothing: refused, not audited or told.
        const lock = await lockout.state(account.loginName, 'help-desk');
        if (!(lock.locked && lock.scope === 'account')) throw new ConflictError('the account is not locked');
        await lockout.clear(account.loginName);
        await audit(p, { type: 'support.unlocked', outcome: 'success', subject: account.id, reason });
        await notify(account, 'support-unlocked');
        return done(p, account, 'support_unlocked', 'support-done');
      }),
    })
    .on('POST', `${HOME}/{accountId}/disable`, {
      public: true,
      handle: guard(async (p) => {
        const read = await actionForm(p, 'disable');
        if ('refused' in read) return read.refused!;
        const { reason } = read;
        const at = Math.floor(Date.now() / 1000);
        // Disabling a disabled account changes nothing: refused, not audited as an act.
        const account = await change(read.account, (a) => {
          if (a.status === 'disabled') throw new ConflictError('the account is already disabled');
          return accounts.update(a, {
            status: 'disabled',
            sessionsValidAfter: Math.max(a.sessionsValidAfter, at),
          });
        });
        // Every session and grant ends at once, each site told by back-channel logout.
        const ended = await sessions.end(account.id, { alsoGrants: () => true });
        await audit(p, {
          type: 'support.disabled',
          outcome: 'success',
          subject: account.id,
          reason,
          details: { sessionsEnded: ended.sessions, sitesNotified: ended.notified },
        });
        await notify(account, 'support-disabled');
        return done(p, account, 'support_disabledDone', 'support-done');
      }),
    })
    .on('POST', `${HOME}/{accountId}/enable`, {
      public: true,
      handle: guard(async (p) => {
        const read = await actionForm(p, 'enable');
        if ('refused' in read) return read.refused!;
        const account = await change(read.account, (a) => {
          if (a.status === 'active') throw new ConflictError('the account is not disabled');
          return accounts.update(a, { status: 'active' });
        });
        await audit(p, {
          type: 'support.enabled',
          outcome: 'success',
          subject: account.id,
          reason: read.reason,
        });
        await notify(account, 'support-enabled');
        return done(p, account, 'support_enabledDone', 'support-done');
      }),
    })
    .on('POST', `${HOME}/{accountId}/recheck`, {
      public: true,
      handle: guard(async (p) => {
        const values = portal.readForm(p.event, p.session);
        const account = await target(p);
        const again = async (status: number, errors: FieldError[]) =>
          show(p, status, {
            title: title(p),
            errors,
            body: await personView(p, account, 0, { form: 'recheck', values, errors }),
          });
        const read = readCardForm(p.lang, values, CARD);
        if (read.errors) return again(400, read.errors);
        const { hasher, source } = identityOf(runtime);
        let recheck: IdentityRecheck;
        try {
          recheck = await recheckAtCounter(
            { hasher, source, rechecks, audit: runtime.audit },
            await staffOf(p),
            account,
            read.input,
            origin(p),
          );
        } catch (err: unknown) {
          if (err instanceof NoProvedIdentityError)
            return again(409, [{ field: 'recheck-number-0', message: cw(p.lang, 'support_noIdentity') }]);
          if (err instanceof NotTheAccountHolderError)
            return again(422, [{ field: 'recheck-number-0', message: cw(p.lang, 'support_notHolder') }]);
          if (err instanceof ProofingRefusedError) return again(422, [cardRefusal(p.lang, err, CARD)]);
          if (err instanceof RegistryUnavailableError)
            return again(503, [
              {
                field: 'recheck-number-0',
                message: cw(
                  p.lang,
                  err.reason === 'timeout' ? 'counter_unavailableTimeout' : 'counter_unavailableError',
                ),
              },
            ]);
          throw err;
        }
        return show(p, 200, {
          title: title(p),
          body: html`<div class="notice" role="status" id="recheck-recorded" data-valid-until="${new Date(recheck.expiresAt * 1000).toISOString()}"><p>${cw(p.lang, 'support_recheckRecorded', { login: account.loginName })}</p></div>
${await personView(p, account, 0)}`,
        });
      }),
    })
    .on('POST', `${HOME}/{accountId}/reset-factor`, {
      public: true,
      handle: guard(async (p) => {
        const read = await actionForm(p, 'reset-factor');
        if ('refused' in read) return read.refused!;
        const { reason } = read;
        const proved = read.account.identity;
        // The re-check is taken before anything changes: one re-check, one reset.
        const recheck = proved ? await rechecks.use(read.account.id, proved.personRef) : undefined;
        if (!recheck) {
          await audit(p, {
            type: 'support.factor_reset',
            outcome: 'failure',
            subject: read.account.id,
            reason: proved ? 'no-identity-recheck' : 'no-proved-identity',
          });
          const errors = [
            {
              field: proved ? 'recheck-number-0' : 'no-identity-0',
              message: cw(p.lang, proved ? 'support_recheckFirst' : 'support_noIdentity'),
            },
          ];
          return show(p, proved ? 403 : 409, {
            title: title(p),
            errors,
            body: await personView(p, read.account, 0, { errors }),
          });
        }
        const before = read.account;
        const account = await change(before, (a) => accounts.resetSecondFactors(a, new Date()));
        const ended = await sessions.end(account.id, { alsoGrants: () => true });
        await audit(p, {
          type: 'support.factor_reset',
          outcome: 'success',
          subject: account.id,
          resource: recheck.personRef,
          reason,
          details: {
            removed: {
              totp: Boolean(before.totp),
              recoveryCodes:
                (before.totp?.recovery?.hashes.length ?? 0) + (before.totp?.recoveryCodes.length ?? 0),
              passkeys: before.passkeyIds.length,
            },
            recheckedBy: recheck.checkedBy.accountId,
            recheckedAt: recheck.checkedAt,
            recheckMethod: recheck.method,
            sessionsEnded: ended.sessions,
            sitesNotified: ended.notified,
          },
        });
        await notify(account, 'support-factor-reset');
        return done(p, account, 'support_resetDone', 'support-done');
      }),
    });
};
