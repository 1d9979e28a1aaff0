import * as z from 'zod';

/**
 * The identity-source port: how yitong asks an authoritative registry (a population registry
 * gateway, a company registry) about a person or a company. docs/identity.md documents the HTTP
 * contract; departments plug their registry gateway in behind it, and `npm start` runs a twin.
 */
export interface IdentitySource {
  /** Does the registry hold this person under this name, and does the second evidence match? */
  checkPerson(request: PersonCheck): Promise<PersonVerdict>;
  /** The registry's record of a company, or undefined when it has none. */
  company(uscc: string): Promise<CompanyRecord | undefined>;
}

export interface PersonCheck {
  readonly name: string;
  readonly residentId: string;
  /**
   * The second piece of evidence: a mobile number registered to the person (运营商三要素, remote
   * proofing), or an officer's word that they inspected the physical ID card in person (counter
   * verification: the registry checks the name, the number and that the record is open).
   */
  readonly evidence: PersonEvidence;
}

export type PersonEvidence =
  | { readonly type: 'phone'; readonly phone: string }
  | { readonly type: 'id-card-in-person' };

export const PersonVerdict = z.discriminatedUnion('result', [
  z.object({ result: z.literal('match'), name: z.string().min(1), birthDate: z.iso.date() }),
  z.object({
    result: z.literal('no-match'),
    /** Which part did not match, as the registry says it (never which digits). */
    reason: z.enum(['identity', 'evidence', 'record-closed']),
  }),
]);
export type PersonVerdict = z.infer<typeof PersonVerdict>;

export const CompanyRecord = z.object({
  uscc: z.string(),
  name: z.string().min(1),
  status: z.enum(['active', 'closed']),
  legalRepresentative: z.object({ name: z.string().min(1), residentId: z.string() }),
});
export type CompanyRecord = z.infer<typeof CompanyRecord>;

/** The registry did not answer in time, or answered with something other than the contract. */
export class IdentitySourceUnavailableError extends Error {
  override readonly name = 'IdentitySourceUnavailableError';
  constructor(
    readonly reason: 'timeout' | 'error',
    message: string,
    options?: ErrorOptions,
  ) {
    super(message, options);
  }
}

export interface HttpIdentitySourceOptions {
  /** The gateway's base URL (e.g. https://registry-gateway.example.gov.cn). */
  readonly baseUrl: string;
  /** Sent as `Authorization: Bearer …` when set. */
  readonly token?: string;
  /** @default 5000 */
  readonly timeoutMs?: number;
  readonly fetch?: typeof fetch;
}

/** The port over HTTP, as docs/identity.md describes it. */
export class HttpIdentitySource implements IdentitySource {
  private readonly base: string;

  constructor(private readonly options: HttpIdentitySourceOptions) {
    this.base = options.baseUrl.replace(/\/$/, '');
  }

  async checkPerson(request: PersonCheck): Promise<PersonVerdict> {
    const body = await this.call('POST', '/v1/person-checks', request);
    if (body.status !== 200)
      throw new IdentitySourceUnavailableError('error', `registry answered ${body.status}`);
    return this.parse(PersonVerdict, body.json);
  }

  async company(uscc: string): Promise<CompanyRecord | undefined> {
    const body = await this.call('GET', `/v1/companies/${encodeURIComponent(uscc)}`);
    if (body.status === 404) return undefined;
    if (body.status !== 200)
      throw new IdentitySourceUnavailableError('error', `registry answered ${body.status}`);
    return this.parse(CompanyRecord, body.json);
  }

  private parse<T>(schema: z.ZodType<T>, json: unknown): T {
    const parsed = schema.safeParse(json);
    if (!parsed.success)
      throw new IdentitySourceUnavailableError('error', 'the registry answered outside the contract');
    return parsed.data;
  }

  private async call(
    method: string,
    path: string,
    body?: unknown,
  ): Promise<{ status: number; json: unknown }> {
    const timeoutMs = this.options.timeoutMs ?? 5000;
    try {
      const response = await (this.options.fetch ?? fetch)(`${this.base}${path}`, {
        method,
        headers: {
          accept: 'application/json',
          ...(body === undefined ? {} : { 'content-type': 'application/json' }),
          ...(this.options.token ? { authorization: `Bearer ${this.options.token}` } : {}),
        },
        body: body === undefined ? undefined : JSON.stringify(body),
        signal: AbortSignal.timeout(timeoutMs),
      });
      const text = await response.text();
      let json: unknown;
      try {
        json = text ? JSON.parse(text) : undefined;
      } catch {
        json = undefined;
      }
      return { status: response.status, json };
    } catch (err: unknown) {
      if (err instanceof Error && (err.name === 'TimeoutError' || err.name === 'AbortError'))
        throw new IdentitySourceUnavailableError(
          'timeout',
          `the registry did not answer within ${timeoutMs} ms`,
          {
            cause: err,
          },
        );
      throw new IdentitySourceUnavailableError('error', 'the registry could not be reached', { cause: err });
    }
  }
}
