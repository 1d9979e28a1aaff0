import { describe, expect, it } from 'vitest';
import {
  ialOfClaimsRequest,
  readProofingCode,
  readProofingForm,
  requiredIal,
  residentIdCheckChar,
} from '../../libs/identity/index.ts';
import { PROOFING_CODE_WORDS } from '../../libs/proofing-pages/index.ts';

const ID = `11010119900307001${residentIdCheckChar('11010119900307001')}`;

describe('the identity level a sign-in needs', () => {
  it('reads a client minimum as a URI or a number, and ignores anything else', () => {
    expect(requiredIal('urn:yitong:ial:2')).toBe(2);
    expect(requiredIal(3)).toBe(3);
    expect(requiredIal(undefined)).toBe(1);
    expect(requiredIal('urn:yitong:ial:4')).toBe(1);
    expect(requiredIal('urn:yitong:loa:3')).toBe(1);
  });

  it('needs level 2 when the claims parameter asks for verified_claims, in the ID token or userinfo', () => {
    expect(
      ialOfClaimsRequest(JSON.stringify({ id_token: { verified_claims: { claims: { given_name: null } } } })),
    ).toBe(2);
    expect(ialOfClaimsRequest({ userinfo: { verified_claims: [{ claims: {} }] } })).toBe(2);
    expect(ialOfClaimsRequest(JSON.stringify({ id_token: { email: null } }))).toBeUndefined();
    expect(ialOfClaimsRequest('not json')).toBeUndefined();
    expect(ialOfClaimsRequest(undefined)).toBeUndefined();
  });

  it('takes the lowest assurance level a verified_claims request would accept, never below 2', () => {
    const asking = (assurance_level: unknown) =>
      JSON.stringify({ id_token: { verified_claims: { verification: { assurance_level }, claims: {} } } });
    expect(ialOfClaimsRequest(asking({ value: 'urn:yitong:ial:3' }))).toBe(3);
    expect(ialOfClaimsRequest(asking({ values: ['urn:yitong:ial:3', 'urn:yitong:ial:2'] }))).toBe(2);
    expect(ialOfClaimsRequest(asking({ value: 'urn:yitong:ial:1' }))).toBe(2);
    expect(ialOfClaimsRequest(asking({ value: 'something-else' }))).toBe(2);
  });

  it('is the higher of the client minimum and the claims request', () => {
    const claims = JSON.stringify({ userinfo: { verified_claims: { claims: {} } } });
    expect(requiredIal(undefined, claims)).toBe(2);
    expect(requiredIal('urn:yitong:ial:3', claims)).toBe(3);
  });
});

describe('the proofing form', () => {
  it('folds what people type (full-width digits, lower-case x, spaces, +86) before checking it', () => {
    const read = readProofingForm({
      name: ' 张三 ',
      residentId: ` ${ID.slice(0, 9)} ${ID.slice(9)}`,
      phone: '+86 138-0013-8001',
    });
    expect(read).toEqual({ ok: true, input: { name: '张三', residentId: ID, phone: '13800138001' } });
    const fullWidth = ID.replace(/\d/g, (d) => String.fromCharCode(0xff10 + Number(d)));
    expect(readProofingForm({ name: '张三', residentId: fullWidth, phone: '13800138001' }).ok).toBe(true);
  });

  it('says which field is wrong and how, without asking the registry', () => {
    const wrongCheck = `${ID.slice(0, 17)}${ID[17] === '0' ? '1' : '0'}`;
    expect(readProofingForm({ name: '', residentId: wrongCheck, phone: '12345' })).toEqual({
      ok: false,
      problems: [
        { field: 'name', problem: 'missing' },
        { field: 'residentId', problem: 'check' },
        { field: 'phone', problem: 'format' },
      ],
    });
    expect(readProofingForm({ name: 'x', residentId: '110101199013070012', phone: '' })).toMatchObject({
      problems: [
        { field: 'residentId', problem: 'birth-date' },
        { field: 'phone', problem: 'missing' },
      ],
    });
  });

  it('reads the counter form without a phone', () => {
    expect(readProofingForm({ name: '张三', residentId: ID }, { phone: false }).ok).toBe(true);
  });
});

describe('the proofing code form', () => {
  it('folds a code as people type it, and says which typing error it has without costing a try', () => {
    expect(readProofingCode({ proofingId: 'p1', code: ' １２３ ４５６ ' })).toEqual({
      ok: true,
      proofingId: 'p1',
      code: '123456',
    });
    expect(readProofingCode({ proofingId: 'p1', code: '' })).toEqual({ ok: false, problem: 'missing' });
    expect(readProofingCode({ proofingId: 'p1', code: '12345' })).toEqual({ ok: false, problem: 'format' });
    expect(readProofingCode({ proofingId: 'p1', code: '12345a' })).toEqual({ ok: false, problem: 'format' });
  });

  it('has its words in both languages, with the same placeholders', () => {
    const placeholders = (text: string) => [...text.matchAll(/\{(\w+)\}/g)].map((m) => m[1]).sort();
    const en = PROOFING_CODE_WORDS.en;
    const zh = PROOFING_CODE_WORDS['zh-CN'];
    expect(Object.keys(zh).sort()).toEqual(Object.keys(en).sort());
    for (const key of Object.keys(en) as (keyof typeof en)[]) {
      expect(zh[key].length, key).toBeGreaterThan(0);
      expect(placeholders(zh[key]), key).toEqual(placeholders(en[key]));
    }
  });
});
