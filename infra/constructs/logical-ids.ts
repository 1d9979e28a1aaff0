import { createHash } from 'node:crypto';
import type { CfnElement, Stack } from 'aws-cdk-lib';
import type { IConstruct } from 'constructs';

/** CDK leaves this id out of every path it hashes: the child that stands for its parent. */
const DEFAULT_CHILD = 'Default';

/**
 * The logical id of `element` with the scopes `isGroup` picks left out of its path, given the
 * id CDK allocated it (`Stack.allocateLogicalId`). The constructs of infra/constructs grouped
 * resources that a deployed stack already held; leaving them out keeps those resources (tables,
 * keys, APIs, queues) updated in place, where new ids would replace them. A group's `Default`
 * child stands for the group, so it and everything under it keep the group's id.
 *
 * CDK does not export its scheme, so `uniqueId` repeats it; on every element outside a group
 * it must give CDK's own id, or synthesis stops before a changed scheme renames anything.
 */
export function logicalIdOutsideGroups(
  element: CfnElement,
  stack: Stack,
  isGroup: (scope: IConstruct) => boolean,
  allocatedByCdk: string,
): string {
  const scopes = element.node.scopes;
  const path = scopes.slice(scopes.indexOf(stack) + 1);
  const kept = path.filter((scope, i) => !isGroup(scope) || path[i + 1]?.node.id === DEFAULT_CHILD);
  const id = uniqueId(kept.map((scope) => scope.node.id));
  if (kept.length === path.length && id !== allocatedByCdk) {
    throw new Error(
      `CDK named ${element.node.path} ${allocatedByCdk}, not ${id}: update uniqueId to its scheme`,
    );
  }
  return kept.length === path.length ? allocatedByCdk : id;
}

const alphanumeric = (s: string) => s.replace(/[^A-Za-z0-9]/g, '');

/**
 * CDK's scheme (aws-cdk-lib core/lib/private/uniqueid.ts): the readable path, less `Resource`
 * and repeats, then an MD5 of the whole path.
 */
function uniqueId(components: readonly string[]): string {
  const path = components.filter((c) => c !== DEFAULT_CHILD);
  if (path.length === 1 && alphanumeric(path[0]!).length <= 255) return alphanumeric(path[0]!);
  const hash = createHash('md5').update(path.join('/')).digest('hex').slice(0, 8).toUpperCase();
  const withoutRepeats: string[] = [];
  for (const c of path) {
    if (!withoutRepeats.at(-1)?.endsWith(c)) withoutRepeats.push(c);
  }
  const readable = withoutRepeats
    .filter((c) => c !== 'Resource')
    .map(alphanumeric)
    .join('')
    .slice(0, 240);
  return readable + hash;
}
