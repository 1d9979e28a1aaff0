import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { EVENT_TYPES } from '../../libs/audit/index.ts';
import { ACCESS_EVENT_TYPES, retentionClassOf } from '../../libs/audit/retention.ts';

const sources = async (dir: string): Promise<string[]> => {
  const entries = await readdir(dir, { withFileTypes: true, recursive: true });
  return entries.filter((e) => e.isFile() && e.name.endsWith('.ts')).map((e) => join(e.parentPath, e.name));
};

/** Every literal audit type the code appends: `type: 'x.y'` and the licence status template. */
const writtenTypes = async (): Promise<Set<string>> => {
  const found = new Set<string>();
  for (const file of [...(await sources('functions')), ...(await sources('libs'))]) {
    const text = await readFile(file, 'utf8');
    if (!text.includes('append(')) continue;
    for (const m of text.matchAll(/type: (?:ok \? ['a-z_.]+ : )?'([a-z_]+\.[a-z_.]+)'/g)) found.add(m[1]!);
    for (const m of text.matchAll(/type: ok \? '([a-z_]+\.[a-z_.]+)' : '([a-z_]+\.[a-z_.]+)'/g)) {
      found.add(m[1]!);
      found.add(m[2]!);
    }
  }
  return found;
};

describe('the audit event catalogue', () => {
  it('lists every type the code writes', async () => {
    const written = await writtenTypes();
    expect(written.size).toBeGreaterThan(20);
    const missing = [...written].filter((t) => !(t in EVENT_TYPES));
    expect(missing).toEqual([]);
  });

  it('keeps each type for as long as its entry says (the writers’ list agrees with it)', () => {
    const access = Object.entries(EVENT_TYPES)
      .filter(([, e]) => e.retention === 'access')
      .map(([t]) => t);
    expect([...ACCESS_EVENT_TYPES].sort()).toEqual(access.sort());
    for (const [type, entry] of Object.entries(EVENT_TYPES))
      expect(retentionClassOf(type)).toBe(entry.retention);
    expect(retentionClassOf('not.catalogued')).toBe('security');
  });

  it('is documented type by type in docs/audit.md', async () => {
    const doc = await readFile('docs/audit.md', 'utf8');
    const undocumented = Object.keys(EVENT_TYPES).filter((t) => !doc.includes(`\`${t}\``));
    expect(undocumented).toEqual([]);
  });
});
