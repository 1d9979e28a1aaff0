import { createPrivateKey, createPublicKey, generateKeyPairSync, type KeyObject, sign } from 'node:crypto';
import { join } from 'node:path';
import { z } from 'zod';
import type { KeyPurpose } from '../config/index.ts';
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

/**
 * Development keys, generated on first use and kept (mode 0600) in the local data folder,
 * or only in memory when `dir` is undefined. Never used on AWS: there the KMS keyring is.
 */
export class LocalKeyring implements Keyring {
  private readonly loaded = new Map<KeyPurpose, Promise<{ signer: LocalSigner; retired: PublicJwk[] }>>();

  constructor(private readonly dir: string | undefined) {}

  async signer(purpose: KeyPurpose): Promise<Signer> {
    return (await this.load(purpose)).signer;
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
    if (!this.dir) return { current: generate(), retired: [] };
    return readOrCreateSecretFile(join(this.dir, `${purpose}.json`), KeyFile, () => ({
      current: generate(),
      retired: [],
    }));
  }
}

const generate = (): KeyFile['current'] =>
  PrivateJwk.parse(generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey.export({ format: 'jwk' }));
