/**
 * Where DPoP proofs are remembered until they expire, so each proof is accepted once
 * (RFC 9449 §11.1): a captured proof cannot be replayed with its token.
 */
export interface DpopProofLog {
  /**
   * Records the proof `jti` of the key `jkt` until `expiresAt` (epoch seconds). False when
   * the same proof was recorded before and has not yet expired.
   */
  firstUse(jkt: string, jti: string, expiresAt: number, now: number): Promise<boolean>;
}

/**
 * Proofs remembered in this process only: right for one long-running server or a test. Behind
 * Lambda, where each container has its own memory, use `DynamoDpopProofLog`
 * (`@yitong/access/dynamodb`) so a proof is refused in every container once used.
 */
export class MemoryDpopProofLog implements DpopProofLog {
  private readonly seen = new Map<string, number>();

  async firstUse(jkt: string, jti: string, expiresAt: number, now: number): Promise<boolean> {
    for (const [key, until] of this.seen) if (until <= now) this.seen.delete(key);
    const key = `${jkt}\n${jti}`;
    if (this.seen.has(key)) return false;
    this.seen.set(key, expiresAt);
    return true;
  }
}
