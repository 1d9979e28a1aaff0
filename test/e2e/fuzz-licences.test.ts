import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type LocalStack, startLocalStack } from '../../infra/local/stack.ts';
import { machineToken } from '../../testkit/oidc-flow.ts';
import { auditEvents } from '../support/audit.ts';
import { deep, jsonValue, nasty, RUNS } from '../support/fuzz.ts';

/**
 * Property-based bad input against the licence endpoints: whatever arrives — malformed JSON,
 * wrong types, deep nesting, odd unicode, injection strings, huge bodies, forged tokens —
 * the answer is a clear 4xx (problem+json naming what was wrong) or a verdict, never a 5xx,
 * and no rejected request issues a licence. FUZZ_RUNS raises the count.
 */
let stack: LocalStack;
let token: string;

const post = (path: string, body: string, headers: Record<string, string> = {}) =>
  fetch(`${stack.urls.extranet}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${token}`, ...headers },
    body,
  });

const expectClear4xxOrOk = async (res: Response) => {
  expect(res.status).toBeLessThan(500);
  if (res.status >= 400) {
    expect(res.headers.get('content-type')).toBe('application/problem+json');
    const problem = (await res.json()) as { detail?: string };
    expect(typeof problem.detail).toBe('string');
  } else {
    await res.arrayBuffer();
  }
};

beforeAll(async () => {
  stack = await startLocalStack({
    memory: true,
    ports: { public: 0, extranet: 0, intranet: 0 },
    demoSites: false,
  });
  token = await machineToken(stack);
});
afterAll(() => stack?.stop());

describe('fuzzing the licence endpoints', () => {
  it('POST /licences answers every malformed issuance with a clear 4xx and issues nothing', async () => {
    const issuedBefore = (await auditEvents(stack)).filter((e) => e.type === 'licence.issued').length;
    const body = fc.oneof(
      nasty,
      deep,
      jsonValue.map((v) => JSON.stringify(v)),
      fc
        .record({
          type: fc.oneof(fc.constant('driving-permit'), nasty, jsonValue),
          holder: fc.oneof(
            fc.record({ residentId: fc.oneof(nasty, jsonValue) }),
            fc.record({ uscc: fc.oneof(nasty, jsonValue) }),
            fc.record({ loginName: fc.oneof(nasty, jsonValue) }),
            jsonValue,
          ),
          claims: fc.oneof(fc.dictionary(fc.string(), jsonValue), jsonValue),
          validFrom: fc.oneof(nasty, fc.constant('2026-02-30')),
        })
        .map((v) => JSON.stringify(v)),
    );
    await fc.assert(
      // Header values can only carry Latin-1 (fetch refuses more), so keys are printable ASCII.
      fc.asyncProperty(
        body,
        fc.option(fc.stringMatching(/^[\x20-\x7e]{0,200}$/), { nil: undefined }),
        async (text, key) => {
          const res = await post(
            '/licences',
            text,
            key === undefined ? {} : { 'idempotency-key': key.slice(0, 200) },
          );
          expect(res.status).not.toBe(201);
          await expectClear4xxOrOk(res);
        },
      ),
      { numRuns: RUNS },
    );
    const issuedAfter = (await auditEvents(stack)).filter((e) => e.type === 'licence.issued').length;
    expect(issuedAfter).toBe(issuedBefore);
  }, 120_000);

  it('POST /licences/verify answers anything with a verdict or a clear 4xx', async () => {
    const licence = fc.oneof(
      nasty,
      fc.array(fc.base64String(), { maxLength: 6 }).map((parts) => `${parts.join('.')}~${parts.join('~')}~`),
    );
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(
          fc
            .record({ licence, verifier: fc.oneof(nasty, jsonValue), purpose: fc.oneof(nasty, jsonValue) })
            .map((v) => JSON.stringify(v)),
          nasty,
          deep,
        ),
        async (text) => {
          const res = await post('/licences/verify', text);
          if (res.status === 200) {
            const verdict = (await res.json()) as { verdict: string; reason?: string };
            expect(['invalid', 'valid', 'revoked', 'suspended', 'expired', 'not_yet_valid']).toContain(
              verdict.verdict,
            );
          } else {
            await expectClear4xxOrOk(res);
          }
        },
      ),
      { numRuns: RUNS },
    );
  }, 120_000);

  it('status changes and status lists refuse odd ids and bodies with 4xx', async () => {
    await fc.assert(
      fc.asyncProperty(nasty, jsonValue, async (raw, body) => {
        // A lone surrogate cannot be put in a URL at all.
        const id = raw.isWellFormed() ? raw : 'x';
        const res = await post(
          `/licences/${encodeURIComponent(id.slice(0, 300))}/status`,
          JSON.stringify(body),
        );
        await expectClear4xxOrOk(res);
        const list = await fetch(
          `${stack.urls.public}/licences/status/${encodeURIComponent(id.slice(0, 300))}`,
        );
        expect(list.status).toBeLessThan(500);
        await list.arrayBuffer();
      }),
      { numRuns: RUNS },
    );
  }, 120_000);
});
