import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { appendFile, mkdir, readFile, writeFile } from 'node:fs/promises';
import { basename, join, resolve } from 'node:path';
import { type Command, InvalidArgumentError } from 'commander';
import * as oidc from 'openid-client';
import * as z from 'zod';
import { demoClientSecretsFile } from '../infra/local/seed.ts';
import {
  readTrustCache,
  trustSources,
  type VerificationResult,
  verifyLicence,
} from '../libs/licences/index.ts';
import { target } from './accounts.ts';
import { CsvFileError, decodeText, parseCsv } from './csv-file.ts';

/** One row of a bulk file, whatever its format. */
interface Row {
  readonly line: number;
  readonly raw: string;
  readonly body: {
    type: string;
    holder: { residentId?: string; uscc?: string };
    claims: Record<string, unknown>;
    validFrom?: string;
  };
}

const TypeSchemas = z.object({
  types: z.array(
    z.object({
      vct: z.string(),
      schema: z.object({ properties: z.record(z.string(), z.object({ type: z.string() })) }),
    }),
  ),
});

/** The columns (CSV) or keys (JSONL) that name a row's holder: an identity, never a login name. */
const HOLDER_FIELDS = ['residentId', 'uscc'] as const;

/**
 * The holder a row names: a person's resident ID number (`residentId`) or a company's unified
 * social credit code (`uscc`). Whatever the row has is sent as it is, so the licence API's answer
 * (a 400 naming the field) says what is wrong with a row that has neither, both, or a bad number.
 */
const holderOf = (row: Readonly<Record<string, unknown>>): Row['body']['holder'] =>
  Object.fromEntries(
    HOLDER_FIELDS.flatMap((name) => {
      const value = row[name];
      return typeof value === 'string' && value.trim() ? [[name, value.trim()]] : [];
    }),
  );

/**
 * Reads a bulk file: JSONL (one `{"residentId" | "uscc": …, "claims": {…}, "validFrom"?}` per
 * line) or CSV (a header row: `residentId` or `uscc`, optional `validFrom`, then one column per
 * claim; values converted to the claim's type from the type's published schema).
 */
const readRows = async (
  file: string,
  typeId: string,
  properties: Record<string, { type: string }>,
): Promise<Row[]> => {
  let text: string;
  let csv: ReturnType<typeof parseCsv> | undefined;
  try {
    ({ text } = decodeText(await readFile(file)));
    if (file.endsWith('.csv')) csv = parseCsv(text);
  } catch (err: unknown) {
    if (err instanceof CsvFileError) throw new InvalidArgumentError(`${basename(file)}: ${err.message}`);
    throw err;
  }
  const rows: Row[] = [];
  if (csv) {
    if (!HOLDER_FIELDS.some((name) => csv.columns.includes(name)))
      throw new InvalidArgumentError(
        csv.columns.includes('holder')
          ? 'licences are issued to identities, not login names: replace the "holder" column with "residentId" (resident ID numbers) or "uscc" (companies)'
          : 'the CSV needs a "residentId" column (resident ID numbers) or a "uscc" column (companies)',
      );
    for (const { line, raw, fields: record } of csv.records) {
      const claims: Record<string, unknown> = {};
      for (const [name, value] of Object.entries(record)) {
        if ((HOLDER_FIELDS as readonly string[]).includes(name) || name === 'validFrom' || value === '')
          continue;
        const kind = properties[name]?.type;
        claims[name] = kind === 'integer' ? Number(value) : kind === 'boolean' ? value === 'true' : value;
      }
      rows.push({
        line,
        raw,
        body: {
          type: typeId,
          holder: holderOf(record),
          claims,
          ...(record.validFrom ? { validFrom: record.validFrom } : {}),
        },
      });
    }
    return rows;
  }
  const lines = text.split(/\r?\n/);
  for (let i = 0; i < lines.length; i++) {
    if (!lines[i]!.trim()) continue;
    let parsed: { residentId?: unknown; uscc?: unknown; claims?: unknown; validFrom?: unknown };
    try {
      parsed = JSON.parse(lines[i]!);
    } catch {
      throw new InvalidArgumentError(`line ${i + 1} is not JSON`);
    }
    rows.push({
      line: i + 1,
      raw: lines[i]!,
      body: {
        type: typeId,
        holder: holderOf(parsed),
        claims: (parsed.claims ?? {}) as Record<string, unknown>,
        ...(typeof parsed.validFrom === 'string' ? { validFrom: parsed.validFrom } : {}),
      },
    });
  }
  return rows;
};

const bar = (done: number, total: number, counts: Record<string, number>) => {
  const width = 30;
  const filled = total ? Math.round((done / total) * width) : width;
  const summary = Object.entries(counts)
    .map(([k, v]) => `${k} ${v}`)
    .join(', ');
  return `[${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${done}/${total}  ${summary}`;
};

interface IssueOptions {
  file: string;
  type: string;
  client: string;
  clientSecret?: string;
  zone: 'extranet' | 'intranet';
  baseUrl?: string;
  concurrency: number;
  dataDir: string;
}

/** `yitong licences issue --file …`: bulk issuance through the licence API, resumable. */
const bulkIssue = async (opts: IssueOptions) => {
  const file = resolve(opts.file);
  const local = opts.baseUrl ? undefined : await target({ dataDir: opts.dataDir });
  const base = (opts.baseUrl ?? local?.urls?.[opts.zone])?.replace(/\/$/, '');
  if (!base)
    throw new InvalidArgumentError('pass --base-url (the zone issuer URL), or start the local stack');
  let secret = opts.clientSecret ?? process.env.YITONG_CLIENT_SECRET;
  if (!secret && local) {
    // Local mode only: the demo machine clients' secrets are in the data folder (the store has hashes).
    const file = demoClientSecretsFile(join(resolve(opts.dataDir), 'keys'));
    const kept = existsSync(file)
      ? (JSON.parse(await readFile(file, 'utf8')) as Record<string, unknown>)
      : {};
    const value = kept[opts.client];
    secret = typeof value === 'string' ? value : undefined;
  }
  if (!secret) throw new InvalidArgumentError('pass --client-secret or set YITONG_CLIENT_SECRET');

  const insecure = base.startsWith('http://') ? { execute: [oidc.allowInsecureRequests] } : undefined;
  const config = await oidc.discovery(
    new URL(base),
    opts.client,
    undefined,
    oidc.ClientSecretBasic(secret),
    insecure,
  );
  let token: { value: string; expires: number } | undefined;
  const accessToken = async () => {
    if (!token || token.expires - Date.now() < 30_000) {
      const t = await oidc.clientCredentialsGrant(config, {
        resource: `${base}/licences`,
        scope: 'licences:issue',
      });
      token = { value: t.access_token, expires: Date.now() + (t.expires_in ?? 300) * 1000 };
    }
    return token.value;
  };

  const types = TypeSchemas.parse(await (await fetch(`${base}/licences/types`)).json());
  const type = types.types.find((t) => t.vct.includes(`/licences/types/${opts.type}/`));
  if (!type) throw new InvalidArgumentError(`there is no licence type ${opts.type}`);
  const rows = await readRows(file, opts.type, type.schema.properties);

  // Progress survives a crash: rows recorded here are not sent again; a row sent but not
  // recorded is sent again with the same Idempotency-Key and answered with the same licence.
  const progressFile = `${file}.progress.jsonl`;
  const done = new Set<number>();
  if (existsSync(progressFile)) {
    for (const line of (await readFile(progressFile, 'utf8')).split('\n').filter(Boolean)) {
      done.add((JSON.parse(line) as { line: number }).line);
    }
  }
  const fileId = createHash('sha256').update(basename(file)).digest('hex').slice(0, 12);
  const counts = { issued: 0, replayed: 0, failed: 0, skipped: done.size };
  const pending = rows.filter((r) => !done.has(r.line));
  const tty = process.stderr.isTTY;
  let finished = done.size;
  const report = () => {
    const text = bar(finished, rows.length, counts);
    if (tty) process.stderr.write(`\r${text}`);
  };
  report();
  const queue = [...pending];
  const worker = async () => {
    for (let row = queue.shift(); row; row = queue.shift()) {
      const key = `bulk-${fileId}-${row.line}-${createHash('sha256').update(row.raw).digest('hex').slice(0, 24)}`;
      let outcome: Record<string, unknown>;
      try {
        const res = await fetch(`${base}/licences`, {
          method: 'POST',
          headers: {
            authorization: `Bearer ${await accessToken()}`,
            'content-type': 'application/json',
            'idempotency-key': key,
          },
          body: JSON.stringify(row.body),
        });
        const body = (await res.json()) as Record<string, unknown>;
        if (res.status === 201 || res.status === 200) {
          if (body.replayed) counts.replayed++;
          else counts.issued++;
          outcome = { line: row.line, licence_id: body.licence_id, replayed: body.replayed === true };
        } else if (res.status >= 500 || res.status === 429) {
          // Not recorded: a re-run retries it with the same key.
          counts.failed++;
          outcome = { line: row.line, retry: true, status: res.status, detail: body.detail };
          finished++;
          report();
          await appendFile(`${file}.results.jsonl`, `${JSON.stringify(outcome)}\n`);
          continue;
        } else {
          counts.failed++;
          outcome = {
            line: row.line,
            status: res.status,
            detail: body.detail,
            'invalid-params': body['invalid-params'],
          };
        }
      } catch (err: unknown) {
        counts.failed++;
        finished++;
        report();
        await appendFile(
          `${file}.results.jsonl`,
          `${JSON.stringify({ line: row.line, retry: true, error: String(err) })}\n`,
        );
        continue;
      }
      await appendFile(`${file}.results.jsonl`, `${JSON.stringify(outcome)}\n`);
      await appendFile(progressFile, `${JSON.stringify({ line: row.line })}\n`);
      finished++;
      report();
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, opts.concurrency) }, worker));
  if (tty) process.stderr.write('\n');
  process.stdout.write(
    `${bar(finished, rows.length, counts)}\nresults in ${file}.results.jsonl; re-run the same command to retry failures and resume\n`,
  );
};

// ---- offline verification ----

const ago = (seconds: number) =>
  seconds < 120
    ? `${seconds} s`
    : seconds < 7200
      ? `${Math.round(seconds / 60)} min`
      : `${Math.round(seconds / 3600)} h`;

interface VerifyCliOptions {
  offline: boolean;
  cache: string;
  trust: string[];
}

/**
 * `yitong licences verify <file>`: online, fetches (and caches) the trusted issuer's JWKS and
 * the licence's status list; `--offline`, uses only the cache and says how old its status is.
 */
const verifyFile = async (path: string, opts: VerifyCliOptions): Promise<VerificationResult> => {
  const token = (await readFile(resolve(path), 'utf8')).trim();
  const cacheFile = join(resolve(opts.cache), 'trust.json');
  const cache = readTrustCache(await readFile(cacheFile, 'utf8').then(JSON.parse, () => undefined));
  const now = Math.floor(Date.now() / 1000);
  const result = await verifyLicence(token, {
    now,
    ...trustSources({ trust: opts.trust, cache, offline: opts.offline, now }),
  });
  await mkdir(resolve(opts.cache), { recursive: true });
  await writeFile(cacheFile, JSON.stringify(cache), { mode: 0o600 });
  return result;
};

export const licencesCommand = (program: Command): void => {
  const licences = program
    .command('licences')
    .description('Issue licences in bulk, and verify licence files');

  licences
    .command('issue')
    .description(
      'Issue licences from a CSV or JSONL file through the licence API, with a progress bar. Each row gets its own ' +
        'Idempotency-Key, so re-running the command after a crash or a failure resumes without issuing anything twice.',
    )
    .requiredOption(
      '--file <file>',
      '.csv (header: residentId or uscc,[validFrom,]<claim>…) or .jsonl ({"residentId" or "uscc","claims","validFrom"?} per line)',
    )
    .requiredOption('--type <typeId>', 'the licence type, e.g. driving-permit')
    .requiredOption('--client <clientId>', "your department's machine client")
    .option(
      '--client-secret <secret>',
      'its secret (or YITONG_CLIENT_SECRET; local mode reads the demo secret)',
    )
    .option(
      '--zone <zone>',
      'extranet or intranet',
      (v) => {
        if (v !== 'extranet' && v !== 'intranet') throw new InvalidArgumentError('extranet or intranet');
        return v;
      },
      'extranet',
    )
    .option('--base-url <url>', 'the zone issuer URL of a deployed stack (default: the running local stack)')
    .option('--concurrency <n>', 'requests in flight', (v) => Math.min(16, Math.max(1, Number(v) || 1)), 4)
    .option('--data-dir <dir>', 'data folder of the running local stack', '.yitong')
    .action(bulkIssue);

  licences
    .command('verify <file>')
    .description(
      'Verify a licence or shared presentation file: signature, disclosures, identifier, validity and status. ' +
        'Online it fetches and caches the issuer keys and status list; --offline uses only the cache and reports its age.',
    )
    .option('--offline', 'use only cached keys and status lists', false)
    .option(
      '--cache <dir>',
      'where trusted issuer keys and status lists are cached',
      join('.yitong', 'verify-cache'),
    )
    .option(
      '--trust <issuer>',
      'trust this issuer URL (repeatable; cached once fetched)',
      (v, all: string[]) => [...all, v],
      [],
    )
    .action(async (file: string, opts: VerifyCliOptions) => {
      const result = await verifyFile(file, opts);
      const lines = [
        `verdict: ${result.verdict}${result.reason ? ` (${result.reason})` : ''} — ${result.message}`,
        result.issuer ? `issuer: ${result.issuer}` : '',
        result.vct ? `type: ${result.vct}` : '',
        result.licenceId ? `licence: ${result.licenceId}` : '',
        result.status
          ? `status data: fetched ${ago(result.status.ageSeconds)} ago${result.status.stale ? ' (older than the list allows: fetch again online)' : ''}${opts.offline ? ' (offline)' : ''}`
          : '',
        ...(result.disclosed.length
          ? ['disclosed:', ...result.disclosed.map((n) => `  ${n}: ${JSON.stringify(result.claims[n])}`)]
          : []),
      ].filter(Boolean);
      process.stdout.write(`${lines.join('\n')}\n`);
      if (result.verdict !== 'valid') process.exitCode = 2;
    });
};
