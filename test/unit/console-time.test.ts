import { describe, expect, it } from 'vitest';
import { consoleInstantOf } from '../../functions/audit/console.ts';
import { consoleTime } from '../../functions/audit/console-views.ts';

describe('times in the security console (China Standard Time, UTC+8)', () => {
  it('reads a typed date as the whole of that day in Beijing', () => {
    expect(consoleInstantOf('2026-11-28', 'start')).toBe('2026-11-27T16:00:00.000Z');
    expect(consoleInstantOf('2026-11-28', 'end')).toBe('2026-11-28T15:59:59.999Z');
  });

  it('reads a typed date and time to the minute, and a full ISO time as written', () => {
    expect(consoleInstantOf('2026-11-28 14:30', 'start')).toBe('2026-11-28T06:30:00.000Z');
    expect(consoleInstantOf('2026-11-28T14:30', 'end')).toBe('2026-11-28T06:30:59.999Z');
    expect(consoleInstantOf('2026-11-28T00:00:00Z', 'start')).toBe('2026-11-28T00:00:00.000Z');
  });

  it('refuses what is not a time', () => {
    for (const bad of ['2026-13-45', '2026-02-30', '2026-11-28 25:00', 'yesterday', '28/11/2026']) {
      expect(consoleInstantOf(bad, 'start')).toBeUndefined();
    }
  });

  it('shows a moment in Beijing time with the zone named, in either language', () => {
    // As every page writes times (one format per language), to the second.
    expect(consoleTime('en', '2026-11-28T06:30:05Z')).toBe(
      '28 November 2026 at 2:30:05pm (Beijing time, UTC+8)',
    );
    expect(consoleTime('zh-CN', '2026-11-28T06:30:05Z')).toBe('2026年11月28日 14:30:05（北京时间）');
  });
});
