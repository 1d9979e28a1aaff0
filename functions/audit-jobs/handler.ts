import { S3Client } from '@aws-sdk/client-s3';
import middy from '@middy/core';
import { configFromEnv } from '../../libs/config/index.ts';
import { lambdaTracing, traced } from '../../libs/observability/index.ts';
import { createRuntime } from '../../libs/runtime/index.ts';
import { makeHandler, S3AuditArchive } from './app.ts';

/** Lambda entry: checkpoints on a schedule, archive from the audit table's stream. */
const bucket = process.env.AUDIT_ARCHIVE_BUCKET;
const runtime = await createRuntime(configFromEnv(process.env));
export const handler = middy(
  await makeHandler(runtime, {
    archive: bucket ? new S3AuditArchive(traced(new S3Client({})), bucket) : undefined,
  }),
).use(lambdaTracing());
