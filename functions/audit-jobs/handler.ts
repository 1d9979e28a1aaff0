import { S3Client } from '@aws-sdk/client-s3';
import { configFromEnv } from '../../libs/config/index.ts';
import { createRuntime } from '../../libs/runtime/index.ts';
import { makeHandler, S3AuditArchive } from './app.ts';

/** Lambda entry: checkpoints on a schedule, archive from the audit table's stream. */
const bucket = process.env.AUDIT_ARCHIVE_BUCKET;
export const handler = await makeHandler(await createRuntime(configFromEnv(process.env)), {
  archive: bucket ? new S3AuditArchive(new S3Client({}), bucket) : undefined,
});
