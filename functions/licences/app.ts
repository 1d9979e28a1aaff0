import type { APIGatewayProxyEvent } from 'aws-lambda';
import type * as z from 'zod';
import { DepartmentStore, departmentName } from '../../libs/departments/index.ts';
import {
  ForbiddenError,
  NotFoundError,
  openApiDocument,
  openApiPath,
  openApiResponse,
  parseJsonBody,
  Router,
  ValidationError,
} from '../../libs/http/index.ts';
import { identityOf, maskResidentId } from '../../libs/identity/index.ts';
import {
  IdempotencyKey,
  IssueRequest,
  LicenceService,
  type LicenceType,
  type OnlineVerification,
  StatusChange,
  typeMetadata,
  type VerificationResult,
} from '../../libs/licences/index.ts';
import { type Allowed, licenceTypeRequest } from '../../libs/policy/index.ts';
import { json, type OwnRoute, ownApiHandler, type Runtime } from '../../libs/runtime/index.ts';
import { type Lang, langOfEvent, pageResponse, t as w } from '../../libs/web/index.ts';
import {
  type IssueAnswer,
  type IssuerMetadata,
  licencesApi,
  type StatusAnswer,
  VerifyRequest,
} from './api.ts';
import { type IssuerShown, linkGoneBody, VERIFICATION_STYLES, verificationBody } from './views.ts';

const headerOf = (event: APIGatewayProxyEvent, name: string): string | undefined =>
  Object.entries(event.headers ?? {}).find(([key]) => key.toLowerCase() === name)?.[1] ?? undefined;

/**
 * The licences function's routes. Public at every entry: issuer discovery, the licence JWKS, type
 * metadata at each `vct`, status lists, online verification and the page a shared link or QR
 * code opens. Extranet and intranet (by policy): issuance and status changes, each also
 * decided on the licence type (a department issues and revokes only its own). Building them
 * touches nothing (the route table's test reads them).
 */
export const licenceRoutes = (runtime: Runtime): Router<OwnRoute> => {
  const { config, doc, access } = runtime;
  const issuer = config.licenceIssuer ?? config.issuer;
  const basePath = new URL(config.issuer).pathname.replace(/\/$/, '');
  const service = new LicenceService({
    doc,
    table: config.tables.licences,
    issuer,
    keyring: runtime.keyring,
    holders: identityOf(runtime).hasher,
    statusListTtlSeconds: config.statusListTtlSeconds,
  });

  const departments = new DepartmentStore(doc, config.tables.identity);
  // This zone's description: the public entry lists only the operations it offers.
  const document = openApiDocument(licencesApi, { zone: config.zone, serverUrl: config.issuer });

  /**
   * Who issued a verified licence, in words: the issuing department named in the licence (or
   * owning its type), with the credit code the licence carries for a verifier to check it by.
   */
  const issuerShown = async (
    lang: Lang,
    result: VerificationResult,
    type: LicenceType | undefined,
  ): Promise<IssuerShown> => {
    const authority = result.issuingAuthority as { department?: unknown; code?: unknown } | undefined;
    const id = typeof authority?.department === 'string' ? authority.department : type?.department;
    const department = id ? await departments.get(id) : undefined;
    const code = typeof authority?.code === 'string' ? authority.code : undefined;
    return { name: department ? departmentName(department, lang) : (id ?? result.issuer ?? ''), code };
  };

  const origin = (event: APIGatewayProxyEvent) => ({
    sourceIp: event.requestContext?.identity?.sourceIp,
    userAgent: headerOf(event, 'user-agent')?.slice(0, 512),
    correlationId: event.requestContext?.requestId,
  });
  const actorOf = (allowed: Allowed) =>
    allowed.principal.kind === 'anonymous' ? undefined : allowed.principal.id;

  /** issueLicence / changeLicenceStatus on the type, audited when refused (and when privileged). */
  const decideOnType = async (
    allowed: Allowed,
    action: 'issueLicence' | 'changeLicenceStatus',
    type: Pick<LicenceType, 'vct' | 'department'>,
    event: APIGatewayProxyEvent,
  ) => {
    const decision = await access.check(
      licenceTypeRequest(allowed, action, type, config.zone),
      {
        ...origin(event),
        actor: allowed.principal.kind === 'user' ? allowed.principal.id : undefined,
        client: allowed.claims.clientId,
        department: type.department,
      },
      { privileged: action === 'changeLicenceStatus' },
    );
    if (!decision.allowed) {
      throw new ForbiddenError(
        `you may not ${action === 'issueLicence' ? 'issue' : 'change the status of'} ${type.department}'s licences: ${decision.explanation}`,
      );
    }
    return decision;
  };

  const verifyAndRecord = async (
    token: string,
    receipt: { verifier: string; purpose: string; channel: 'api' | 'link'; shareId?: string },
    event: APIGatewayProxyEvent,
  ): Promise<{ result: VerificationResult }> => {
    const result = await service.verify(token);
    const licence =
      result.licenceId && result.verdict !== 'invalid' ? await service.factsOf(result.licenceId) : undefined;
    if (licence) {
      await service.recordReceipt({
        licenceId: licence.licenceId,
        holder: licence.holder,
        verifier: receipt.verifier,
        purpose: receipt.purpose,
        verdict: result.verdict,
        channel: receipt.channel,
        shareId: receipt.shareId,
        zone: config.zone,
      });
    }
    await runtime.audit.append({
      type: 'licence.verified',
      outcome: result.verdict === 'valid' ? 'success' : 'failure',
      zone: config.zone,
      subject: licence?.holder,
      department: licence?.department,
      resource: result.licenceId?.slice(0, 256),
      ...origin(event),
      reason: result.verdict === 'invalid' ? result.reason : result.verdict,
      details: {
        channel: receipt.channel,
        verdict: result.verdict,
        ...(receipt.shareId ? { share: true } : {}),
      },
    });
    return { result };
  };

  // The shape @yitong/licence-verifier's verifyOnline returns: declared there, so the two cannot drift.
  const publicView = (result: VerificationResult): OnlineVerification => ({
    verdict: result.verdict,
    ...(result.reason ? { reason: result.reason } : {}),
    message: result.message,
    issuer: result.issuer,
    vct: result.vct,
    licence_id: result.licenceId,
    issuing_authority: result.issuingAuthority,
    valid_from: result.notBefore,
    valid_until: result.expiresAt,
    disclosed: [...result.disclosed],
    claims: result.claims,
    status: result.status && { checked_seconds_ago: result.status.ageSeconds, list: result.status.uri },
  });

  return new Router<OwnRoute>()
    .on('GET', '/.well-known/jwt-vc-issuer', {
      public: true,
      handle: async () =>
        json(200, { issuer, jwks_uri: `${issuer}/licences/jwks` } satisfies z.input<typeof IssuerMetadata>),
    })
    .on('GET', openApiPath('licences'), {
      public: true,
      handle: async () => openApiResponse(document),
    })
    .on('GET', '/licences/jwks', {
      public: true,
      handle: async () => ({
        ...json(200, await service.jwks()),
        headers: { 'content-type': 'application/jwk-set+json', 'cache-control': 'public, max-age=300' },
      }),
    })
    .on('GET', '/licences/types', {
      public: true,
      handle: async () => json(200, { types: (await service.types.latest()).map(typeMetadata) }),
    })
    .on('GET', '/licences/types/{typeId}/{version}', {
      public: true,
      handle: async (event) => {
        const version = /^v(\d{1,4})$/.exec(event.pathParameters?.version ?? '')?.[1];
        const type =
          version && (await service.types.get(event.pathParameters?.typeId ?? '', Number(version)));
        if (!type) throw new NotFoundError('there is no such licence type version');
        return {
          ...json(200, typeMetadata(type)),
          headers: { 'content-type': 'application/json', 'cache-control': 'public, max-age=3600' },
        };
      },
    })
    .on('GET', '/licences/status/{list}', {
      public: true,
      handle: async (event) => {
        const list = Number(event.pathParameters?.list);
        const token = Number.isInteger(list)
          ? // Read afresh: whoever fetches it keeps it for the list's whole ttl.
            await service.statusLists.token(issuer, list, await runtime.keyring.signer('status-list'), {
              fresh: true,
            })
          : undefined;
        if (!token) throw new NotFoundError('there is no such status list');
        return {
          statusCode: 200,
          headers: { 'content-type': 'application/statuslist+jwt', 'cache-control': 'public, max-age=60' },
          body: token,
        };
      },
    })
    .on('POST', '/licences/verify', {
      public: true,
      handle: async (event) => {
        const body = parseJsonBody(event, VerifyRequest);
        const { result } = await verifyAndRecord(
          body.licence,
          { verifier: body.verifier, purpose: body.purpose, channel: 'api' },
          event,
        );
        return json(200, publicView(result));
      },
    })
    .on('GET', '/licences/shared/{shareId}', {
      public: true,
      handle: async (event) => {
        const lang = langOfEvent(event);
        const shareId = event.pathParameters?.shareId ?? '';
        const path = `/licences/shared/${shareId}`;
        const share = await service.activeShare(shareId);
        if (!share) {
          return pageResponse({
            event,
            status: 404,
            lang,
            title: w(lang, 'linkGone'),
            body: linkGoneBody(lang),
            styles: VERIFICATION_STYLES,
            basePath,
            path,
          });
        }
        const { result } = await verifyAndRecord(
          share.presentation,
          { verifier: 'link', purpose: share.purpose, channel: 'link', shareId: share.shareId },
          event,
        );
        const type = (await service.types.list()).find((t) => t.vct === result.vct);
        if (headerOf(event, 'accept')?.includes('application/json')) return json(200, publicView(result));
        return pageResponse({
          event,
          status: 200,
          lang,
          title: w(lang, 'checkTitle'),
          body: verificationBody(lang, result, type, share, await issuerShown(lang, result, type)),
          styles: VERIFICATION_STYLES,
          basePath,
          path,
        });
      },
    })
    .on('POST', '/licences', {
      privileged: false,
      handle: async (event, allowed) => {
        const key = IdempotencyKey.safeParse(headerOf(event, 'idempotency-key'));
        if (!key.success) {
          throw new ValidationError(
            'send an Idempotency-Key header: the same key on a retry never issues twice',
            [{ name: 'Idempotency-Key', reason: key.error.issues[0]!.message }],
          );
        }
        const body = parseJsonBody(event, IssueRequest);
        const type = await service.typeFor(body.type);
        await decideOnType(allowed, 'issueLicence', type, event);
        const caller = { id: actorOf(allowed) ?? allowed.claims.clientId, department: type.department };
        // Audited before the key is marked done, with an id of its own: a retry after any
        // failure audits it again and the log finds the event already there.
        const outcome = await service.issue(body, key.data, caller, type, (licence) =>
          runtime.audit
            .append(
              {
                type: 'licence.issued',
                outcome: 'success',
                zone: config.zone,
                actor: actorOf(allowed),
                client: allowed.claims.clientId,
                subject: licence.holder,
                department: type.department,
                resource: licence.licenceId,
                ...origin(event),
                details: { vct: type.vct, statusList: licence.statusList },
              },
              { eventId: `licence-issued-${licence.licenceId}` },
            )
            .then(() => undefined),
        );
        return json(outcome.replayed ? 200 : 201, {
          licence_id: outcome.licence.licenceId,
          vct: outcome.licence.vct,
          // The holder as named, the ID number masked: the response need not carry it again.
          holder:
            'residentId' in body.holder
              ? { residentId: maskResidentId(body.holder.residentId) }
              : body.holder,
          valid_from: outcome.licence.nbf,
          valid_until: outcome.licence.exp,
          status: outcome.licence.status,
          status_list: {
            uri: `${issuer}/licences/status/${outcome.licence.statusList}`,
            idx: outcome.licence.statusIndex,
          },
          credential: outcome.licence.sdJwt,
          replayed: outcome.replayed,
        } satisfies z.input<typeof IssueAnswer>);
      },
    })
    .on('POST', '/licences/{licenceId}/status', {
      privileged: false,
      handle: async (event, allowed) => {
        const change = parseJsonBody(event, StatusChange);
        const licence = await service.get(event.pathParameters?.licenceId ?? '');
        if (!licence) throw new NotFoundError('there is no such licence');
        const decision = await decideOnType(
          allowed,
          'changeLicenceStatus',
          { vct: licence.vct, department: licence.department },
          event,
        );
        const { licence: updated, changed } = await service.changeStatus(licence, change);
        if (changed) {
          await runtime.audit.append({
            type: `licence.${updated.status === 'valid' ? 'reinstated' : updated.status}`,
            outcome: 'success',
            zone: config.zone,
            actor: actorOf(allowed),
            client: allowed.claims.clientId,
            subject: licence.holder,
            department: licence.department,
            resource: licence.licenceId,
            reason: change.reason,
            policyIds: [...decision.policyIds],
            ...origin(event),
            details: { before: licence.status, after: updated.status },
          });
        }
        return json(200, {
          licence_id: updated.licenceId,
          status: updated.status,
          changed,
        } satisfies z.input<typeof StatusAnswer>);
      },
    });
};

/** The licences function: protected routes meet the zone and role policies first. */
export const makeHandler = (runtime: Runtime) =>
  ownApiHandler(runtime, 'licences', ['extranet', 'intranet'], licenceRoutes(runtime));
