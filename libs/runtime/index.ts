/** What every function is built from (`createRuntime`), and the handler of yitong's own APIs. */
export { json, type OwnRoute, ownApiHandler, type PublicRoute } from './own-api.ts';
export { createRuntime, mailQueueOf, type Runtime, type RuntimeWarmup } from './runtime.ts';
