/**
 * The local stack with this example site as its demo department sites (tax, housing, staff):
 * what `yitong start` runs. The example builds on the local twin, never the other way round,
 * so the twin takes the site it starts from here.
 */
import { type LocalStack, type LocalStackOptions, startLocalStack } from '../../infra/local/stack.ts';
import { startDepartmentSite } from './site.ts';

/** Starts the local stack and, unless `demoSites` is false, the example department sites. */
export const startLocalDemo = (options: LocalStackOptions = {}): Promise<LocalStack> =>
  startLocalStack({ startDemoSite: startDepartmentSite, ...options });
