import { createHmac } from 'node:crypto';

/**
 * Resident ID numbers are sensitive personal information (PIPL Art. 28): yitong keeps only a
 * keyed hash (HMAC-SHA-256 under the `identity-hash-key` secret) to find an identity by, and a
 * masked form to show. The hash is what licences name as their holder (`person#…`), so the key is
 * never rotated in place (that would orphan every licence); docs/identity.md says how it would be
 * re-keyed. Company codes (USCC) are public registrations and are kept as they are.
 */
export class IdentityHasher {
  /** `versions`: the `identity-hash-key` secret's versions, newest first; the first ever made is used. */
  constructor(private readonly versions: () => Promise<readonly string[]>) {}

  private async key(): Promise<string> {
    return (await this.versions()).at(-1)!;
  }

  /** The holder reference of a person: `person#` and the keyed hash of their (normalised) ID number. */
  async personRef(residentId: string): Promise<string> {
    const mac = createHmac('sha256', Buffer.from(await this.key(), 'base64url'));
    return `person#${mac.update(`resident-id:${residentId}`).digest('base64url')}`;
  }

  /** A phone number's reference (`phone#` and its keyed hash), for counting the codes sent to it. */
  async phoneRef(phone: string): Promise<string> {
    const mac = createHmac('sha256', Buffer.from(await this.key(), 'base64url'));
    return `phone#${mac.update(`phone:${phone}`).digest('base64url')}`;
  }

  /**
   * A proofing code's keyed hash, bound to what it proves: the account, the person, the phone
   * and the pending proofing. A six-digit code has too few values for a plain hash to hide it
   * from someone who reads the table, and the same code under another binding does not match.
   */
  async proofingCodeDigest(
    binding: {
      readonly accountId: string;
      readonly personRef: string;
      readonly phone: string;
      readonly proofingId: string;
    },
    code: string,
  ): Promise<Buffer> {
    const mac = createHmac('sha256', Buffer.from(await this.key(), 'base64url'));
    const { accountId, personRef, phone, proofingId } = binding;
    return mac
      .update(JSON.stringify(['proofing-code', accountId, personRef, phone, proofingId, code]))
      .digest();
  }
}

/** The holder reference of a company: its USCC, which is public. */
export const companyRef = (uscc: string): string => `company#${uscc}`;

/** Whether a holder reference names a person or a company. */
export const holderKind = (ref: string): 'person' | 'company' | undefined =>
  ref.startsWith('person#') ? 'person' : ref.startsWith('company#') ? 'company' : undefined;
