import { configFromEnv } from '../../libs/config/index.ts';
import { createRuntime } from '../../libs/runtime/index.ts';
import { makeLambdaHandler, oidcWarmup } from './app.ts';

/** Lambda entry: config from the environment, parsed once at cold start. */
const config = configFromEnv(process.env);
export const handler = await makeLambdaHandler(await createRuntime(config, {}, oidcWarmup(config)));
