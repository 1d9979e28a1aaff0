import { createHash } from 'node:crypto';
import type Provider from 'oidc-provider';
import type { OidcRegistry } from '../../libs/oidc/index.ts';
import { OWN_API_SCOPES } from '../../libs/policy/index.ts';
import type { ConsentApi, ConsentView } from './views.ts';

type Details = Awaited<ReturnType<Provider['interactionDetails']>>;

const OIDC_SCOPES = new Set(['openid', 'profile', 'email', 'identity', 'offline_access']);
const listOf = (value: unknown): string[] =>
  (Array.isArray(value) ? value : value === undefined ? [] : [value]).map(String);

/**
 * What the consent page shows — every scope about the person and every API (resource) asked
 * for with each of its scopes — and a digest of it. The page posts the digest back, and
 * consent grants only when it still matches, so nothing is granted that was not shown.
 */
export const consentViewOf = async (
  d: Details,
  registry: OidcRegistry,
  issuer: string,
): Promise<ConsentView & { readonly digest: string }> => {
  const details = d.prompt.details as {
    missingOIDCScope?: string[];
    missingResourceScopes?: Record<string, string[]>;
  };
  const requested = String(d.params.scope ?? 'openid')
    .split(' ')
    .filter(Boolean);
  const about = [
    ...new Set([...requested.filter((s) => OIDC_SCOPES.has(s)), ...(details.missingOIDCScope ?? [])]),
  ];
  const missing = details.missingResourceScopes ?? {};
  const resources = [...new Set([...listOf(d.params.resource), ...Object.keys(missing)])];
  const base = issuer.replace(/\/$/, '');
  const apis: ConsentApi[] = await Promise.all(
    resources.map(async (resource): Promise<ConsentApi> => {
      const scopes = [...(missing[resource] ?? [])];
      const own = Object.keys(OWN_API_SCOPES).find((area) => `${base}/${area}` === resource);
      if (own) return { resource, own: own as keyof typeof OWN_API_SCOPES, scopes };
      const server = await registry.findResourceServer(resource);
      return { resource, name: server?.name ?? resource, owner: server?.department, scopes };
    }),
  );
  const digest = createHash('sha256')
    .update(JSON.stringify({ about, apis: apis.map((a) => [a.resource, a.scopes]) }))
    .digest('base64url');
  return { about, apis, digest };
};
