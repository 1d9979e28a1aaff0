/**
 * A verifier's own program, as a bank or an employer would write it: it installs
 * `@yitong/licence-verifier` and checks a licence file offline against the keys and status
 * lists it cached when it was last online, or asks the issuer (which records a receipt the
 * holder sees). Plain Node 24, no build step and no tsx: `node verify-licence.ts …`.
 *
 *   node verify-licence.ts licence.sd-jwt --trust https://id.gov.example     # online, fills the cache
 *   node verify-licence.ts licence.sd-jwt --offline                          # the cache only
 *   node verify-licence.ts licence.sd-jwt --issuer https://id.gov.example --as "Acme Car Hire" --purpose "hiring a car"
 *
 * Prints the result as JSON; exit code 0 when the licence is valid, 2 when it is not.
 */
import { readFile, writeFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import { readTrustCache, trustSources, verifyLicence, verifyOnline } from '@yitong/licence-verifier';

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    trust: { type: 'string', multiple: true, default: [] },
    offline: { type: 'boolean', default: false },
    cache: { type: 'string', default: 'trust.json' },
    issuer: { type: 'string' },
    as: { type: 'string' },
    purpose: { type: 'string' },
  },
});
const file = positionals[0];
if (!file) {
  process.stderr.write(
    'usage: node verify-licence.ts <licence file> [--trust <issuer>] [--offline] [--cache <file>]\n',
  );
  process.exit(64);
}
const licence = (await readFile(file, 'utf8')).trim();

if (values.issuer) {
  // Online at the issuer: it verifies, and the holder sees who checked and why.
  const answer = await verifyOnline(licence, {
    issuer: values.issuer,
    verifier: values.as ?? 'example verifier',
    purpose: values.purpose ?? 'checking a licence',
  });
  process.stdout.write(`${JSON.stringify(answer)}\n`);
  process.exit(answer.verdict === 'valid' ? 0 : 2);
}

// Offline-capable: the keys and status lists are kept in a JSON file between runs.
const cache = readTrustCache(await readFile(values.cache, 'utf8').then(JSON.parse, () => undefined));
const result = await verifyLicence(
  licence,
  trustSources({ trust: values.trust, cache, offline: values.offline }),
);
await writeFile(values.cache, JSON.stringify(cache), { mode: 0o600 });
process.stdout.write(`${JSON.stringify(result)}\n`);
process.exit(result.verdict === 'valid' ? 0 : 2);
