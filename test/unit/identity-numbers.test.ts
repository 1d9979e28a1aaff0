import { describe, expect, it } from 'vitest';
import { DEMO_COMPANIES, DEMO_RESIDENTS } from '../../infra/local/registry-twin.ts';
import { isUscc } from '../../libs/departments/index.ts';
import {
  maskResidentId,
  normaliseResidentId,
  parseIal,
  ResidentId,
  residentIdFacts,
  residentIdProblem,
} from '../../libs/identity/index.ts';

describe('resident ID numbers (GB 11643)', () => {
  it('accepts the standard example and reads its birth date and sex', () => {
    // The example number of GB 11643-1999's annex.
    expect(residentIdProblem('11010519491231002X')).toBeUndefined();
    expect(residentIdFacts('11010519491231002X')).toEqual({ birthDate: '1949-12-31', sex: 'female' });
  });

  it('refuses a wrong check character, naming it', () => {
    expect(residentIdProblem('110105194912310021')).toMatch(/check digit/);
  });

  it('refuses an impossible birth date and a wrong length', () => {
    expect(residentIdProblem('11010519490231002X')).toMatch(/birth date/);
    expect(residentIdProblem('1101051949123100')).toMatch(/18 characters/);
  });

  it('folds what people type: full-width digits, spaces, a lower-case x', () => {
    expect(normaliseResidentId(' １１０１０５ 19491231002x')).toBe('11010519491231002X');
    expect(ResidentId.safeParse('11010519491231002x').success).toBe(true);
    expect(ResidentId.safeParse('110105194912310021').success).toBe(false);
  });

  it('masks everything but the region prefix and the sequence, never the birth date', () => {
    expect(maskResidentId('11010519491231002X')).toBe('1101**********002X');
  });

  it('every demo resident and company number is valid', () => {
    for (const r of DEMO_RESIDENTS) expect(residentIdProblem(r.residentId), r.name).toBeUndefined();
    for (const c of DEMO_COMPANIES) expect(isUscc(c.uscc), c.name).toBe(true);
  });
});

describe('identity assurance levels', () => {
  it('reads a level from its URI or number and nothing else', () => {
    expect(parseIal('urn:yitong:ial:2')).toBe(2);
    expect(parseIal(3)).toBe(3);
    expect(parseIal('urn:yitong:loa:2')).toBeUndefined();
    expect(parseIal(4)).toBeUndefined();
  });
});
