import { CsvError, parse } from 'csv-parse/sync';

/** How a bulk file's bytes were read: Excel on Chinese Windows saves "CSV" as GB18030 (GBK). */
export type TextEncodingName = 'utf-8' | 'gb18030';

/** A CSV or text file that cannot be read, naming the line where it went wrong. */
export class CsvFileError extends Error {
  override readonly name = 'CsvFileError';
  constructor(
    readonly line: number | undefined,
    message: string,
  ) {
    super(line === undefined ? message : `line ${line}: ${message}`);
  }
}

/**
 * Decodes a file's bytes: valid UTF-8 (with or without Excel's "CSV UTF-8" BOM) is UTF-8;
 * anything else is read as GB18030, the superset of GBK that Excel's plain "CSV" uses on
 * Chinese Windows. GB18030 maps every byte sequence, so a file in a third encoding is caught by
 * the replacement characters it decodes to, not silently misread.
 */
export const decodeText = (bytes: Uint8Array): { text: string; encoding: TextEncodingName } => {
  try {
    // The decoder drops a leading UTF-8 BOM.
    return { text: new TextDecoder('utf-8', { fatal: true }).decode(bytes), encoding: 'utf-8' };
  } catch {
    let text: string;
    try {
      text = new TextDecoder('gb18030', { fatal: true }).decode(bytes);
    } catch {
      const at = firstBadLine(bytes);
      throw new CsvFileError(at, 'the file is neither UTF-8 nor GB18030/GBK; save it as "CSV UTF-8"');
    }
    // GB18030's own byte order mark decodes to U+FEFF.
    return { text: text.replace(/^\uFEFF/, ''), encoding: 'gb18030' };
  }
};

/** The line of the first byte sequence that is not UTF-8, for the error message. */
const firstBadLine = (bytes: Uint8Array): number => {
  const decoded = new TextDecoder('utf-8').decode(bytes);
  const bad = decoded.indexOf('\uFFFD');
  return bad < 0 ? 1 : decoded.slice(0, bad).split('\n').length;
};

/** One data row of a CSV file: the line it starts on, its text, and its fields by column name. */
export interface CsvRecord {
  readonly line: number;
  readonly raw: string;
  readonly fields: Readonly<Record<string, string>>;
}

const lineBreaks = (text: string): number => text.match(/\r\n|\r|\n/g)?.length ?? 0;
const leadingBlankLines = (text: string): string => text.match(/^(?:\r\n|\r|\n)*/)?.[0] ?? '';

/**
 * Parses CSV text the way Excel writes it (RFC 4180): a header row names the columns; fields
 * may be quoted, with `""` for a quote and commas and line breaks (CRLF or LF) inside quotes;
 * blank lines are skipped. A malformed file is refused whole, naming the line.
 */
export const parseCsv = (text: string): { columns: string[]; records: CsvRecord[] } => {
  const body = Buffer.from(text.replace(/^\uFEFF/, ''), 'utf8');
  let rows: string[][];
  // Where each record ends, in bytes of `body`: the text between two ends is a record as written.
  const ends: number[] = [];
  try {
    rows = parse(body, {
      skip_empty_lines: true,
      relax_column_count: false,
      on_record: (record, context) => {
        ends.push(context.bytes);
        return record;
      },
    });
  } catch (err: unknown) {
    if (err instanceof CsvError) {
      // Name the line the bad record starts on (csv-parse names where it gave up: for a quote
      // left open, the end of the file).
      const parsedUpTo = ends.at(-1) ?? 0;
      const rest = body.subarray(parsedUpTo).toString('utf8');
      const line =
        lineBreaks(body.subarray(0, parsedUpTo).toString('utf8')) + lineBreaks(leadingBlankLines(rest)) + 1;
      throw new CsvFileError(line, err.message.replace(/ (at|on) line \d+/, ''));
    }
    throw err;
  }
  const [header, ...data] = rows;
  if (!header) throw new CsvFileError(undefined, 'the file is empty: it needs a header row');
  const columns = header.map((c) => c.trim());
  const records: CsvRecord[] = [];
  let end = ends[0]!;
  let linesBefore = lineBreaks(body.subarray(0, end).toString('utf8'));
  data.forEach((record, i) => {
    const chunk = body.subarray(end, ends[i + 1]).toString('utf8');
    const leading = leadingBlankLines(chunk);
    records.push({
      line: linesBefore + lineBreaks(leading) + 1,
      raw: chunk.slice(leading.length).replace(/(?:\r\n|\r|\n)$/, ''),
      fields: Object.fromEntries(columns.map((name, j) => [name, record[j] ?? ''])),
    });
    linesBefore += lineBreaks(chunk);
    end = ends[i + 1]!;
  });
  return { columns, records };
};
