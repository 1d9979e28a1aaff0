import { request as httpRequest } from 'node:http';
import { totpCode } from '../libs/accounts/index.ts';

interface StoredCookie {
  readonly value: string;
  readonly path: string;
}

export interface Page {
  readonly status: number;
  readonly url: string;
  readonly html: string;
  readonly headers: Headers;
}

/**
 * A scripted browser without JavaScript: a cookie jar, manual redirects, and HTML forms
 * filled in and posted as a person would. It drives the real sign-in pages.
 */
export class UserAgent {
  private readonly jar = new Map<string, StoredCookie>();

  /**
   * `sourceAddress`: the loopback address to connect from (any of 127.0.0.0/8 on Linux), so a
   * test can play a second network source against the local stack.
   */
  constructor(private readonly options: { readonly sourceAddress?: string } = {}) {}

  private cookieHeader(url: URL): string {
    return [...this.jar.entries()]
      .filter(([, c]) => url.pathname.startsWith(c.path))
      .map(([key, c]) => `${key.split('|')[0]}=${c.value}`)
      .join('; ');
  }

  private store(res: Response, url: URL): void {
    for (const header of res.headers.getSetCookie()) {
      const [pair, ...attributes] = header.split(';').map((s) => s.trim());
      const [name, ...rest] = pair!.split('=');
      const path = attributes.find((a) => a.toLowerCase().startsWith('path='))?.slice(5) ?? url.pathname;
      const expired = attributes.some((a) => /^max-age=0$/i.test(a) || /^expires=Thu, 01 Jan 1970/i.test(a));
      const key = `${name}|${path}`;
      if (expired || rest.join('=') === '') this.jar.delete(key);
      else this.jar.set(key, { value: rest.join('='), path });
    }
  }

  /** The cookies the agent holds, by name (for tests that look at or plant one). */
  cookies(): Map<string, string> {
    return new Map([...this.jar.entries()].map(([key, c]) => [key.split('|')[0]!, c.value]));
  }

  /** Plants a cookie, as an attacker who can set one for the victim's browser would. */
  plant(name: string, value: string, path = '/'): void {
    this.jar.set(`${name}|${path}`, { value, path });
  }

  /** One request, no redirects followed. */
  async request(
    url: string,
    init: {
      method?: string;
      form?: Record<string, string>;
      headers?: Record<string, string>;
      body?: string;
    } = {},
  ): Promise<Page> {
    const target = new URL(url);
    const headers: Record<string, string> = { 'accept-language': 'en', ...init.headers };
    const cookie = this.cookieHeader(target);
    if (cookie) headers.cookie = cookie;
    let body: string | undefined = init.body;
    if (init.form) {
      headers['content-type'] = 'application/x-www-form-urlencoded';
      body = new URLSearchParams(init.form).toString();
    }
    const method = init.method ?? (body !== undefined ? 'POST' : 'GET');
    const res = this.options.sourceAddress
      ? await sendFrom(this.options.sourceAddress, target, method, headers, body)
      : await fetch(target, { method, headers, body, redirect: 'manual' });
    this.store(res, target);
    return { status: res.status, url: target.href, html: await res.text(), headers: res.headers };
  }

  /** Follows redirects until a page, or until `stopAt` matches the next location (not requested). */
  async follow(url: string, stopAt?: (location: URL) => boolean, first?: Page): Promise<Page> {
    let page = first ?? (await this.request(url));
    for (let hops = 0; hops < 20 && page.status >= 300 && page.status < 400; hops++) {
      const location = new URL(page.headers.get('location')!, page.url);
      if (stopAt?.(location)) return { ...page, url: location.href };
      page = await this.request(location.href);
    }
    return page;
  }

  /** Resolves a link or form action as the browser would: against the page's <base href>, if any. */
  resolve(page: Page, href: string): string {
    const base = /<base href="([^"]+)">/.exec(page.html)?.[1];
    return new URL(decode(href), base ? new URL(decode(base), page.url) : page.url).href;
  }

  /** Submits the form whose action ends with `actionSuffix`, with its hidden fields and `fields`. */
  async submit(
    page: Page,
    actionSuffix: string,
    fields: Record<string, string>,
    stopAt?: (location: URL) => boolean,
  ): Promise<Page> {
    const forms = [...page.html.matchAll(/<form[^>]*action="([^"]+)"[^>]*>([\s\S]*?)<\/form>/g)];
    const form = forms.find((f) => new URL(this.resolve(page, f[1]!)).pathname.endsWith(actionSuffix));
    if (!form)
      throw new Error(
        `no form ending ${actionSuffix} on ${page.url} (status ${page.status}): ${page.html.slice(0, 400)}`,
      );
    const hidden = Object.fromEntries(
      [...form[2]!.matchAll(/<input type="hidden" name="([^"]+)" value="([^"]*)"\s*\/?>/g)].map((m) => [
        m[1]!,
        decode(m[2]!),
      ]),
    );
    const action = this.resolve(page, form[1]!);
    const res = await this.request(action, { form: { ...hidden, ...fields } });
    return this.follow(action, stopAt, res);
  }
}

/** One HTTP request over IPv4 from a chosen local address, answered as a fetch Response. */
const sendFrom = (
  localAddress: string,
  target: URL,
  method: string,
  headers: Record<string, string>,
  body: string | undefined,
): Promise<Response> =>
  new Promise((resolve, reject) => {
    const req = httpRequest(target, { method, headers, localAddress, family: 4 }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('error', reject);
      res.on('end', () => {
        const out = new Headers();
        for (let i = 0; i < res.rawHeaders.length; i += 2)
          out.append(res.rawHeaders[i]!, res.rawHeaders[i + 1]!);
        const status = res.statusCode ?? 500;
        const content = status === 204 || status === 304 ? null : Buffer.concat(chunks);
        resolve(new Response(content, { status, headers: out }));
      });
    });
    req.on('error', reject);
    req.end(body);
  });

const decode = (s: string) =>
  s.replace(/&#(\d+);/g, (_, n: string) => String.fromCharCode(Number(n))).replaceAll('&amp;', '&');

export interface SignInOptions {
  readonly username: string;
  readonly password: string;
  readonly totpSecret?: string;
  /** What to do on the "protect your account" page. @default 'skip' */
  readonly consent?: boolean;
  /** The password to choose when the sign-in asks to replace a one-time password. */
  readonly newPassword?: string;
  /** Told the TOTP secret when the sign-in makes the person enrol one. */
  readonly onTotpEnrolled?: (secret: string) => void;
  /** What to type when the service asks the person to prove their identity. */
  readonly identity?: { readonly name: string; readonly residentId: string; readonly phone: string };
  /** Whom to act for on the act-for page (a USCC, or 'self'). @default 'self' */
  readonly actFor?: string;
  /** Told the choices the act-for page offered ('self' and USCCs), when it is shown. */
  readonly onActFor?: (offered: string[]) => void;
}

/**
 * The newest proofing code sent by SMS to `loginName`, read from the local stack's `/outbox`
 * page (newest first) of the page's own zone: as a person reads it on their phone.
 */
export const proofingCodeFromOutbox = async (
  ua: UserAgent,
  page: Page,
  loginName: string,
): Promise<string> => {
  const outbox = await ua.request(new URL('/outbox', page.url).href);
  for (const row of outbox.html.matchAll(/<li>([\s\S]*?)<\/li>/g)) {
    const to = /<span class="to">([^<]*)<\/span>/.exec(row[1]!)?.[1];
    const code = /<code class="code">(\d{6})<\/code>/.exec(row[1]!)?.[1];
    if (
      code &&
      to?.toLowerCase() === loginName.toLowerCase() &&
      row[1]!.includes('<span class="kind">contact-code</span>') &&
      row[1]!.includes('<span class="channel">sms</span>')
    )
      return code;
  }
  throw new Error(`no proofing code in the outbox for ${loginName}`);
};

/**
 * Runs the sign-in journey from an authorization URL to the client's redirect: login form,
 * second factor when asked, the protect-your-account page, consent. Returns the callback URL.
 */
export const signIn = async (
  ua: UserAgent,
  authorizationUrl: string,
  isCallback: (location: URL) => boolean,
  options: SignInOptions,
): Promise<URL> => {
  let page = await ua.follow(authorizationUrl, isCallback);
  for (let step = 0; step < 10; step++) {
    if (isCallback(new URL(page.url))) return new URL(page.url);
    if (page.html.includes('/login" novalidate')) {
      page = await ua.submit(
        page,
        '/login',
        { username: options.username, password: options.password },
        isCallback,
      );
    } else if (page.html.includes('/otp" novalidate')) {
      if (!options.totpSecret) throw new Error('a security code was asked for but no TOTP secret given');
      page = await ua.submit(page, '/otp', { otp: totpCode(options.totpSecret) }, isCallback);
    } else if (page.html.includes('/new-password" novalidate')) {
      if (!options.newPassword) throw new Error('a new password was asked for but none given');
      page = await ua.submit(
        page,
        '/new-password',
        { newPassword: options.newPassword, confirmPassword: options.newPassword },
        isCallback,
      );
    } else if (page.html.includes('/enrol" novalidate')) {
      const secret = /id="totp-secret">([A-Z2-7]+)</.exec(page.html)?.[1];
      if (!secret || !options.onTotpEnrolled) throw new Error(`a second factor was asked for on ${page.url}`);
      options.onTotpEnrolled(secret);
      page = await ua.submit(page, '/enrol', { otp: totpCode(secret) }, isCallback);
    } else if (page.html.includes('/finish"')) {
      page = await ua.submit(page, '/finish', {}, isCallback);
    } else if (page.html.includes('/identity/code" novalidate')) {
      // The code went by SMS to the phone: read it where local mode "sends" it, the outbox page.
      const code = await proofingCodeFromOutbox(ua, page, options.username);
      page = await ua.submit(page, '/identity/code', { otp: code }, isCallback);
    } else if (page.html.includes('/identity" novalidate')) {
      if (!options.identity) throw new Error(`an identity was asked for on ${page.url} but none given`);
      page = await ua.submit(page, '/identity', { ...options.identity }, isCallback);
    } else if (page.html.includes('/protect"')) {
      page = await ua.submit(page, '/protect', { choice: 'skip' }, isCallback);
    } else if (page.html.includes('/company"')) {
      options.onActFor?.([...page.html.matchAll(/name="actFor" value="([^"]+)"/g)].map((m) => m[1]!));
      page = await ua.submit(page, '/company', { actFor: options.actFor ?? 'self' }, isCallback);
    } else if (page.html.includes('/consent"')) {
      page = await ua.submit(
        page,
        '/consent',
        { decision: options.consent === false ? 'deny' : 'allow' },
        isCallback,
      );
    } else {
      throw new Error(
        `unexpected page ${page.url} (${page.status}): ${page.html.replace(/<style[\s\S]*?<\/style>/, '').slice(0, 600)}`,
      );
    }
  }
  throw new Error('sign-in did not finish');
};
