import { describe, expect, it } from 'vitest';
import { exportedEvent } from '../../functions/account/data.ts';
import { periodWords } from '../../functions/account/data-views.ts';
import type { ChainedEvent } from '../../libs/audit/index.ts';

const ME = '0b6f3c2e-8d1a-4c55-9e0f-2a7b6c1d3e4f';
const OFFICER = '7c1d2e3f-4a5b-4c6d-8e7f-9a0b1c2d3e4f';
const MY_REF = `person#${'a'.repeat(43)}`;
const THEIR_REF = `person#${'b'.repeat(43)}`;

const event = (e: Partial<ChainedEvent>): ChainedEvent =>
  ({
    v: 1,
    eventId: 'e1',
    time: '2026-11-30T10:00:00.000Z',
    month: '2026-11',
    retention: 'security',
    shard: 0,
    expiresAt: 0,
    hash: 'h',
    type: 'identity.counter_verified',
    outcome: 'success',
    zone: 'intranet',
    ...e,
  }) as ChainedEvent;

describe('an audit event in the person’s copy of their data', () => {
  const mine = new Set([ME, MY_REF]);

  it('names the person as “you” and anyone else as “another person”, never by id', () => {
    const out = exportedEvent(
      mine,
      event({
        actor: OFFICER,
        subject: ME,
        resource: `account:${ME}`,
        sourceIp: '10.1.2.3',
        userAgent: 'Edge',
      }),
    );
    expect(out).toMatchObject({ actor: 'another person', subject: 'you', resource: 'you' });
    expect(JSON.stringify(out)).not.toContain(OFFICER);
    // Where someone else acted from is theirs, not the person's.
    expect(out).not.toHaveProperty('sourceIp');
    expect(out).not.toHaveProperty('userAgent');
  });

  it('keeps the address and browser of what the person did, and services and companies by name', () => {
    const out = exportedEvent(
      mine,
      event({
        type: 'licence.shared',
        actor: ME,
        subject: THEIR_REF,
        client: 'tax-filing',
        onBehalfOf: 'company#91110000MA01ABCD1X',
        sourceIp: '203.0.113.9',
        userAgent: 'Firefox',
        details: { name: '王五' },
      }),
    );
    expect(out).toMatchObject({
      actor: 'you',
      subject: 'another person',
      service: 'tax-filing',
      onBehalfOf: 'company#91110000MA01ABCD1X',
      sourceIp: '203.0.113.9',
      userAgent: 'Firefox',
    });
    // Details may name others: they are left out.
    expect(JSON.stringify(out)).not.toContain('王五');
  });
});

describe('the cooling-off in words', () => {
  it('uses the largest unit that divides it', () => {
    expect(periodWords('en', 14 * 86_400)).toBe('14 days');
    expect(periodWords('zh-CN', 14 * 86_400)).toBe('14 天');
    expect(periodWords('en', 3600)).toBe('1 hour');
    expect(periodWords('en', 90)).toBe('90 seconds');
  });
});
