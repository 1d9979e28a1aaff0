import { isIPv4, isIPv6 } from 'node:net';
import * as z from 'zod';
import { Zone } from '../config/index.ts';
import { requestMemo } from '../store/index.ts';

/**
 * The device a session was last used from, as the person's account centre shows it: the browser's
 * own description of itself, the zone, and roughly where — the network, never the full address
 * (an IPv4 address to its /24, an IPv6 one to its /48) and no geolocation database, which PIPL's
 * minimisation would have to justify. Kept with the session and gone with it.
 */
export const SessionDevice = z.object({
  userAgent: z.string().max(300).optional(),
  zone: Zone,
  network: z.string().optional(),
  lastSeenAt: z.string(),
});
export type SessionDevice = z.infer<typeof SessionDevice>;

/** An address's network: `203.0.113.0/24`, `2001:db8:1::/48`; undefined for anything else. */
export const networkOf = (ip: string | undefined): string | undefined => {
  const address = ip?.trim().replace(/^::ffff:/i, '');
  if (!address) return undefined;
  if (isIPv4(address)) return `${address.split('.').slice(0, 3).join('.')}.0/24`;
  if (isIPv6(address)) {
    const [head = ''] = address.split('::');
    const groups = head.split(':').filter(Boolean).slice(0, 3);
    return `${groups.join(':')}::/48`;
  }
  return undefined;
};

const DEVICE_MEMO = 'session-device';

/**
 * Notes where the current request comes from (the oidc function calls this at the start of each
 * request); sessions the provider saves in this request keep it (libs/oidc adapter).
 */
export const rememberDevice = (o: {
  userAgent?: string;
  sourceIp?: string;
  zone: Zone;
  now?: Date;
}): void => {
  const device: SessionDevice = {
    ...(o.userAgent ? { userAgent: o.userAgent.slice(0, 300) } : {}),
    zone: o.zone,
    ...(networkOf(o.sourceIp) ? { network: networkOf(o.sourceIp) } : {}),
    lastSeenAt: (o.now ?? new Date()).toISOString(),
  };
  requestMemo.set(DEVICE_MEMO, device);
};

/** The device of the current request, when the oidc function noted one. */
export const deviceOfRequest = (): SessionDevice | undefined =>
  requestMemo.get<SessionDevice>(DEVICE_MEMO).value;
