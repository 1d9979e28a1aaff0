/**
 * The population and company registry twin: local mode's stand-in for the identity-source
 * gateway a department plugs in (docs/identity.md, "The identity-source contract"). Loopback
 * only, seeded with the demo residents and companies; one demo resident always times out and
 * one has a closed record, and tests can make the next answers fail (`POST /_twin/faults`).
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import * as z from 'zod';
import { usccCheckCharacter } from '../../libs/departments/index.ts';
import { residentIdCheckChar } from '../../libs/identity/index.ts';
import { serveLoopback } from './loopback.ts';

export interface DemoResident {
  readonly name: string;
  readonly nameEn: string;
  readonly residentId: string;
  /** The mobile number the registry holds for them (the second evidence of a remote check). */
  readonly phone: string;
  /** Which demo login (if any) is this person's. */
  readonly loginName?: string;
  /** What trying them shows. */
  readonly note: string;
  readonly behaviour?: 'timeout' | 'closed';
}

export interface DemoCompany {
  readonly uscc: string;
  readonly name: string;
  readonly nameEn: string;
  readonly status: 'active' | 'closed';
  /** The resident ID number of the legal representative (法定代表人). */
  readonly legalRepresentative: string;
}

const residentId = (first17: string) => `${first17}${residentIdCheckChar(first17)}`;
const uscc = (first17: string) => `${first17}${usccCheckCharacter(first17)}`;

/** The demo residents, printed by `npm start`. Local mode only. */
export const DEMO_RESIDENTS: readonly DemoResident[] = [
  {
    name: '张三',
    nameEn: 'Zhang San',
    residentId: residentId('11010119900307001'),
    phone: '13800138001',
    loginName: 'zhang.san',
    note: 'demo citizen: prove to reach IAL 2; holds demo licences issued to this number',
  },
  {
    name: '陈明',
    nameEn: 'Chen Ming',
    residentId: residentId('44010619780505003'),
    phone: '13800138003',
    loginName: 'chen.ming',
    note: 'legal representative of 示例科技有限公司: prove, then register the company',
  },
  {
    name: '刘芳',
    nameEn: 'Liu Fang',
    residentId: residentId('31010419851212002'),
    phone: '13800138002',
    loginName: 'liu.fang',
    note: 'can be made an agent (经办人) of a company once proved',
  },
  {
    name: '周杰',
    nameEn: 'Zhou Jie',
    residentId: residentId('32010219920815004'),
    phone: '13800138004',
    note: 'no account yet: a licence waits for them; register and prove to see it',
  },
  {
    name: '吴迟',
    nameEn: 'Wu Chi',
    residentId: residentId('51010719880101005'),
    phone: '13800138005',
    note: 'the registry never answers in time (a timeout page)',
    behaviour: 'timeout',
  },
  {
    name: '郑闭',
    nameEn: 'Zheng Bi',
    residentId: residentId('12010119700202006'),
    phone: '13800138006',
    note: 'the registry holds a closed record (a refusal)',
    behaviour: 'closed',
  },
];

/** The demo companies, printed by `npm start`. */
export const DEMO_COMPANIES: readonly DemoCompany[] = [
  {
    uscc: uscc('91110108MA01ABCD1'),
    name: '示例科技有限公司',
    nameEn: 'Example Technology Co., Ltd.',
    status: 'active',
    legalRepresentative: DEMO_RESIDENTS[1]!.residentId,
  },
  {
    uscc: uscc('91310104MA02EFGH2'),
    name: '示例贸易有限公司',
    nameEn: 'Example Trading Co., Ltd.',
    status: 'active',
    legalRepresentative: DEMO_RESIDENTS[2]!.residentId,
  },
  {
    uscc: uscc('91440106MA03JKLM3'),
    name: '已注销示例有限公司',
    nameEn: 'Deregistered Example Co., Ltd.',
    status: 'closed',
    legalRepresentative: DEMO_RESIDENTS[1]!.residentId,
  },
];

const PersonCheckBody = z.object({
  name: z.string(),
  residentId: z.string(),
  evidence: z.discriminatedUnion('type', [
    z.object({ type: z.literal('phone'), phone: z.string() }),
    // The officer inspected the physical card: name, number and an open record are checked.
    z.object({ type: z.literal('id-card-in-person') }),
  ]),
});

export type TwinFault = 'timeout' | 'error';

export interface RegistryTwin {
  readonly url: string;
  /** The next `count` answers fail this way (a timeout holds the request past any client's wait). */
  fault(kind: TwinFault, count?: number): void;
  close(): Promise<void>;
}

export interface RegistryTwinOptions {
  /** 0 picks a free port. @default 3200 */
  readonly port?: number;
  /** How long a timed-out answer is held back. @default 30000 */
  readonly holdMs?: number;
}

/** Starts the twin on loopback. */
export const startRegistryTwin = async (options: RegistryTwinOptions = {}): Promise<RegistryTwin> => {
  const faults: TwinFault[] = [];
  const held = new Set<NodeJS.Timeout>();
  const holdMs = options.holdMs ?? 30_000;
  const send = (res: ServerResponse, status: number, body: unknown) => {
    res.writeHead(status, { 'content-type': 'application/json' });
    res.end(JSON.stringify(body));
  };
  const hold = (res: ServerResponse) => {
    const timer = setTimeout(() => {
      held.delete(timer);
      send(res, 504, { error: 'held' });
    }, holdMs);
    held.add(timer);
  };
  const readBody = async (req: IncomingMessage): Promise<unknown> => {
    let text = '';
    for await (const chunk of req) text += chunk;
    try {
      return JSON.parse(text);
    } catch {
      return undefined;
    }
  };
  const listener = async (req: IncomingMessage, res: ServerResponse) => {
    const path = new URL(req.url ?? '/', 'http://twin').pathname;
    if (req.method === 'POST' && path === '/_twin/faults') {
      const body = z
        .object({ kind: z.enum(['timeout', 'error']), count: z.number().int().min(1).max(100).default(1) })
        .safeParse(await readBody(req));
      if (!body.success) return send(res, 400, { error: 'kind must be timeout or error' });
      for (let i = 0; i < body.data.count; i++) faults.push(body.data.kind);
      return send(res, 204, null);
    }
    const fault = faults.shift();
    if (fault === 'timeout') return hold(res);
    if (fault === 'error') return send(res, 500, { error: 'registry failure (injected)' });
    if (req.method === 'POST' && path === '/v1/person-checks') {
      const body = PersonCheckBody.safeParse(await readBody(req));
      if (!body.success) return send(res, 400, { error: 'name, residentId and evidence are required' });
      const person = DEMO_RESIDENTS.find((r) => r.residentId === body.data.residentId);
      if (person?.behaviour === 'timeout') return hold(res);
      if (!person || person.name !== body.data.name.trim())
        return send(res, 200, { result: 'no-match', reason: 'identity' });
      if (person.behaviour === 'closed')
        return send(res, 200, { result: 'no-match', reason: 'record-closed' });
      const evidence = body.data.evidence;
      if (evidence.type === 'phone' && person.phone !== evidence.phone.replace(/\D/g, ''))
        return send(res, 200, { result: 'no-match', reason: 'evidence' });
      const birth = person.residentId.slice(6, 14);
      return send(res, 200, {
        result: 'match',
        name: person.name,
        birthDate: `${birth.slice(0, 4)}-${birth.slice(4, 6)}-${birth.slice(6, 8)}`,
      });
    }
    const company = /^\/v1\/companies\/([0-9A-Z]{18})$/.exec(path);
    if (req.method === 'GET' && company) {
      const found = DEMO_COMPANIES.find((c) => c.uscc === company[1]);
      if (!found) return send(res, 404, { error: 'no such company' });
      const rep = DEMO_RESIDENTS.find((r) => r.residentId === found.legalRepresentative)!;
      return send(res, 200, {
        uscc: found.uscc,
        name: found.name,
        status: found.status,
        legalRepresentative: { name: rep.name, residentId: rep.residentId },
      });
    }
    return send(res, 404, { error: 'not part of the identity-source contract' });
  };
  const { port, close } = await serveLoopback((req, res) => {
    listener(req, res).catch(() => send(res, 500, { error: 'twin failure' }));
  }, options.port ?? 3200);
  return {
    url: `http://localhost:${port}`,
    fault: (kind, count = 1) => {
      for (let i = 0; i < count; i++) faults.push(kind);
    },
    close: async () => {
      for (const timer of held) clearTimeout(timer);
      held.clear();
      await close();
    },
  };
};
