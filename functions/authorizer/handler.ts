import middy from '@middy/core';
import { configFromEnv } from '../../libs/config/index.ts';
import { lambdaTracing } from '../../libs/observability/index.ts';
import { createRuntime } from '../../libs/runtime/index.ts';
import { makeHandler } from './app.ts';

/** Lambda entry: config from the environment; AUDIENCE is the default API audience. */
export const handler = middy(
  await makeHandler(await createRuntime(configFromEnv(process.env)), {
    audience: process.env.AUDIENCE,
  }),
).use(lambdaTracing());
