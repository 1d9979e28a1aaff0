import { createHash, createPublicKey } from 'node:crypto';
import { GetPublicKeyCommand, type KMSClient, SignCommand } from '@aws-sdk/client-kms';
import type { KeyPurpose } from '../config/index.ts';
import { publicJwkOf } from './jwk.ts';
import type { Keyring, PublicJwk, Signer } from './signer.ts';

const P256_COORDINATE = 32;

/**
 * KMS returns ECDSA signatures DER-encoded (SEQUENCE { INTEGER r, INTEGER s }); JOSE wants
 * r and s as fixed-width big-endian integers, concatenated.
 */
export const derToJose = (der: Uint8Array, size = P256_COORDINATE): Uint8Array => {
  let offset = 0;
  const expect = (tag: number) => {
    if (der[offset++] !== tag) throw new Error('malformed DER signature');
  };
  const readLength = (): number => {
    let length = der[offset++] ?? 0;
    if (length & 0x80) {
      const bytes = length & 0x7f;
      length = 0;
      for (let i = 0; i < bytes; i++) length = (length << 8) | (der[offset++] ?? 0);
    }
    return length;
  };
  const readInteger = (): Uint8Array => {
    expect(0x02);
    const length = readLength();
    let value = der.subarray(offset, offset + length);
    offset += length;
    while (value.length > size && value[0] === 0) value = value.subarray(1);
    if (value.length > size) throw new Error('malformed DER signature: integer too long');
    const out = new Uint8Array(size);
    out.set(value, size - value.length);
    return out;
  };
  expect(0x30);
  const sequenceLength = readLength();
  if (sequenceLength !== der.length - offset) throw new Error('malformed DER signature: length');
  const r = readInteger();
  const s = readInteger();
  const jose = new Uint8Array(size * 2);
  jose.set(r, 0);
  jose.set(s, size);
  return jose;
};

class KmsSigner implements Signer {
  readonly alg = 'ES256' as const;
  readonly kid: string;

  constructor(
    private readonly kms: KMSClient,
    private readonly keyId: string,
    readonly purpose: KeyPurpose,
    readonly publicJwk: PublicJwk,
  ) {
    this.kid = publicJwk.kid;
  }

  async sign(data: Uint8Array): Promise<Uint8Array> {
    const digest = createHash('sha256').update(data).digest();
    const { Signature } = await this.kms.send(
      new SignCommand({
        KeyId: this.keyId,
        Message: digest,
        MessageType: 'DIGEST',
        SigningAlgorithm: 'ECDSA_SHA_256',
      }),
    );
    if (!Signature) throw new Error(`KMS returned no signature for the ${this.purpose} key`);
    return derToJose(Signature);
  }
}

/** Signers backed by KMS ECC_NIST_P256 keys: the private key never leaves KMS. */
export class KmsKeyring implements Keyring {
  private readonly signers = new Map<KeyPurpose, Promise<KmsSigner>>();

  constructor(
    private readonly kms: KMSClient,
    private readonly keyIds: Partial<Record<KeyPurpose, string>>,
  ) {}

  signer(purpose: KeyPurpose): Promise<Signer> {
    return this.load(purpose);
  }

  async publicKeys(purpose: KeyPurpose): Promise<readonly PublicJwk[]> {
    return [(await this.load(purpose)).publicJwk];
  }

  private load(purpose: KeyPurpose): Promise<KmsSigner> {
    let pending = this.signers.get(purpose);
    if (!pending) {
      const keyId = this.keyIds[purpose];
      if (!keyId) return Promise.reject(new Error(`no KMS key is configured for ${purpose}`));
      pending = this.kms
        .send(new GetPublicKeyCommand({ KeyId: keyId }))
        .then(async ({ PublicKey, KeySpec }) => {
          if (!PublicKey || KeySpec !== 'ECC_NIST_P256') {
            throw new Error(`KMS key for ${purpose} must be ECC_NIST_P256, got ${KeySpec}`);
          }
          const jwk = await publicJwkOf(
            createPublicKey({ key: Buffer.from(PublicKey), format: 'der', type: 'spki' }),
          );
          return new KmsSigner(this.kms, keyId, purpose, jwk);
        });
      // A failed lookup must not stick for the life of the container.
      pending.catch(() => this.signers.delete(purpose));
      this.signers.set(purpose, pending);
    }
    return pending;
  }
}
