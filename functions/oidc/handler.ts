import { configFromEnv } from '../../libs/config/index.ts';
import { createRuntime } from '../../libs/runtime/index.ts';
import { makeLambdaHandler } from './app.ts';

/** Lambda entry: config from the environment, parsed once at cold start. */
export const handler = await makeLambdaHandler(await createRuntime(configFromEnv(process.env)));
