/**
 * The zone's OpenID provider: oidc-provider configured with yitong's clients, keys, policies and
 * storage. Only the oidc function imports it (oidc-provider is the largest part of its bundle);
 * the clients, their rules and the first-party portals it serves are in libs/oidc.
 */
export {
  audienceRefusalOf,
  createProvider,
  type ProviderDeps,
  REPRESENTS_CLAIM,
  type RepresentsClaim,
  representedIn,
} from './provider.ts';
