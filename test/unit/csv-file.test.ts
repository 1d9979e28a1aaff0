import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { CsvFileError, decodeText, parseCsv } from '../../cli/csv-file.ts';

// Both fixtures hold the same rows as Excel saves them: CRLF line ends, a quoted address with a
// line break and a comma, doubled quotes, a blank line, and a name outside GBK (𠮷, four bytes
// in GB18030). "CSV UTF-8" starts with a BOM; plain "CSV" on Chinese Windows is GB18030 without one.
const fixture = (name: string) => readFile(new URL(`./fixtures/${name}`, import.meta.url));

const expectedRecords = [
  {
    line: 2,
    raw: '110105199005170011,张,三,1990-05-17,110105199005170011,"北京市西城区\r\n西长安街 1 号, 3 单元",C1',
    fields: {
      residentId: '110105199005170011',
      family_name: '张',
      given_name: '三',
      birth_date: '1990-05-17',
      id_number: '110105199005170011',
      address: '北京市西城区\r\n西长安街 1 号, 3 单元',
      vehicle_classes: 'C1',
    },
  },
  {
    line: 4,
    raw: '110105198511020011,李,四,1985-11-02,110105198511020011,"北京市东城区""东四""胡同",C1',
    fields: expect.objectContaining({
      residentId: '110105198511020011',
      family_name: '李',
      address: '北京市东城区"东四"胡同',
    }),
  },
  {
    line: 6,
    raw: '110105197903090014,𠮷,五,1979-03-09,110105197903090014,上海市,C1',
    fields: expect.objectContaining({
      residentId: '110105197903090014',
      family_name: '𠮷',
      address: '上海市',
    }),
  },
];

describe('bulk CSV files', () => {
  it('reads an Excel "CSV UTF-8" export: BOM, CRLF, a quoted line break and comma', async () => {
    const bytes = await fixture('permits-excel-utf8.csv');
    expect([...bytes.subarray(0, 3)]).toEqual([0xef, 0xbb, 0xbf]);
    const { text, encoding } = decodeText(bytes);
    expect(encoding).toBe('utf-8');
    const { columns, records } = parseCsv(text);
    expect(columns[0]).toBe('residentId');
    expect(columns).toHaveLength(7);
    expect(records).toEqual(expectedRecords);
  });

  it('reads an Excel "CSV" export from Chinese Windows as GB18030, without a BOM', async () => {
    const bytes = await fixture('permits-excel-gb18030.csv');
    // 张 is D5 C5 in GBK/GB18030; as UTF-8 these bytes are invalid.
    expect(bytes.includes(Buffer.from([0xd5, 0xc5]))).toBe(true);
    const { text, encoding } = decodeText(bytes);
    expect(encoding).toBe('gb18030');
    expect(parseCsv(text).records).toEqual(expectedRecords);
  });

  it('reads both encodings to the same rows', async () => {
    const [utf8, gb] = await Promise.all([
      fixture('permits-excel-utf8.csv'),
      fixture('permits-excel-gb18030.csv'),
    ]);
    expect(parseCsv(decodeText(gb).text)).toEqual(parseCsv(decodeText(utf8).text));
  });

  it('keeps the line numbers and text of plain one-line rows (LF, no trailing newline)', () => {
    const { records } = parseCsv('holder,address\nzhang.san,北京市\nli.si,"北京市, 东城区"');
    expect(records.map((r) => [r.line, r.raw])).toEqual([
      [2, 'zhang.san,北京市'],
      [3, 'li.si,"北京市, 东城区"'],
    ]);
  });

  it('refuses a quote left open, naming the line it started on', () => {
    const bad = 'holder,address\r\nzhang.san,北京市\r\nli.si,"北京市东城区\r\nwang.wu,上海市\r\n';
    expect(() => parseCsv(bad)).toThrow(CsvFileError);
    expect(() => parseCsv(bad)).toThrow(/^line 3: Quote Not Closed/);
  });

  it('refuses a row with more fields than the header, naming its line', () => {
    const bad = 'holder,address\r\nzhang.san,北京市\r\nli.si,北京市,东城区\r\n';
    expect(() => parseCsv(bad)).toThrow('line 3: Invalid Record Length: expect 2, got 3');
  });

  it('refuses a stray quote inside an unquoted field, naming its line', () => {
    expect(() => parseCsv('holder,address\nzhang.san,北京"市\n')).toThrow(/^line 2: /);
  });

  it('refuses an empty file', () => {
    expect(() => parseCsv('')).toThrow('the file is empty: it needs a header row');
  });

  it('refuses bytes that are neither UTF-8 nor GB18030, naming the line', () => {
    // 0xFF is never a lead byte in GB18030, and never valid in UTF-8.
    const bytes = Buffer.concat([Buffer.from('holder,address\r\nzhang.san,'), Buffer.from([0xff, 0xfe])]);
    expect(() => decodeText(bytes)).toThrow('line 2: the file is neither UTF-8 nor GB18030/GBK');
  });

  it('decodes GB18030 four-byte sequences (characters outside GBK)', () => {
    // 𠮷 (U+20BB7) is 95 34 B2 35 in GB18030.
    const { text, encoding } = decodeText(Uint8Array.from([0x95, 0x34, 0xb2, 0x35]));
    expect({ text, encoding }).toEqual({ text: '𠮷', encoding: 'gb18030' });
  });
});
