/**
 * The first-party web portals of yitong's own issuers (the citizen account portal, the
 * security and admin consoles): signing in through the issuer, the sealed portal session,
 * CSRF-checked forms, and the gate that lets the policies decide on every console page.
 */

export { OneTimeForms } from './once.ts';
export { FirstPartyPortal, FRESH_SIGN_IN_SECONDS, PortalSession } from './portal.ts';
export { type PortalPage, portalPageGuard } from './portal-access.ts';
