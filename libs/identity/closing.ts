import { createHash } from 'node:crypto';
import { DeleteCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { Account, AccountClosings, AccountStore, DueClosing } from '../accounts/index.ts';
import type { AuditLog } from '../audit/index.ts';
import type { Zone } from '../config/index.ts';
import type { AccountGrant, AccountSessions } from '../oidc/index.ts';
import { isConditionalCheckFailed, queryAll } from '../store/index.ts';
import type { ActingStore } from './acting.ts';
import { identityClaimKey } from './claims.ts';
import { type CompanyStore, pointerKey } from './companies.ts';
import { companyRef } from './hasher.ts';

/** What deleting a closed account touches: every store that holds something of the person. */
export interface AccountDeletionDeps {
  readonly doc: DynamoDBDocumentClient;
  /** The identity table. */
  readonly table: string;
  readonly accounts: AccountStore;
  readonly closings: AccountClosings;
  /** Deletes the account's own items (libs/accounts `removeAccount`). */
  readonly removeAccount: (account: Account) => Promise<void>;
  readonly companies: CompanyStore;
  readonly acting: ActingStore;
  /** The person's sessions and grants (libs/oidc AccountSessions). */
  readonly sessions: Pick<AccountSessions, 'grants' | 'end'>;
  /**
   * Ends an agent's sign-ins acting for a company whose legal representative is deleted
   * (`endRepresentationSessions` with the caller's queues; audited as `company.sessions_ended`).
   */
  readonly endAgentSessions: (
    agentAccountId: string,
    uscc: string,
    ctx: { readonly zone: Zone; readonly actor: string },
  ) => Promise<unknown>;
  /** Forgets every consent the person gave (the client registry's remembered consents). */
  readonly forgetConsents: (accountId: string) => Promise<void>;
  /** Sends the `account-closed` notice: called while the contact details still exist. */
  readonly notify: (account: Account) => Promise<void>;
  readonly audit: AuditLog;
  readonly zone: Zone;
  readonly now?: () => Date;
}

export type DeletionOutcome = 'deleted' | 'kept';

/** The identity table, where companies and their agents are kept. */
type Table = Pick<AccountDeletionDeps, 'doc' | 'table'>;

/** Every item of a partition (at most a company's agents, or a person's companies). */
const partition = (deps: Table, pk: string, skPrefix?: string) =>
  queryAll(deps.doc, {
    TableName: deps.table,
    KeyConditionExpression: skPrefix ? 'pk = :pk AND begins_with(sk, :sk)' : 'pk = :pk',
    ExpressionAttributeValues: { ':pk': pk, ...(skPrefix ? { ':sk': skPrefix } : {}) },
    ConsistentRead: true,
  });

const remove = (deps: Table, key: { pk: unknown; sk: unknown }, onlyFor?: string) =>
  deps.doc
    .send(
      new DeleteCommand({
        TableName: deps.table,
        Key: { pk: key.pk, sk: key.sk },
        ...(onlyFor
          ? { ConditionExpression: 'accountId = :a', ExpressionAttributeValues: { ':a': onlyFor } }
          : {}),
      }),
    )
    .catch((err: unknown) => {
      if (!isConditionalCheckFailed(err)) throw err;
    });

/**
 * Removes a company's registration, every agent grant and its history, and the agents' pointers
 * (its legal representative's account is being deleted); the company item last, so a retry
 * finds the rest.
 */
const removeCompany = async (deps: Table, uscc: string): Promise<void> => {
  const items = await partition(deps, `company#${uscc}`);
  const agents = new Set(
    items.flatMap((i) => (typeof i.accountId === 'string' && i.sk !== 'company' ? [i.accountId] : [])),
  );
  for (const accountId of agents) await remove(deps, pointerKey(accountId, uscc));
  for (const item of [...items.filter((i) => i.sk !== 'company'), ...items.filter((i) => i.sk === 'company')])
    await remove(deps, item as { pk: string; sk: string });
};

/** Removes an agent's grant of one company, its history and their pointer. */
const removeAgent = async (deps: Table, uscc: string, accountId: string): Promise<void> => {
  for (const item of await partition(deps, `company#${uscc}`, `agent#${accountId}`))
    await remove(deps, item as { pk: string; sk: string });
  await remove(deps, pointerKey(accountId, uscc));
};

/**
 * The one id of an account's `account.deleted` event: a retry after a crash finds the event
 * rather than writing a second one (AuditLog's caller-chosen id).
 */
const deletedEventId = (accountId: string): string => {
  const h = createHash('sha256').update(`account.deleted\n${accountId}`).digest('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-5${h.slice(13, 16)}-8${h.slice(17, 20)}-${h.slice(20, 32)}`;
};

/**
 * Deletes an account whose closing's cooling-off has ended (docs/account.md, "Your data and
 * closing your account"): the `account-closed` notice first, while there is an address to send it
 * to; then every session and grant (sites told by back-channel logout), acting choices, company
 * representations (a legal representative's company registration ends with every agent's
 * authorisation, and the agents' sign-ins acting for it), remembered consents, the identity claim
 * (so the ID number can be proved by a new account), and last the account with its login name,
 * e-mail lookup and passkeys. Licences are the issuing department's records and stay. Audited
 * once as `account.deleted`, naming the account id only. Each step is idempotent: the due item
 * goes last, so a sweep that stopped halfway finishes the job on its next run.
 */
export const deleteClosedAccount = async (
  deps: AccountDeletionDeps,
  due: DueClosing,
): Promise<DeletionOutcome> => {
  const now = deps.now?.() ?? new Date();
  const account = await deps.accounts.findById(due.accountId);
  if (account) {
    const closing = account.closing;
    if (!closing || closing.closesAt * 1000 > now.getTime()) {
      // Cancelled (or asked again later): this due item is stale.
      if (closing?.closesAt !== due.closesAt) await deps.closings.done(due);
      return 'kept';
    }
    await deps.notify(account);
    const id = account.id;
    const grants: AccountGrant[] = await deps.sessions.grants(id);
    await deps.sessions.end(id, { alsoGrants: () => true });
    await Promise.all(
      grants.map(async (g) => {
        const choice = await deps.acting.choiceOf(g.grantId);
        if (choice) await deps.acting.forget(choice);
      }),
    );
    const ctx = { zone: deps.zone, actor: id };
    const pointed = (await partition(deps, pointerKey(id, '').pk)).map((i) => String(i.sk));
    for (const uscc of pointed) {
      for (const choice of await deps.acting.actingFor(id, uscc)) await deps.acting.forget(choice);
      const company = await deps.companies.get(uscc);
      if (company?.legalRepresentative.accountId !== id) {
        await removeAgent(deps, uscc, id);
        continue;
      }
      // Authorisations flow from the legal representative: with them gone, the company's
      // registration ends, and every agent's with it (the sign-ins acting for it end now).
      const agents = (await deps.companies.grantsOf(uscc)).filter((g) => !g.revokedAt);
      for (const agent of agents) await deps.endAgentSessions(agent.accountId, uscc, ctx);
      await removeCompany(deps, uscc);
      await deps.audit.append({
        type: 'company.registration_ended',
        outcome: 'success',
        zone: deps.zone,
        actor: id,
        subject: id,
        resource: companyRef(uscc),
        reason: 'the legal representative’s account was closed',
        details: { agents: agents.length },
      });
    }
    await deps.forgetConsents(id);
    // Only while this account holds it: a new account may then prove the same ID number.
    if (account.identity) await remove(deps, identityClaimKey(account.identity.personRef), id);
    await deps.removeAccount(account);
  }
  // No login name, address or name: the deleted personal data stays deleted.
  await deps.audit.append(
    {
      type: 'account.deleted',
      outcome: 'success',
      zone: deps.zone,
      subject: due.accountId,
      resource: `account:${due.accountId}`,
      reason: 'closed at the holder’s request; cooling-off ended',
    },
    { eventId: deletedEventId(due.accountId) },
  );
  await deps.closings.done(due);
  return 'deleted';
};

/** Deletes every account whose cooling-off has ended (the scheduled sweep); the number deleted. */
export const sweepClosedAccounts = async (deps: AccountDeletionDeps): Promise<number> => {
  let deleted = 0;
  for (const due of await deps.closings.due(deps.now?.() ?? new Date()))
    if ((await deleteClosedAccount(deps, due)) === 'deleted') deleted++;
  return deleted;
};

/** What taking a person back at a counter ends of the company roles the losing account held. */
export interface CompanyRoleReleaseDeps extends Table {
  readonly companies: CompanyStore;
  /** Ends a person's sign-ins acting for a company (`endRepresentationSessions` with the caller's queues). */
  readonly endAgentSessions: AccountDeletionDeps['endAgentSessions'];
  readonly audit: AuditLog;
}

/**
 * A counter verification took a person back from an account that held them by a remote proof
 * (issue #20): what that account did *as that person* ends with it. A company it registered as the
 * person's legal representative ends (every agent's authorisation with it, and their sign-ins
 * acting for it), so the real person can register it; its authorisations as the person's agent
 * end too (the representative authorises the real person again). Audited once each. Roles it
 * holds as someone else are not touched.
 */
export const releaseCompanyRoles = async (
  deps: CompanyRoleReleaseDeps,
  fromAccountId: string,
  personRef: string,
  ctx: { readonly zone: Zone; readonly actor: string },
): Promise<void> => {
  const reason = 'the person was taken back from this account at a service counter';
  for (const r of await deps.companies.representations(fromAccountId)) {
    const uscc = r.company.uscc;
    if (r.role === 'legal-representative') {
      const rep = r.company.legalRepresentative;
      if (rep.accountId !== fromAccountId || rep.personRef !== personRef) continue;
      const agents = (await deps.companies.grantsOf(uscc)).filter((g) => !g.revokedAt);
      for (const accountId of [fromAccountId, ...agents.map((a) => a.accountId)])
        await deps.endAgentSessions(accountId, uscc, ctx);
      await removeCompany(deps, uscc);
      await deps.audit.append({
        type: 'company.registration_ended',
        outcome: 'success',
        zone: ctx.zone,
        actor: ctx.actor,
        subject: fromAccountId,
        resource: companyRef(uscc),
        reason,
        details: { agents: agents.length },
      });
      continue;
    }
    const grant = (await deps.companies.grantsOf(uscc)).find((g) => g.accountId === fromAccountId);
    if (grant?.personRef !== personRef) continue;
    await deps.endAgentSessions(fromAccountId, uscc, ctx);
    await removeAgent(deps, uscc, fromAccountId);
    await deps.audit.append({
      type: 'company.agent_revoked',
      outcome: 'success',
      zone: ctx.zone,
      actor: ctx.actor,
      onBehalfOf: companyRef(uscc),
      subject: fromAccountId,
      resource: companyRef(uscc),
      reason,
    });
  }
};
