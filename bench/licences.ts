/**
 * Licences: verifications per second (status list cached) next to a raw jose ES256
 * verification of the same issuer-signed JWTs, issuance per second against the embedded
 * store, and the size of a licence and of a 131,072-entry status list.
 */
import { compactVerify, importJWK, type JWK } from 'jose';
import { DEMO_DRIVING_PERMIT_CLAIMS, DEMO_LICENCE_TYPES, DEMO_ZHANG_SAN_ID } from '../infra/local/seed.ts';
import { IdentityHasher } from '../libs/identity/index.ts';
import { LocalKeyring, LocalSecretStore } from '../libs/keys/index.ts';
import {
  encodeList,
  LIST_SIZE,
  LicenceService,
  STATUS,
  setStatusBits,
  signStatusList,
  verifyLicence,
} from '../libs/licences/index.ts';
import { createDynamoClient, ensureTables } from '../libs/store/index.ts';
import { startStoreProcess } from './lib/store-process.ts';

export interface LicenceBench {
  /** Per run: yitong's whole verifier, verifications per second. */
  readonly verifyPerSecond: number[];
  /** Per run: jose's bare ES256 check of the same licences' issuer JWTs. */
  readonly rawJosePerSecond: number[];
  /** How many distinct licences each run cycles through (the same ones for both). */
  readonly licences: number;
  readonly issuePerSecond: number;
  readonly licenceBytes: number;
  readonly statusListBytes: number;
  readonly statusListOnePercentBytes: number;
}

const ISSUER = 'https://id.gov.example';

/**
 * `runs` runs of `verifications` verifications each, yitong and raw jose alternating run by
 * run (the order reversed every other run) over the same licences, after a warm-up of both.
 */
export const benchLicences = async (
  verifications: number,
  issuances: number,
  runs = 5,
): Promise<LicenceBench> => {
  // The store in a process of its own, as DynamoDB is elsewhere on AWS.
  const store = await startStoreProcess();
  try {
    const doc = createDynamoClient({ endpoint: store.endpoint });
    const tables = { identity: 'bench-identity', licences: 'bench-licences', audit: 'bench-audit' };
    await ensureTables(doc, tables);
    const keyring = new LocalKeyring(undefined);
    const secrets = new LocalSecretStore(undefined);
    const service = new LicenceService({
      doc,
      table: tables.licences,
      issuer: ISSUER,
      keyring,
      holders: new IdentityHasher(() => secrets.versions('identity-hash-key')),
    });
    for (const type of DEMO_LICENCE_TYPES) await service.types.put(type);
    const type = await service.typeFor('driving-permit');
    const claims = DEMO_DRIVING_PERMIT_CLAIMS;
    const caller = { id: 'transport-registry', department: 'transport' };

    // Issuance: each a fresh Idempotency-Key, through the Signer port, against the embedded store.
    const started = performance.now();
    let licence = (
      await service.issue(
        { type: type.typeId, holder: { residentId: DEMO_ZHANG_SAN_ID }, claims },
        'bench-0',
        caller,
        type,
      )
    ).licence;
    for (let i = 1; i < issuances; i++) {
      licence = (
        await service.issue(
          { type: type.typeId, holder: { residentId: DEMO_ZHANG_SAN_ID }, claims },
          `bench-${i}`,
          caller,
          type,
        )
      ).licence;
    }
    const issuePerSecond = (issuances / (performance.now() - started)) * 1000;
    // The licences verified: several, each with its own disclosures' salts and status index.
    // (All in one status list, whose token is verified once and cached as the verifier keeps it.)
    const issued = [licence.sdJwt];
    for (let i = 0; issued.length < 8; i++) {
      const extra = await service.issue(
        { type: type.typeId, holder: { residentId: DEMO_ZHANG_SAN_ID }, claims },
        `bench-set-${i}`,
        caller,
        type,
      );
      if (extra.licence.statusList !== licence.statusList) throw new Error('expected one status list');
      issued.push(extra.licence.sdJwt);
    }

    const jwks = (await service.jwks()).keys as unknown as JWK[];
    const token = (await service.statusLists.token(
      ISSUER,
      licence.statusList,
      await keyring.signer('status-list'),
    ))!;
    const evidence = { token, fetchedAt: Math.floor(Date.now() / 1000) };
    const jwts = issued.map((sdJwt) => sdJwt.split('~')[0]!);
    const kid = (jwt: string) =>
      (JSON.parse(Buffer.from(jwt.split('.')[0]!, 'base64url').toString()) as { kid: string }).kid;
    const keys = new Map<string, Awaited<ReturnType<typeof importJWK>>>();
    for (const jwt of jwts) {
      if (!keys.has(kid(jwt)))
        keys.set(kid(jwt), await importJWK(jwks.find((k) => k.kid === kid(jwt))!, 'ES256'));
    }
    const options = { issuerKeys: () => jwks, statusList: () => evidence };
    for (const sdJwt of issued) {
      if ((await verifyLicence(sdJwt, options)).verdict !== 'valid')
        throw new Error('the bench licences must verify');
    }
    const ours = async (n: number) => {
      for (let i = 0; i < n; i++) await verifyLicence(issued[i % issued.length]!, options);
    };
    const raw = async (n: number) => {
      for (let i = 0; i < n; i++) {
        const jwt = jwts[i % jwts.length]!;
        await compactVerify(jwt, keys.get(kid(jwt))!, { algorithms: ['ES256'] });
      }
    };
    const timed = async (run: (n: number) => Promise<void>) => {
      const t = performance.now();
      await run(verifications);
      return (verifications / (performance.now() - t)) * 1000;
    };
    // Warm-up, not recorded; then alternate.
    await ours(Math.max(50, verifications / 5));
    await raw(Math.max(50, verifications / 5));
    const oursRates: number[] = [];
    const rawRates: number[] = [];
    for (let r = 0; r < runs; r++) {
      if (r % 2) {
        rawRates.push(await timed(raw));
        oursRates.push(await timed(ours));
      } else {
        oursRates.push(await timed(ours));
        rawRates.push(await timed(raw));
      }
    }

    // A full list with 1% of entries revoked, for the size a busy issuer publishes.
    const bytes = new Uint8Array((LIST_SIZE * 2) / 8);
    for (let i = 0; i < LIST_SIZE / 100; i++)
      setStatusBits(bytes, Math.floor(Math.random() * LIST_SIZE), STATUS.revoked);
    const busy = await signStatusList(await keyring.signer('status-list'), {
      sub: `${ISSUER}/licences/status/1`,
      iat: 0,
      exp: 1,
      ttl: 300,
      lst: encodeList(bytes),
    });
    doc.destroy();
    return {
      verifyPerSecond: oursRates,
      rawJosePerSecond: rawRates,
      licences: issued.length,
      issuePerSecond,
      licenceBytes: Buffer.byteLength(licence.sdJwt),
      statusListBytes: Buffer.byteLength(token),
      statusListOnePercentBytes: Buffer.byteLength(busy),
    };
  } finally {
    await store.stop();
  }
};
