import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { beforeEach, describe, expect, it } from 'vitest';
import { COOKIE_KEYS_KEPT, loadCookieKeys, rotateCookieKeys } from '../../libs/keys/index.ts';
import { freshTables } from '../support/tables.ts';

let doc: DynamoDBDocumentClient;
let table: string;

beforeEach(async () => {
  const fresh = await freshTables();
  doc = fresh.doc;
  table = fresh.tables.identity;
});

describe('cookie signing keys', () => {
  it('are created once, and every instance starting at the same time agrees on them', async () => {
    const results = await Promise.all(Array.from({ length: 8 }, () => loadCookieKeys(doc, table)));
    expect(new Set(results.map((keys) => keys.join()))).toHaveProperty('size', 1);
    expect(results[0]![0]!.length).toBeGreaterThanOrEqual(32);
    expect(await loadCookieKeys(doc, table)).toEqual(results[0]);
  });

  it('rotate by putting a new key first and keeping the newest few', async () => {
    const original = await loadCookieKeys(doc, table);
    const rotated = await rotateCookieKeys(doc, table);
    expect(rotated).toHaveLength(2);
    expect(rotated[1]).toBe(original[0]);
    for (let i = 0; i < 5; i++) await rotateCookieKeys(doc, table);
    const kept = await loadCookieKeys(doc, table);
    expect(kept).toHaveLength(COOKIE_KEYS_KEPT);
    expect(kept).not.toContain(original[0]);
  });
});
