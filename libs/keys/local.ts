import { createPrivateKey, createPublicKey, generateKeyPairSync, type KeyObject, sign } from 'node:crypto';
import { join } from 'node:path';
import * as z from 'zod';
import { isZoneKey, type KeyPurpose, type Zone } from '../config/index.ts';
import { readOrCreateSecretFile } from './file.ts';
import { publicJwkOf } from './jwk.ts';
import type { Keyring, PublicJwk, Signer } from './signer.ts';

const PrivateJwk = z.object({
  kty: z.literal('EC'),
  crv: z.literal('P-256'),
  x: z.string(),
  y: z.string(),
  d: z.string(),
});
const KeyFile = z.object({
  current: PrivateJwk,
  /** Public halves of retired keys, kept until the last artefact they signed expires. */
  retired: z
    .array(z.object({ kty: z.literal('EC'), crv: z.literal('P-256'), x: z.string(), y: z.string() }))
    .default([]),
});
type KeyFile = z.infer<typeof KeyFile>;

class LocalSigner implements Signer {
  readonly alg = 'ES256' as const;
  readonly kid: string;

  constructor(
    readonly purpose: KeyPurpose,
    private readonly privateKey: KeyObject,
    readonly publicJwk: PublicJwk,
  ) {
    this.kid = publicJwk.kid;
  }

  async sign(data: Uint8Array): Promise<Uint8Array> {
    return sign('sha256', data, { key: this.privateKey, dsaEncoding: 'ieee-p1363' });
  }
}

export interface LocalKeyringOptions {
  /**
   * The zone whose keys of a per-zone purpose (ID and access tokens) this keyring holds, as
   * a deployed function holds only its zone's KMS key. @default none: per-zone keys are refused
   */
  readonly zone?: Zone;
  /** Called for every signature: benchmarks count the KMS `Sign` calls a deployment would make. */
  readonly onSign?: (purpose: KeyPurpose) => void;
}

/**
 * Development keys, generated on first use and kept (mode 0600) in the local data folder,
 * or only in memory when `dir` is undefined. Never used on AWS: there the KMS keyring is.
 * Per-zone purposes live in `<purpose>.<zone>.json`; a data folder from before keys were per
 * zone keeps an unused `id-token.json`, and each zone generates its own key on first start.
 */
export class LocalKeyring implements Keyring {
  private readonly loaded = new Map<KeyPurpose, Promise<{ signer: LocalSigner; retired: PublicJwk[] }>>();

  constructor(
    private readonly dir: string | undefined,
    private readonly options: LocalKeyringOptions = {},
  ) {}

  async signer(purpose: KeyPurpose): Promise<Signer> {
    const { signer } = await this.load(purpose);
    const { onSign } = this.options;
    if (!onSign) return signer;
    return {
      purpose: signer.purpose,
      alg: signer.alg,
      kid: signer.kid,
      publicJwk: signer.publicJwk,
      sign: (data) => {
        onSign(purpose);
        return signer.sign(data);
      },
    };
  }

  async publicKeys(purpose: KeyPurpose): Promise<readonly PublicJwk[]> {
    const { signer, retired } = await this.load(purpose);
    return [signer.publicJwk, ...retired];
  }

  private load(purpose: KeyPurpose) {
    let pending = this.loaded.get(purpose);
    if (!pending) {
      pending = this.readOrCreate(purpose).then(async (file) => {
        const privateKey = createPrivateKey({ key: file.current, format: 'jwk' });
        const signer = new LocalSigner(purpose, privateKey, await publicJwkOf(createPublicKey(privateKey)));
        const retired = await Promise.all(
          file.retired.map((jwk) => publicJwkOf(createPublicKey({ key: jwk, format: 'jwk' }))),
        );
        return { signer, retired };
      });
      this.loaded.set(purpose, pending);
    }
    return pending;
  }

  private async readOrCreate(purpose: KeyPurpose): Promise<KeyFile> {
    const { zone } = this.options;
    if (isZoneKey(purpose) && !zone) {
      throw new Error(`the ${purpose} key belongs to a zone: create the keyring with { zone }`);
    }
    if (!this.dir) return { current: generate(), retired: [] };
    const file = isZoneKey(purpose) ? `${purpose}.${zone}.json` : `${purpose}.json`;
    return readOrCreateSecretFile(join(this.dir, file), KeyFile, () => ({
      current: generate(),
      retired: [],
    }));
  }
}

const generate = (): KeyFile['current'] =>
  PrivateJwk.parse(generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey.export({ format: 'jwk' }));
