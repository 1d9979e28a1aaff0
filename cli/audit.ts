import { createWriteStream } from 'node:fs';
import { join, resolve } from 'node:path';
import { KMSClient } from '@aws-sdk/client-kms';
import type { Command } from 'commander';
import {
  AuditFilter,
  AuditQuery,
  AuditSealer,
  AuditTrail,
  createCheckpoint,
  csvHeader,
  toCsvRows,
  toJsonl,
  verifyTrail,
} from '../libs/audit/index.ts';
import { type Keyring, KmsKeyring, LocalKeyring } from '../libs/keys/index.ts';
import { createDynamoClient } from '../libs/store/index.ts';
import { target } from './accounts.ts';

interface TargetOptions {
  dataDir: string;
  endpoint?: string;
  tablePrefix?: string;
  checkpointKey?: string;
}

const withTarget = (command: Command) =>
  command
    .option('--data-dir <dir>', 'data folder of the running local stack', '.yitong')
    .option(
      '--table-prefix <prefix>',
      'a deployed stack: its table name prefix (AWS credentials from the environment)',
    )
    .option('--endpoint <url>', 'DynamoDB endpoint with --table-prefix (default: AWS)');

const open = async (opts: TargetOptions) => {
  const where = await target(opts);
  const doc = createDynamoClient({ endpoint: where.dynamodbEndpoint });
  // Locally the dev keys sit in the data folder; a deployed stack's key is in KMS.
  const keyring: Keyring = opts.tablePrefix
    ? new KmsKeyring(new KMSClient({}), { 'audit-checkpoint': opts.checkpointKey })
    : new LocalKeyring(join(resolve(opts.dataDir), 'keys'));
  return { doc, table: where.tables.audit, keyring, trail: new AuditTrail(doc, where.tables.audit) };
};

/** `yitong audit …`: verify, export and checkpoint the audit trail from a terminal. */
export const auditCommand = (program: Command): void => {
  const audit = program.command('audit').description('Verify and export the tamper-evident audit trail');

  withTarget(
    audit
      .command('verify')
      .description(
        'Walk the chain of signed checkpoints, then every chain of seals and the events they list, against ' +
          'the newest genuine checkpoint; names the first altered, removed, inserted or unsealed event of each ' +
          'chain and any replayed, missing or stale checkpoint. Exits 1 when the trail is not intact.',
      ),
  )
    .option(
      '--checkpoint-key <arn>',
      'with --table-prefix: the audit-checkpoint KMS key (alias/yitong-audit-checkpoint)',
    )
    .option(
      '--checkpoint-every <seconds>',
      'how often checkpoints are signed (default: 900 for a deployed stack, 60 for the local one)',
    )
    .option('--json', 'print the full result as JSON', false)
    .action(async (opts: TargetOptions & { json: boolean; checkpointEvery?: string }) => {
      const { doc, table, keyring, trail } = await open(opts);
      const every = opts.checkpointEvery ? Number(opts.checkpointEvery) : opts.tablePrefix ? 900 : 60;
      if (!Number.isInteger(every) || every <= 0)
        throw new Error('--checkpoint-every is a number of seconds');
      const result = await verifyTrail({ doc, table, trail, keyring, checkpointEverySeconds: every });
      if (opts.json) {
        process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
      } else {
        const cp = result.checkpoint;
        process.stdout.write(
          cp
            ? `newest checkpoint ${cp.seq} (${cp.checkpointId}) signed ${cp.createdAt}, key ${cp.kid}; ${result.checkpoints.verified} checkpoints verified and linked\n`
            : 'no signed checkpoint yet: chains are checked by their links only\n',
        );
        for (const p of result.checkpoints.problems)
          process.stdout.write(
            `BROKEN  checkpoints — ${p.kind} at ${Number.isNaN(p.seq) ? 'a key outside the sequence' : p.seq}: ${p.message}\n`,
          );
        for (const c of result.chains) {
          const range = c.verified ? `seals ${c.from}–${c.head.seq}, ${c.events} events` : 'empty';
          const signed = c.signedHead ? `, signed up to ${c.signedHead.seq}, ${c.unsigned} after` : '';
          process.stdout.write(
            `${c.ok ? 'ok      ' : 'BROKEN  '}${c.chain.padEnd(20)} ${range}${signed}${c.problem ? ` — ${c.problem.kind} at ${c.problem.seq}: ${c.problem.message}` : ''}\n`,
          );
        }
        process.stdout.write(result.ok ? 'the audit trail is intact\n' : 'the audit trail is NOT intact\n');
      }
      if (!result.ok) process.exitCode = 1;
    });

  withTarget(
    audit
      .command('export')
      .description(
        'Write the events a filter matches, newest first, as JSONL or CSV (read from the indexes, never a scan)',
      ),
  )
    .requiredOption('--out <file>', 'file to write')
    .option('--format <format>', 'jsonl or csv', 'jsonl')
    .option('--actor <id>')
    .option('--subject <id>')
    .option('--client <id>')
    .option('--type <type>', 'event type, e.g. login.failure')
    .option('--outcome <outcome>', 'success, failure or denied')
    .option('--zone <zone>', 'public, extranet or intranet')
    .option('--from <time>', 'ISO 8601 start')
    .option('--to <time>', 'ISO 8601 end')
    .action(
      async (opts: TargetOptions & Record<string, string | undefined> & { out: string; format: string }) => {
        if (opts.format !== 'jsonl' && opts.format !== 'csv') throw new Error('--format is jsonl or csv');
        const parsed = AuditFilter.safeParse(
          Object.fromEntries(
            ['actor', 'subject', 'client', 'type', 'outcome', 'zone', 'from', 'to']
              .filter((k) => opts[k] !== undefined)
              .map((k) => [k, opts[k]]),
          ),
        );
        if (!parsed.success)
          throw new Error(parsed.error.issues.map((i) => `--${i.path.join('.')}: ${i.message}`).join('; '));
        const { doc, table } = await open(opts as TargetOptions);
        const query = new AuditQuery(doc, table);
        const out = createWriteStream(opts.out);
        const write = (text: string) =>
          new Promise<void>((done, fail) => out.write(text, (err) => (err ? fail(err) : done())));
        const started = performance.now();
        if (opts.format === 'csv') await write(csvHeader());
        let cursor: string | undefined;
        let count = 0;
        do {
          const page = await query.search(parsed.data, { limit: 1000, cursor });
          await write(opts.format === 'csv' ? toCsvRows(page.events) : toJsonl(page.events));
          count += page.events.length;
          cursor = page.next;
        } while (cursor);
        await new Promise<void>((done) => out.end(done));
        const seconds = (performance.now() - started) / 1000;
        process.stdout.write(
          `${count} events written to ${opts.out} in ${seconds.toFixed(2)} s (${Math.round(count / Math.max(seconds, 0.001))}/s)\n`,
        );
      },
    );

  audit
    .command('checkpoint')
    .description(
      'Seal what is pending and sign a checkpoint of every chain head now (local stack; the deployed stack ' +
        'signs every 15 minutes from its audit-jobs function, the only holder of kms:Sign on the checkpoint key)',
    )
    .option('--data-dir <dir>', 'data folder of the running local stack', '.yitong')
    .option(
      '--new-chain',
      'start a new chain of checkpoints although older seals exist (only after investigating why none is left)',
      false,
    )
    .action(async (opts: { dataDir: string; newChain: boolean }) => {
      const { doc, table, keyring, trail } = await open(opts);
      const sealed = await new AuditSealer(doc, table).sealPending();
      const { checkpoint } = await createCheckpoint({
        doc,
        table,
        trail,
        keyring,
        signer: await keyring.signer('audit-checkpoint'),
        checkpointEverySeconds: 60,
        newChain: opts.newChain,
      });
      process.stdout.write(
        `sealed ${sealed.sealed} pending events; signed checkpoint ${checkpoint.seq} (${checkpoint.checkpointId}, ${checkpoint.createdAt}) over ${checkpoint.heads.length} chains\n`,
      );
    });
};
