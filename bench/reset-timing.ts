/**
 * Medians of POST /password/reset for known against unknown login names, through the real
 * pages of a throwaway local stack (docs/security.md, password reset). Run: npx tsx bench/reset-timing.ts
 */
import { performance } from 'node:perf_hooks';
import { createPerson } from '../testkit/oidc-flow.ts';
import { startTestStack } from '../testkit/stack.ts';
import { UserAgent } from '../testkit/user-agent.ts';

const N = 22;
const WARM = 3;
const stack = await startTestStack();
try {
  const people = [];
  for (let i = 0; i < N + WARM; i++)
    people.push(await createPerson(stack, { kind: 'citizen', roles: ['citizen'], totp: false }));
  const ua = new UserAgent();
  const form = await ua.follow(`${stack.urls.public}/password/reset?lang=en`);
  const csrf = /name="csrf" value="([^"]+)"/.exec(form.html)![1]!;
  const post = async (username: string) => {
    const t0 = performance.now();
    const page = await ua.request(`${stack.urls.public}/password/reset`, {
      form: { csrf, lang: 'en', username },
    });
    const ms = performance.now() - t0;
    if (page.status !== 200) throw new Error(`status ${page.status}`);
    return ms;
  };
  const known: number[] = [];
  const unknown: number[] = [];
  for (let i = 0; i < N + WARM; i++) {
    const k = await post(people[i]!.username);
    const u = await post(`nobody-${i}-${Date.now()}`);
    if (i >= WARM) {
      known.push(k);
      unknown.push(u);
    }
  }
  const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
  console.log(`known   median ${median(known).toFixed(1)} ms (n=${known.length})`);
  console.log(`unknown median ${median(unknown).toFixed(1)} ms (n=${unknown.length})`);
} finally {
  await stack.stop();
}
