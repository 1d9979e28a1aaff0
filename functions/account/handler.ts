import { configFromEnv } from '../../libs/config/index.ts';
import { createRuntime } from '../../libs/runtime/index.ts';
import { makeHandler } from './app.ts';

/** Lambda entry: config from the environment, parsed once at cold start. */
export const handler = await makeHandler(await createRuntime(configFromEnv(process.env)));
