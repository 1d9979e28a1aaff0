// Run in a fresh process by bench/policy.ts: what a cold start pays to decide. With
// `bundled`, the policies carry the digest the bundler records after validating them (as in a
// deployed function); without it, the engine validates them itself (as when run from source).
const { PolicyEngine, policyDigest, readPolicySources } = await import('../../libs/policy/index.ts');
const read = readPolicySources();
const sources = process.argv.includes('bundled') ? { ...read, validatedDigest: policyDigest(read) } : read;
const t0 = performance.now();
await import('@cedar-policy/cedar-wasm/nodejs');
const t1 = performance.now();
await PolicyEngine.load(sources);
const t2 = performance.now();
process.stdout.write(`${JSON.stringify({ wasmMs: t1 - t0, policiesMs: t2 - t1 })}\n`);
