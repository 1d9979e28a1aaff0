/**
 * Licences: verifications per second (status list cached) next to a raw jose ES256
 * verification of the same issuer-signed JWT, issuance per second against the embedded
 * store, and the size of a licence and of a 131,072-entry status list.
 */
import { compactVerify, importJWK, type JWK } from 'jose';
import { startEmbeddedStore } from '../infra/local/embedded-store.ts';
import { DEMO_DRIVING_PERMIT_CLAIMS, DEMO_LICENCE_TYPES } from '../infra/local/seed.ts';
import { LocalKeyring } from '../libs/keys/index.ts';
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

export interface LicenceBench {
  readonly verifyPerSecond: number;
  readonly rawJosePerSecond: number;
  readonly issuePerSecond: number;
  readonly licenceBytes: number;
  readonly statusListBytes: number;
  readonly statusListOnePercentBytes: number;
}

const ISSUER = 'https://id.gov.example';

export const benchLicences = async (verifications: number, issuances: number): Promise<LicenceBench> => {
  const store = await startEmbeddedStore();
  try {
    const doc = createDynamoClient({ endpoint: store.endpoint });
    const tables = { identity: 'bench-identity', licences: 'bench-licences', audit: 'bench-audit' };
    await ensureTables(doc, tables);
    const keyring = new LocalKeyring(undefined);
    const service = new LicenceService({
      doc,
      table: tables.licences,
      issuer: ISSUER,
      keyring,
      holders: async () => 'holder-1',
    });
    for (const type of DEMO_LICENCE_TYPES) await service.types.put(type);
    const type = await service.typeFor('driving-permit');
    const claims = DEMO_DRIVING_PERMIT_CLAIMS;
    const caller = { id: 'transport-registry', department: 'transport' };

    // Issuance: each a fresh Idempotency-Key, through the Signer port, against the embedded store.
    const started = performance.now();
    let licence = (
      await service.issue({ type: type.typeId, holder: { loginName: 'h' }, claims }, 'bench-0', caller, type)
    ).licence;
    for (let i = 1; i < issuances; i++) {
      licence = (
        await service.issue(
          { type: type.typeId, holder: { loginName: 'h' }, claims },
          `bench-${i}`,
          caller,
          type,
        )
      ).licence;
    }
    const issuePerSecond = (issuances / (performance.now() - started)) * 1000;

    const jwks = (await service.jwks()).keys as unknown as JWK[];
    const token = (await service.statusLists.token(
      ISSUER,
      licence.statusList,
      await keyring.signer('status-list'),
    ))!;
    const evidence = { token, fetchedAt: Math.floor(Date.now() / 1000) };
    const options = { issuerKeys: () => jwks, statusList: () => evidence };
    const jwt = licence.sdJwt.split('~')[0]!;
    const key = await importJWK(
      jwks.find(
        (k) =>
          k.kid ===
          (JSON.parse(Buffer.from(jwt.split('.')[0]!, 'base64url').toString()) as { kid: string }).kid,
      )!,
      'ES256',
    );
    if ((await verifyLicence(licence.sdJwt, options)).verdict !== 'valid')
      throw new Error('the bench licence must verify');

    // Alternate batches so machine noise falls on both alike.
    let ours = 0;
    let raw = 0;
    const batch = Math.max(1, Math.floor(verifications / 10));
    for (let done = 0; done < verifications; done += batch) {
      let t = performance.now();
      for (let i = 0; i < batch; i++) await verifyLicence(licence.sdJwt, options);
      ours += performance.now() - t;
      t = performance.now();
      for (let i = 0; i < batch; i++) await compactVerify(jwt, key, { algorithms: ['ES256'] });
      raw += performance.now() - t;
    }
    const rounds = Math.ceil(verifications / batch) * batch;

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
      verifyPerSecond: (rounds / ours) * 1000,
      rawJosePerSecond: (rounds / raw) * 1000,
      issuePerSecond,
      licenceBytes: Buffer.byteLength(licence.sdJwt),
      statusListBytes: Buffer.byteLength(token),
      statusListOnePercentBytes: Buffer.byteLength(busy),
    };
  } finally {
    await store.close();
  }
};
