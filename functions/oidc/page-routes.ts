import type { KoaContextWithOIDC } from 'oidc-provider';
import { isRouteFound, type PathParams, Router } from '../../libs/http/index.ts';
import { t } from '../../libs/web/index.ts';
import { langOf, PageError, render } from './page-kit.ts';
import { errorPage } from './provider-pages.ts';
import { SignInPaused } from './steps/refusals.ts';
import { messageBody } from './views.ts';

type Ctx = KoaContextWithOIDC;

/** One page of yitong's own (a sign-in step, a password page), or one call a page's script makes. */
export interface PageRoute {
  /** Answers the request; `params` as the path wrote them (not decoded: the guards see what came). */
  readonly answer: (ctx: Ctx, params: PathParams) => Promise<unknown>;
  /** Called by a page's script: refusals are JSON, not pages. */
  readonly json?: boolean;
  /** Refuses parameters no page could have (throws), before anything else, whatever the method. */
  readonly guard?: (params: PathParams) => void;
}

/** The routes of yitong's own pages. */
export type PageRouter = Router<PageRoute>;

/** A path that names no page of ours after all (an id no provider makes): the kit's 404 page. */
export class NoSuchPage extends PageError {
  constructor() {
    super(404, 'edge_notFoundTitle');
  }
}

/** A refusal the person sees: a page, or JSON for a script's call; undefined for a server fault. */
const refusalStatus = (err: unknown): number | undefined => {
  if (err instanceof PageError) return err.status;
  const status = (err as { statusCode?: unknown } | undefined)?.statusCode;
  return typeof status === 'number' && status < 500 ? status : undefined;
};

/** The path a template names with these (raw) parameters: what a canonical request path is. */
const filled = (template: string, params: PathParams): string =>
  template.replace(/\{(\w+)\}/g, (_, name: string) => params[name] ?? '');

/**
 * The page a language switch leads to from this path: the path itself when it is a page (a
 * GET route), else the nearest enclosing page — a form's step leads back to its interaction's
 * page, a passkey call to the page that made it.
 */
const pageOf = (router: PageRouter, path: string): string | undefined => {
  for (let at = path; at.length > 1; at = at.slice(0, at.lastIndexOf('/')) || '/') {
    if (isRouteFound(router.match('GET', at))) return at;
  }
  return undefined;
};

/**
 * Every page yitong renders itself inside the oidc function, in one Router: what matches is
 * answered here, refusals in the page's language; anything else goes on to oidc-provider (whose
 * unknown paths get the kit's 404 page). A path must be its route's canonical form (no empty or
 * escaped literal segments) to match.
 */
export const pageRoutes = (...routers: PageRouter[]) => {
  const router = new Router<PageRoute>();
  for (const each of routers) router.include(each);

  return async (ctx: Ctx, next: () => Promise<void>): Promise<void> => {
    const found = router.match(ctx.method, ctx.path, { decode: false });
    if (!found) return next();
    // The resource's route, for a method it takes when not this one: its shape and guard hold either way.
    const resource = isRouteFound(found)
      ? found
      : router.match(found.allowed[0]!, ctx.path, { decode: false });
    if (!isRouteFound(resource) || filled(resource.template, resource.params) !== ctx.path) return next();
    (ctx.state as { pagePath?: string }).pagePath = pageOf(router, ctx.path);
    try {
      resource.handler.guard?.(resource.params);
      if (!isRouteFound(found))
        throw new PageError(405, 'step_methodNotAllowed', { methods: found.allowed.join(' / ') });
      await found.handler.answer(ctx, found.params);
    } catch (err: unknown) {
      const status = refusalStatus(err);
      if (status === undefined) throw err;
      const lang = langOf(ctx);
      if (resource.handler.json) {
        ctx.status = status;
        ctx.type = 'json';
        ctx.set('cache-control', 'no-store');
        ctx.body =
          err instanceof PageError
            ? { error: 'invalid_request', code: err.key, detail: err.message, message: err.words(lang) }
            : { error: 'invalid_request', detail: t('en', 'errorLead'), message: t(lang, 'errorLead') };
        return;
      }
      if (err instanceof NoSuchPage) {
        ctx.status = 404;
        ctx.type = 'html';
        ctx.body = errorPage(ctx, 404);
        return;
      }
      const title = err instanceof SignInPaused ? err.title : t(lang, 'errorTitle');
      const words = err instanceof PageError ? err.words(lang) : t(lang, 'errorLead');
      return render(
        ctx,
        status,
        lang,
        title,
        messageBody(title, words, err instanceof SignInPaused ? err.help : undefined),
      );
    }
  };
};
