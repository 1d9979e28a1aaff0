import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { DecryptCommand, EncryptCommand, GenerateDataKeyCommand, type KMSClient } from '@aws-sdk/client-kms';
import {
  BatchGetCommand,
  type BatchGetCommandOutput,
  DeleteCommand,
  type DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
} from '@aws-sdk/lib-dynamodb';
import * as z from 'zod';
import type { SecretName } from '../config/index.ts';
import { isConditionalCheckFailed } from '../store/index.ts';
import { readOrCreateSecretFile } from './file.ts';

/** How many versions a rotation keeps: the newest is used; older ones still verify or decrypt. */
export const SECRET_VERSIONS_KEPT = 3;
/**
 * The TOTP data key keeps every version: each still opens the secrets it sealed. The identity
 * hash key keeps every version too: the hashes licences name their holders by come from its first.
 */
const keptOf = (name: SecretName) =>
  name === 'totp-data-key' || name === 'identity-hash-key' ? Number.POSITIVE_INFINITY : SECRET_VERSIONS_KEPT;

/** A store of random 256-bit secrets, created on first use and rotated by putting a new version first. */
export interface SecretStore {
  /**
   * Every kept version, newest first (base64url of 32 random bytes). `fresh` reads past the
   * container's copy (another container may have rotated).
   */
  versions(name: SecretName, options?: { readonly fresh?: boolean }): Promise<readonly string[]>;
  /** Puts a new version first and keeps the newest SECRET_VERSIONS_KEPT (the TOTP data key: all). */
  rotate(name: SecretName): Promise<readonly string[]>;
}

/** The newest version of a secret. */
export const currentSecret = async (store: SecretStore, name: SecretName): Promise<string> =>
  (await store.versions(name))[0]!;

const fresh = () => randomBytes(32).toString('base64url');
const Versions = z.object({ versions: z.array(z.string().min(32)).min(1) });

/**
 * Local mode: one file per secret (mode 0600) in the data folder next to the dev signing keys,
 * or only in memory for a throwaway run.
 */
export class LocalSecretStore implements SecretStore {
  private readonly memory = new Map<SecretName, string[]>();

  constructor(private readonly dir: string | undefined) {}

  async versions(name: SecretName): Promise<readonly string[]> {
    if (!this.dir) {
      if (!this.memory.has(name)) this.memory.set(name, [fresh()]);
      return this.memory.get(name)!;
    }
    return (await readOrCreateSecretFile(this.file(name), Versions, () => ({ versions: [fresh()] })))
      .versions;
  }

  async rotate(name: SecretName): Promise<readonly string[]> {
    const versions = [fresh(), ...(await this.versions(name))].slice(0, keptOf(name));
    if (!this.dir) this.memory.set(name, versions);
    else {
      const { writeFile } = await import('node:fs/promises');
      await writeFile(this.file(name), JSON.stringify({ versions }, null, 2), { mode: 0o600 });
    }
    return versions;
  }

  /** Puts a value kept by an older version elsewhere (a migration), if the secret has none yet. */
  async adopt(name: SecretName, versions: readonly string[]): Promise<void> {
    if (!this.dir) {
      if (!this.memory.has(name)) this.memory.set(name, [...versions]);
      return;
    }
    await readOrCreateSecretFile(this.file(name), Versions, () => ({ versions: [...versions] }));
  }

  private file(name: SecretName) {
    return join(this.dir!, `secret-${name}.json`);
  }
}

/**
 * On AWS: each secret is a KMS data key (GenerateDataKey under the secrets' own KMS key, with
 * the secret's name as encryption context). Only the encrypted blobs are stored, in the identity
 * table; a function can read a secret only if its role may kms:Decrypt with that name as
 * context, which the stack grants per function. Decrypted values are kept for the container's life.
 */
export class KmsSecretStore implements SecretStore {
  private readonly cache = new Map<SecretName, Promise<string[]>>();

  constructor(
    private readonly kms: KMSClient,
    /** The secrets' KMS key, and the TOTP data key's own. */
    private readonly keyIds: { readonly secrets: string; readonly totp: string },
    private readonly doc: DynamoDBDocumentClient,
    private readonly table: string,
  ) {}

  private keyId(name: SecretName) {
    return name === 'totp-data-key' ? this.keyIds.totp : this.keyIds.secrets;
  }

  versions(name: SecretName, options: { readonly fresh?: boolean } = {}): Promise<readonly string[]> {
    if (options.fresh) this.cache.delete(name);
    let pending = this.cache.get(name);
    if (!pending) {
      pending = this.load(name);
      pending.catch(() => this.cache.delete(name));
      this.cache.set(name, pending);
    }
    return pending;
  }

  async rotate(name: SecretName): Promise<readonly string[]> {
    const stored = await this.read(name);
    const next = await this.generate(name);
    const blobs = [next.blob, ...(stored?.blobs ?? [])].slice(0, keptOf(name));
    await this.doc.send(
      new PutCommand({
        TableName: this.table,
        Item: { ...this.key(name), blobs, version: (stored?.version ?? 0) + 1 },
        // Optimistic: two rotations at once cannot both drop the same version.
        ...(stored
          ? { ConditionExpression: 'version = :v', ExpressionAttributeValues: { ':v': stored.version } }
          : { ConditionExpression: 'attribute_not_exists(pk)' }),
      }),
    );
    this.cache.delete(name);
    return this.versions(name);
  }

  private key(name: SecretName) {
    return { pk: `secret#${name}`, sk: 'secret' };
  }

  /** Reads asked for in the same tick, answered by one call (a cold start's secrets at once). */
  private queued: Array<{
    readonly name: SecretName;
    readonly resolve: (item: Record<string, unknown> | undefined) => void;
    readonly reject: (err: unknown) => void;
  }> = [];

  private async read(name: SecretName) {
    const Item = await new Promise<Record<string, unknown> | undefined>((resolve, reject) => {
      this.queued.push({ name, resolve, reject });
      if (this.queued.length === 1) queueMicrotask(() => void this.flush());
    });
    return Item
      ? { blobs: z.array(z.string()).min(1).parse(Item.blobs), version: Number(Item.version) }
      : undefined;
  }

  /** One strongly consistent GetItem, or a BatchGetItem for several names. */
  private async flush() {
    const batch = this.queued.splice(0);
    try {
      const names = [...new Set(batch.map((q) => q.name))];
      const items = new Map<string, Record<string, unknown>>();
      if (names.length === 1) {
        const { Item } = await this.doc.send(
          new GetCommand({ TableName: this.table, Key: this.key(names[0]!), ConsistentRead: true }),
        );
        if (Item) items.set(String(Item.pk), Item);
      } else {
        let keys: Record<string, unknown>[] | undefined = names.map((name) => this.key(name));
        for (let attempt = 0; keys?.length; attempt++) {
          if (attempt > 0) await new Promise((r) => setTimeout(r, 20 * 2 ** Math.min(attempt, 6)));
          const answer: BatchGetCommandOutput = await this.doc.send(
            new BatchGetCommand({
              RequestItems: { [this.table]: { Keys: keys, ConsistentRead: true } },
            }),
          );
          for (const item of answer.Responses?.[this.table] ?? []) items.set(String(item.pk), item);
          keys = answer.UnprocessedKeys?.[this.table]?.Keys;
          if (keys?.length && attempt >= 8) throw new Error('the store left secrets unread');
        }
      }
      for (const q of batch) q.resolve(items.get(this.key(q.name).pk));
    } catch (err: unknown) {
      for (const q of batch) q.reject(err);
    }
  }

  private async generate(name: SecretName) {
    const { Plaintext, CiphertextBlob } = await this.kms.send(
      new GenerateDataKeyCommand({
        KeyId: this.keyId(name),
        KeySpec: 'AES_256',
        EncryptionContext: { yitong_secret: name },
      }),
    );
    if (!Plaintext || !CiphertextBlob) throw new Error(`KMS returned no data key for ${name}`);
    return {
      value: Buffer.from(Plaintext).toString('base64url'),
      blob: Buffer.from(CiphertextBlob).toString('base64'),
    };
  }

  private async load(name: SecretName): Promise<string[]> {
    const stored = await this.read(name);
    if (stored) {
      return Promise.all(
        stored.blobs.map(async (blob) => {
          const { Plaintext } = await this.kms.send(
            new DecryptCommand({
              KeyId: this.keyId(name),
              CiphertextBlob: Buffer.from(blob, 'base64'),
              EncryptionContext: { yitong_secret: name },
            }),
          );
          if (!Plaintext) throw new Error(`KMS could not decrypt ${name}`);
          return Buffer.from(Plaintext).toString('base64url');
        }),
      );
    }
    // The first function to need the secret makes it (or takes over what an older version kept
    // in clear); a conditional put makes every container agree.
    const legacy = await this.legacy(name);
    const made = legacy ? await this.encrypt(name, legacy.values) : [await this.generate(name)];
    try {
      await this.doc.send(
        new PutCommand({
          TableName: this.table,
          Item: { ...this.key(name), blobs: made.map((m) => m.blob), version: 1 },
          ConditionExpression: 'attribute_not_exists(pk)',
        }),
      );
    } catch (err: unknown) {
      if (!isConditionalCheckFailed(err)) throw err;
      return this.load(name);
    }
    await legacy?.remove();
    return made.map((m) => m.value);
  }

  /**
   * Older versions kept the cookie keys and the pairwise salt in clear as `config#<name>`
   * items. They are taken over as they are (sessions and every department's subject
   * identifiers stay), encrypted, and the clear item deleted.
   */
  private async legacy(name: SecretName) {
    if (name !== 'cookie-keys' && name !== 'pairwise-salt') return undefined;
    const Key = { pk: `config#${name}`, sk: 'config' };
    const { Item } = await this.doc.send(
      new GetCommand({ TableName: this.table, Key, ConsistentRead: true }),
    );
    if (!Item) return undefined;
    const values = z
      .array(z.string().min(32))
      .min(1)
      .parse(name === 'cookie-keys' ? Item.keys : [Item.value]);
    // They were made as base64url of random bytes, which is what KMS gets back here.
    if (values.some((v) => Buffer.from(v, 'base64url').toString('base64url') !== v))
      throw new Error(`the ${name} an older version kept is not base64url: take it over by hand`);
    return { values, remove: () => this.doc.send(new DeleteCommand({ TableName: this.table, Key })) };
  }

  private encrypt(name: SecretName, values: readonly string[]) {
    return Promise.all(
      values.map(async (value) => {
        const { CiphertextBlob } = await this.kms.send(
          new EncryptCommand({
            KeyId: this.keyId(name),
            Plaintext: Buffer.from(value, 'base64url'),
            EncryptionContext: { yitong_secret: name },
          }),
        );
        if (!CiphertextBlob) throw new Error(`KMS could not encrypt ${name}`);
        return { value, blob: Buffer.from(CiphertextBlob).toString('base64') };
      }),
    );
  }
}
