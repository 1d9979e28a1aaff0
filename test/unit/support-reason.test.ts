import { describe, expect, it } from 'vitest';
import { SupportReason } from '../../functions/admin/help-desk.ts';

describe('a help-desk reason', () => {
  it('keeps what a reader sees, combining marks included, and drops what they cannot', () => {
    expect(SupportReason.parse('  Ticket 42: re\u0301sume\u0301 lost\u200b  ')).toBe(
      'Ticket 42: résumé lost',
    );
    expect(SupportReason.parse('Ticket 42 Nguye\u0302\u0303n')).toBe('Ticket 42 Nguyễn');
    expect(SupportReason.parse('\u202eTicket 4242')).toBe('Ticket 4242');
  });

  it('needs 10 visible characters: invisible ones and lone marks do not count', () => {
    for (const blank of [
      '\u200b'.repeat(11),
      '\u2800'.repeat(10),
      '\u0301'.repeat(12),
      'abc\u034f'.repeat(1),
    ])
      expect(SupportReason.safeParse(blank).success).toBe(false);
    expect(SupportReason.safeParse('x'.repeat(501)).success).toBe(false);
  });
});
