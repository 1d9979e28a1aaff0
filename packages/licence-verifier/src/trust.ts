import type { PublicJwk } from './crypto.ts';
import type { StatusEvidence, VerifyOptions } from './verify.ts';

/**
 * What a verifier keeps to check licences offline: each trusted issuer's keys and each status
 * list it has fetched, with when. Plain JSON: keep it in a file, localStorage or IndexedDB.
 */
export interface TrustCache {
  issuers: Record<string, { jwks: { keys: PublicJwk[] }; fetchedAt: number }>;
  statusLists: Record<string, StatusEvidence>;
}

export const emptyTrustCache = (): TrustCache => ({ issuers: {}, statusLists: {} });

const isRecord = (value: unknown): value is Record<string, unknown> =>
  !!value && typeof value === 'object' && !Array.isArray(value);

/** A trust cache read back from storage, or an empty one when it is not one (never trusted blindly). */
export const readTrustCache = (value: unknown): TrustCache => {
  const cache = emptyTrustCache();
  if (!isRecord(value) || !isRecord(value.issuers) || !isRecord(value.statusLists)) return cache;
  for (const [iss, entry] of Object.entries(value.issuers)) {
    if (
      isRecord(entry) &&
      typeof entry.fetchedAt === 'number' &&
      isRecord(entry.jwks) &&
      Array.isArray(entry.jwks.keys) &&
      entry.jwks.keys.every(isRecord)
    )
      cache.issuers[iss] = { jwks: { keys: entry.jwks.keys as PublicJwk[] }, fetchedAt: entry.fetchedAt };
  }
  for (const [uri, entry] of Object.entries(value.statusLists)) {
    if (isRecord(entry) && typeof entry.token === 'string' && typeof entry.fetchedAt === 'number')
      cache.statusLists[uri] = { token: entry.token, fetchedAt: entry.fetchedAt };
  }
  return cache;
};

export interface TrustOptions {
  /** Issuer URLs (a licence's `iss`) to trust; every issuer already in the cache is trusted too. */
  readonly trust?: readonly string[];
  /** Where fetched keys and status lists are kept, and read from offline. Updated in place. */
  readonly cache: TrustCache;
  /** Use only the cache: no request leaves the machine. @default false */
  readonly offline?: boolean;
  /** @default globalThis.fetch */
  readonly fetch?: typeof fetch;
  /** Epoch seconds, recorded as the fetch time. @default now */
  readonly now?: number;
}

/**
 * The issuer keys and status lists `verifyLicence` asks for. Online, it fetches a trusted
 * issuer's metadata (`/.well-known/jwt-vc-issuer`, whose `issuer` must be the licence's `iss`)
 * and JWKS, and the licence's status list, and keeps them in the cache; offline it answers
 * from the cache alone, and the result's `status.ageSeconds` says how old that is.
 */
export const trustSources = (options: TrustOptions): Pick<VerifyOptions, 'issuerKeys' | 'statusList'> => {
  const get = options.fetch ?? globalThis.fetch;
  const now = () => options.now ?? Math.floor(Date.now() / 1000);
  const trusted = (iss: string) =>
    Object.hasOwn(options.cache.issuers, iss) ||
    (options.trust ?? []).some((t) => t.replace(/\/$/, '') === iss);
  return {
    issuerKeys: async (iss) => {
      if (!trusted(iss)) return undefined;
      if (!options.offline) {
        const res = await get(`${iss}/.well-known/jwt-vc-issuer`, {
          headers: { accept: 'application/json' },
        });
        const meta: unknown = res.ok ? await res.json() : undefined;
        if (isRecord(meta) && meta.issuer === iss && typeof meta.jwks_uri === 'string') {
          const jwks: unknown = await (await get(meta.jwks_uri)).json();
          if (isRecord(jwks) && Array.isArray(jwks.keys) && jwks.keys.every(isRecord))
            options.cache.issuers[iss] = { jwks: { keys: jwks.keys as PublicJwk[] }, fetchedAt: now() };
        }
      }
      return options.cache.issuers[iss]?.jwks.keys;
    },
    statusList: async (uri) => {
      if (!options.offline) {
        const res = await get(uri, { headers: { accept: 'application/statuslist+jwt' } });
        if (res.ok) options.cache.statusLists[uri] = { token: (await res.text()).trim(), fetchedAt: now() };
      }
      return options.cache.statusLists[uri];
    },
  };
};
