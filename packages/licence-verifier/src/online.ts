import type { InvalidReason, Verdict } from './verify.ts';

/** The answer of `POST /licences/verify`: the issuer's own verification, with a receipt for the holder. */
export interface OnlineVerification {
  readonly verdict: Verdict;
  readonly reason?: InvalidReason;
  readonly message: string;
  readonly issuer?: string;
  readonly vct?: string;
  readonly licence_id?: string;
  readonly issuing_authority?: unknown;
  /** Epoch seconds. */
  readonly valid_from?: number;
  /** Epoch seconds. */
  readonly valid_until?: number;
  readonly disclosed: readonly string[];
  readonly claims: Readonly<Record<string, unknown>>;
  readonly status?: { readonly checked_seconds_ago: number; readonly list: string };
}

export interface OnlineVerifyOptions {
  /** The issuer's base URL (any zone's entry answers; third parties use the public one). */
  readonly issuer: string;
  /** Who is checking: shown to the holder. */
  readonly verifier: string;
  /** Why: shown to the holder. */
  readonly purpose: string;
  /** @default globalThis.fetch */
  readonly fetch?: typeof fetch;
}

/** Why the issuer refused to verify (a 4xx problem: a field too short, too many requests). */
export class OnlineVerifyError extends Error {
  override readonly name = 'OnlineVerifyError';
  constructor(
    readonly status: number,
    readonly problem: unknown,
  ) {
    const detail = (problem as { detail?: unknown } | undefined)?.detail;
    super(`the issuer answered ${status}${typeof detail === 'string' ? `: ${detail}` : ''}`);
  }
}

/**
 * Asks the issuer to verify a licence or presentation (`POST /licences/verify`). The issuer
 * records a receipt the holder sees (who checked, why, when): use it when the holder expects
 * that; verify offline with `verifyLicence` when no request may leave the verifier.
 */
export const verifyOnline = async (
  licence: string,
  options: OnlineVerifyOptions,
): Promise<OnlineVerification> => {
  const get = options.fetch ?? globalThis.fetch;
  const res = await get(`${options.issuer.replace(/\/$/, '')}/licences/verify`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'application/json' },
    body: JSON.stringify({ licence, verifier: options.verifier, purpose: options.purpose }),
  });
  const body: unknown = await res.json().catch(() => undefined);
  if (res.status !== 200) throw new OnlineVerifyError(res.status, body);
  return body as OnlineVerification;
};
