import { createCipheriv, createDecipheriv, createHash, randomBytes } from 'node:crypto';
import { currentSecret, type SecretStore } from '../keys/index.ts';
import { AccountConflictError } from './errors.ts';
import type { Account } from './model.ts';
import type { AccountStore } from './store.ts';

const keyIdOf = (key: string) => createHash('sha256').update(key).digest('base64url').slice(0, 8);

/**
 * TOTP secrets at rest: AES-256-GCM under the TOTP data key (a KMS data key on AWS, a dev key in
 * the data folder locally), with the account id as additional data so a sealed secret copied to
 * another account does not open. Sealed form: `v1.<data key id>.<iv>.<ciphertext and tag>`.
 */
export class TotpVault {
  constructor(private readonly secrets: SecretStore) {}

  async seal(accountId: string, secret: string): Promise<string> {
    const key = await currentSecret(this.secrets, 'totp-data-key');
    const iv = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', Buffer.from(key, 'base64url'), iv);
    cipher.setAAD(Buffer.from(accountId));
    const sealed = Buffer.concat([cipher.update(secret, 'utf8'), cipher.final(), cipher.getAuthTag()]);
    return ['v1', keyIdOf(key), iv.toString('base64url'), sealed.toString('base64url')].join('.');
  }

  async open(accountId: string, sealed: string): Promise<string> {
    const [version, keyId, iv, body] = sealed.split('.');
    const keyOf = async (fresh: boolean) =>
      (await this.secrets.versions('totp-data-key', { fresh })).find((k) => keyIdOf(k) === keyId);
    // Sealed under a data key this container has not seen yet: another container rotated.
    const key = (await keyOf(false)) ?? (await keyOf(true));
    if (version !== 'v1' || !key || !iv || !body) throw new Error('this TOTP secret cannot be opened');
    const data = Buffer.from(body, 'base64url');
    const decipher = createDecipheriv(
      'aes-256-gcm',
      Buffer.from(key, 'base64url'),
      Buffer.from(iv, 'base64url'),
    );
    decipher.setAAD(Buffer.from(accountId));
    decipher.setAuthTag(data.subarray(data.length - 16));
    return Buffer.concat([decipher.update(data.subarray(0, data.length - 16)), decipher.final()]).toString(
      'utf8',
    );
  }

  /**
   * The account's TOTP secret in clear, for the one check that needs it. A secret an older
   * version stored in clear is sealed and written back now (migrated on read).
   */
  async secretOf(account: Account, accounts: AccountStore): Promise<string | undefined> {
    const totp = account.totp;
    if (!totp) return undefined;
    if (totp.sealedSecret) return this.open(account.id, totp.sealedSecret);
    if (!totp.secret) return undefined;
    const { secret: clear, ...rest } = totp;
    try {
      await accounts.update(account, { totp: { ...rest, sealedSecret: await this.seal(account.id, clear) } });
    } catch (err: unknown) {
      // Someone else changed the account meanwhile: the next read migrates it.
      if (!(err instanceof AccountConflictError)) throw err;
    }
    return clear;
  }
}
