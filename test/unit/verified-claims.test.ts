import { describe, expect, it } from 'vitest';
import type { VerifiedIdentity } from '../../libs/accounts/index.ts';
import { TRUST_FRAMEWORK } from '../../libs/identity/index.ts';
import { verifiedClaimsOf, verifiedClaimsRequestProblem } from '../../libs/identity/verified-claims.ts';

const proved: VerifiedIdentity = {
  ial: 2,
  personRef: `person#${'a'.repeat(43)}`,
  residentIdMasked: '1101**********002X',
  name: '张三',
  birthDate: '1990-03-07',
  verifiedAt: '2026-11-30T08:15:42.123Z',
  method: 'registry',
  evidence: ['registry-record', 'phone'],
};
const NOW = new Date('2026-12-01T00:00:00Z');
const withScope = { scopes: ['openid', 'identity'], now: NOW };

describe('verified_claims (OpenID Connect for Identity Assurance)', () => {
  it('gives a site with the identity scope the framework, level, time and the verified name and birth date', () => {
    expect(verifiedClaimsOf(proved, withScope)).toEqual({
      verification: {
        trust_framework: TRUST_FRAMEWORK,
        assurance_level: 'urn:yitong:ial:2',
        time: '2026-11-30T08:15:42Z',
      },
      claims: { name: '张三', birthdate: '1990-03-07' },
    });
  });

  it('gives nothing without the identity scope, and nothing for a self-asserted account', () => {
    expect(
      verifiedClaimsOf(proved, { scopes: ['openid', 'profile'], request: { claims: { name: null } } }),
    ).toBe(undefined);
    expect(verifiedClaimsOf(undefined, withScope)).toBeUndefined();
  });

  it('never carries the resident ID number, masked or not, whatever is asked', () => {
    const asked = {
      verification: { evidence: null },
      claims: { name: null, resident_id: null, id_number: null },
    };
    const text = JSON.stringify(verifiedClaimsOf(proved, { ...withScope, request: asked }));
    expect(text).not.toMatch(/1101|002X|person#/);
    expect(JSON.parse(text).claims).toEqual({ name: '张三' });
  });

  it('narrows to what a request names, and adds evidence only when asked', () => {
    const answer = verifiedClaimsOf(proved, {
      ...withScope,
      request: { verification: { trust_framework: null, evidence: null }, claims: { birthdate: null } },
    });
    expect(answer?.claims).toEqual({ birthdate: '1990-03-07' });
    expect(answer?.verification).toHaveProperty('evidence', [
      expect.objectContaining({ type: 'electronic_record', record: { type: 'population_register' } }),
      expect.objectContaining({ type: 'electronic_record', record: { type: 'mobile_phone_register' } }),
    ]);
  });

  it('leaves the element out when the framework, the level or the age asked for does not match', () => {
    const ask = (verification: Record<string, unknown>) =>
      verifiedClaimsOf(proved, { ...withScope, request: { verification, claims: { name: null } } });
    expect(ask({ trust_framework: { value: 'eidas' } })).toBeUndefined();
    expect(ask({ assurance_level: { value: 'urn:yitong:ial:3' } })).toBeUndefined();
    expect(ask({ time: { max_age: 3600 } })).toBeUndefined();
    expect(ask({ assurance_level: { values: ['urn:yitong:ial:2', 'urn:yitong:ial:3'] } })).toBeDefined();
    expect(ask({ time: { max_age: 86_400 } })).toBeDefined();
    // Nothing asked for that yitong verifies (a split name is not one of them).
    expect(
      verifiedClaimsOf(proved, { ...withScope, request: { verification: {}, claims: { given_name: null } } }),
    ).toBeUndefined();
  });

  it('answers the first of several alternatives it can', () => {
    const answer = verifiedClaimsOf(proved, {
      ...withScope,
      request: [
        { verification: { trust_framework: { value: 'eidas' } }, claims: { name: null } },
        { verification: { trust_framework: { value: TRUST_FRAMEWORK } }, claims: { birthdate: null } },
      ],
    });
    expect(answer?.claims).toEqual({ birthdate: '1990-03-07' });
  });

  it('names what is malformed in a claims request, so the authorization request is refused clearly', () => {
    expect(verifiedClaimsRequestProblem({ id_token: { verified_claims: { claims: {} } } })).toMatch(
      /verification object/,
    );
    expect(
      verifiedClaimsRequestProblem({ userinfo: { verified_claims: { verification: {}, claims: {} } } }),
    ).toMatch(/non-empty claims/);
    expect(verifiedClaimsRequestProblem({ userinfo: { verified_claims: [] } })).toMatch(/at least one/);
    expect(
      verifiedClaimsRequestProblem({
        id_token: { verified_claims: { verification: {}, claims: { name: null } } },
      }),
    ).toBeUndefined();
    expect(verifiedClaimsRequestProblem({ id_token: { email: null } })).toBeUndefined();
  });
});
