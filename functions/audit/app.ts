import { json, ownApiHandler } from '../../libs/policy/index.ts';
import type { Runtime } from '../../libs/runtime/index.ts';

/**
 * The audit API (intranet, auditors at level 2). Every request meets the zone and role
 * policies first; reading the trail is a privileged act, audited with the deciding policy.
 */
export const makeHandler = async (runtime: Runtime) =>
  ownApiHandler(runtime, 'audit', ['intranet'], {
    'GET /audit/verify': {
      privileged: true,
      handle: async () => {
        const chains = await runtime.audit.verifyAll();
        return json(200, { ok: chains.every((c) => c.ok), chains });
      },
    },
  });
