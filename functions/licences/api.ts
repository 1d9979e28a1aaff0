import * as z from 'zod';
import type { ApiDescription } from '../../libs/http/index.ts';
import { IdempotencyKey, IssueRequest, StatusChange, type Verdict } from '../../libs/licences/index.ts';

/**
 * The licences API's requests and answers: the schemas the routes parse with (app.ts) and the
 * shapes they answer with, described once for the OpenAPI document each zone serves.
 */

export const VerifyRequest = z.strictObject({
  /** A licence or a presentation of one (SD-JWT, compact). */
  licence: z.string().min(20).max(16_384),
  /** Who is checking: shown to the holder. */
  verifier: z.string().trim().min(2, 'name yourself, in at least 2 characters').max(200),
  /** Why: shown to the holder. */
  purpose: z.string().trim().min(3, 'say why, in at least 3 characters').max(200),
});

const VERDICTS = [
  'valid',
  'invalid',
  'revoked',
  'suspended',
  'expired',
  'not_yet_valid',
] as const satisfies readonly Verdict[];

/** What online verification (and a shared link asked for JSON) answers. */
export const VerificationAnswer = z.strictObject({
  verdict: z.enum(VERDICTS),
  reason: z.string().optional().describe('why a licence is invalid (machine-readable)'),
  message: z.string(),
  issuer: z.string().optional(),
  vct: z.string().optional(),
  licence_id: z.string().optional(),
  issuing_authority: z.unknown().optional(),
  valid_from: z.number().int().optional().describe('epoch seconds'),
  valid_until: z.number().int().optional().describe('epoch seconds'),
  disclosed: z.array(z.string()),
  claims: z.record(z.string(), z.unknown()),
  status: z
    .strictObject({ checked_seconds_ago: z.number(), list: z.string() })
    .optional()
    .describe('the status list consulted, and how old its copy was'),
});

const LicenceState = z.enum(['valid', 'revoked', 'suspended']);

export const IssueAnswer = z.strictObject({
  licence_id: z.string(),
  vct: z.string(),
  holder: IssueRequest.shape.holder,
  valid_from: z.number().int().describe('epoch seconds'),
  valid_until: z.number().int().describe('epoch seconds'),
  status: LicenceState,
  status_list: z.strictObject({ uri: z.string(), idx: z.number().int().min(0) }),
  credential: z.string().describe('the SD-JWT VC with every disclosure'),
  replayed: z.boolean().describe('true when this Idempotency-Key had issued it before'),
});

export const StatusAnswer = z.strictObject({
  licence_id: z.string(),
  status: LicenceState,
  changed: z.boolean(),
});

export const IssuerMetadata = z.strictObject({ issuer: z.string(), jwks_uri: z.string() });

const Jwks = z.object({ keys: z.array(z.looseObject({ kty: z.string(), kid: z.string().optional() })) });

const TypeMetadata = z.looseObject({
  vct: z.string(),
  name: z.string(),
  description: z.string().optional(),
  display: z.array(z.looseObject({ lang: z.string(), name: z.string() })),
  claims: z.array(z.looseObject({ path: z.array(z.string()) })),
});
export const TypeList = z.strictObject({ types: z.array(TypeMetadata) });

const EXTRANET_INTRANET = ['extranet', 'intranet'] as const;

export const licencesApi: ApiDescription = {
  title: 'yitong licences API',
  version: '1.0.0',
  description:
    'Electronic licences (SD-JWT VC): issuer metadata, type metadata, status lists and online verification for everyone; issuance and status changes for departments at the extranet and intranet entries (docs/licences.md).',
  schemas: {
    VerifyRequest,
    VerificationAnswer,
    IssueRequest,
    IssueAnswer,
    StatusChange,
    StatusAnswer,
    IssuerMetadata,
    TypeList,
  },
  operations: [
    {
      method: 'GET',
      path: '/.well-known/jwt-vc-issuer',
      operationId: 'issuerMetadata',
      summary: 'Issuer metadata (SD-JWT VC issuer discovery)',
      public: true,
      answers: { 200: { description: 'the issuer and its JWKS', schema: IssuerMetadata } },
    },
    {
      method: 'GET',
      path: '/licences/jwks',
      operationId: 'licenceKeys',
      summary: 'The keys licences are signed with, retired ones included while a licence needs them',
      public: true,
      answers: { 200: { description: 'a JWK set', schema: Jwks, contentType: 'application/jwk-set+json' } },
    },
    {
      method: 'GET',
      path: '/licences/types',
      operationId: 'licenceTypes',
      summary: 'The current version of every licence type',
      public: true,
      answers: { 200: { description: 'type metadata, newest versions', schema: TypeList } },
    },
    {
      method: 'GET',
      path: '/licences/types/{typeId}/{version}',
      operationId: 'licenceTypeVersion',
      summary: 'One version of a licence type (the metadata its vct names); version is v1, v2, …',
      public: true,
      answers: { 200: { description: 'type metadata', schema: TypeMetadata } },
    },
    {
      method: 'GET',
      path: '/licences/status/{list}',
      operationId: 'statusList',
      summary: 'A signed status list (IETF Token Status List, 2 bits per licence)',
      public: true,
      answers: { 200: { description: 'a statuslist+jwt', contentType: 'application/statuslist+jwt' } },
    },
    {
      method: 'POST',
      path: '/licences/verify',
      operationId: 'verifyLicence',
      summary: 'Verify a licence or presentation online; the holder sees who checked it and why',
      public: true,
      body: VerifyRequest,
      answers: { 200: { description: 'the verdict and what was disclosed', schema: VerificationAnswer } },
    },
    {
      method: 'GET',
      path: '/licences/shared/{shareId}',
      operationId: 'sharedLicence',
      summary:
        'What a shared link or QR code opens: a page, or the verdict as JSON (Accept: application/json)',
      public: true,
      answers: { 200: { description: 'the verdict of the shared presentation', schema: VerificationAnswer } },
    },
    {
      method: 'POST',
      path: '/licences',
      operationId: 'issueLicence',
      summary: 'Issue a licence of one of your department’s types (scope licences:issue)',
      zones: EXTRANET_INTRANET,
      headers: {
        'Idempotency-Key': {
          schema: IdempotencyKey,
          required: true,
          description: 'the same key on a retry answers the same licence and never issues twice',
        },
      },
      body: IssueRequest,
      answers: {
        200: { description: 'issued before under this Idempotency-Key', schema: IssueAnswer },
        201: { description: 'issued', schema: IssueAnswer },
      },
    },
    {
      method: 'POST',
      path: '/licences/{licenceId}/status',
      operationId: 'changeLicenceStatus',
      summary: 'Revoke, suspend or reinstate a licence of your department',
      zones: EXTRANET_INTRANET,
      body: StatusChange,
      answers: { 200: { description: 'its status now', schema: StatusAnswer } },
    },
  ],
};
