/**
 * Licence verification against raw jose on the same licences: yitong's verifier (signature,
 * disclosures, licence id, status from a cached list) next to jose's `compactVerify` of the same
 * issuer-signed JWTs. Warm-up first, then runs alternating which goes first, each reported as
 * min/median/max verifications per second and the ratio of medians.
 *
 *   npx tsx bench/licence-verify.ts [runs=7] [perRun=4000]
 */
import { compactVerify, importJWK, type JWK } from 'jose';
import { startEmbeddedStore } from '../infra/local/embedded-store.ts';
import { DEMO_DRIVING_PERMIT_CLAIMS, DEMO_LICENCE_TYPES, DEMO_ZHANG_SAN_ID } from '../infra/local/seed.ts';
import { IdentityHasher } from '../libs/identity/index.ts';
import { LocalKeyring, LocalSecretStore } from '../libs/keys/index.ts';
import { LicenceService, verifyLicence } from '../libs/licences/index.ts';
import { createDynamoClient, ensureTables } from '../libs/store/index.ts';

const ISSUER = 'https://id.gov.example';
const runs = Number(process.argv[2] ?? 7);
const perRun = Number(process.argv[3] ?? 4000);

const store = await startEmbeddedStore();
const doc = createDynamoClient({ endpoint: store.endpoint });
const tables = { identity: 'v-identity', licences: 'v-licences', audit: 'v-audit' };
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
const licences: string[] = [];
for (let i = 0; i < 16; i++)
  licences.push(
    (
      await service.issue(
        { type: type.typeId, holder: { residentId: DEMO_ZHANG_SAN_ID }, claims: DEMO_DRIVING_PERMIT_CLAIMS },
        `verify-bench-${i}`,
        { id: 'bench', department: 'transport' },
        type,
      )
    ).licence.sdJwt,
  );
const jwks = (await service.jwks()).keys as unknown as JWK[];
const list = Number(
  JSON.parse(Buffer.from(licences[0]!.split('.')[1]!, 'base64url').toString())
    .status.status_list.uri.split('/')
    .at(-1),
);
const evidence = {
  token: (await service.statusLists.token(ISSUER, list, await keyring.signer('status-list')))!,
  fetchedAt: Math.floor(Date.now() / 1000),
};
const options = { issuerKeys: () => jwks, statusList: () => evidence };
const jwts = licences.map((l) => l.split('~')[0]!);
const kid = JSON.parse(Buffer.from(jwts[0]!.split('.')[0]!, 'base64url').toString()).kid as string;
const key = await importJWK(jwks.find((k) => k.kid === kid)!, 'ES256');
doc.destroy();
await store.close();

const ours = async () => {
  for (let i = 0; i < perRun; i++) {
    const r = await verifyLicence(licences[i % licences.length]!, options);
    if (r.verdict !== 'valid') throw new Error(`not valid: ${r.reason}`);
  }
};
const raw = async () => {
  for (let i = 0; i < perRun; i++)
    await compactVerify(jwts[i % jwts.length]!, key, { algorithms: ['ES256'] });
};
/** Verifications per wall second and per CPU second (the process's, thread pool included). */
const timed = async (fn: () => Promise<void>) => {
  const t = performance.now();
  const cpu = process.cpuUsage();
  await fn();
  const used = process.cpuUsage(cpu);
  return {
    wall: (perRun / (performance.now() - t)) * 1000,
    cpu: (perRun / ((used.user + used.system) / 1000)) * 1000,
  };
};

// Warm-up: both paths, JIT and caches.
await ours();
await raw();
const yitong: { wall: number; cpu: number }[] = [];
const jose: { wall: number; cpu: number }[] = [];
for (let run = 0; run < runs; run++) {
  if (run % 2 === 0) {
    yitong.push(await timed(ours));
    jose.push(await timed(raw));
  } else {
    jose.push(await timed(raw));
    yitong.push(await timed(ours));
  }
}
const stats = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return { min: s[0]!, median: s[Math.floor(s.length / 2)]!, max: s.at(-1)! };
};
const f = (n: number) => n.toFixed(0).padStart(6);
console.log(`runs ${runs} x ${perRun} verifications, ${licences.length} licences, Node ${process.version}`);
for (const measure of ['wall', 'cpu'] as const) {
  const a = stats(yitong.map((x) => x[measure]));
  const b = stats(jose.map((x) => x[measure]));
  const r = stats(yitong.map((y, i) => y[measure] / jose[i]![measure]));
  console.log(`per ${measure} second`);
  console.log(`  yitong verifyLicence   min ${f(a.min)}  median ${f(a.median)}  max ${f(a.max)}`);
  console.log(`  raw jose compactVerify min ${f(b.min)}  median ${f(b.median)}  max ${f(b.max)}`);
  console.log(
    `  ratio (same run)       min ${r.min.toFixed(2)}  median ${r.median.toFixed(2)}  max ${r.max.toFixed(2)}`,
  );
}
