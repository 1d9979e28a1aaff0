import {
  createCipheriv,
  createDecipheriv,
  createPublicKey,
  generateKeyPairSync,
  type KeyObject,
  randomBytes,
} from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * KMS and Secrets Manager have no local twin, so tests of real bundles talk to this
 * stand-in over the AWS JSON protocol (pointed at by AWS_ENDPOINT_URL_KMS and
 * AWS_ENDPOINT_URL_SECRETS_MANAGER). Keys are real P-256 keys: signatures verify.
 */

// P-256 domain parameters (FIPS 186-4 D.1.2.3).
const P = 0xffffffff00000001000000000000000000000000ffffffffffffffffffffffffn;
const N = 0xffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551n;
const A = P - 3n;
const G = {
  x: 0x6b17d1f2e12c4247f8bce6e563a440f277037d812deb33a0f4a13945d898c296n,
  y: 0x4fe342e2fe1a7f9b8ee7eb4a7c0f9e162bce33576b315ececbb6406837bf51f5n,
};
type Point = { x: bigint; y: bigint } | null;

const mod = (a: bigint, m: bigint) => ((a % m) + m) % m;
const inv = (a: bigint, m: bigint) => {
  let [r0, r1, s0, s1] = [mod(a, m), m, 1n, 0n];
  while (r1 !== 0n) {
    const q = r0 / r1;
    [r0, r1] = [r1, r0 - q * r1];
    [s0, s1] = [s1, s0 - q * s1];
  }
  return mod(s0, m);
};
const add = (p1: Point, p2: Point): Point => {
  if (!p1) return p2;
  if (!p2) return p1;
  if (p1.x === p2.x && mod(p1.y + p2.y, P) === 0n) return null;
  const l =
    p1.x === p2.x && p1.y === p2.y
      ? mod((3n * p1.x * p1.x + A) * inv(2n * p1.y, P), P)
      : mod((p2.y - p1.y) * inv(p2.x - p1.x, P), P);
  const x = mod(l * l - p1.x - p2.x, P);
  return { x, y: mod(l * (p1.x - x) - p1.y, P) };
};
const multiply = (k: bigint, point: Point): Point => {
  let result: Point = null;
  let addend = point;
  for (let n = k; n > 0n; n >>= 1n) {
    if (n & 1n) result = add(result, addend);
    addend = add(addend, addend);
  }
  return result;
};
const toBig = (bytes: Uint8Array) => BigInt(`0x${Buffer.from(bytes).toString('hex') || '0'}`);
const derInteger = (v: bigint) => {
  let hex = v.toString(16);
  if (hex.length % 2) hex = `0${hex}`;
  let bytes = Buffer.from(hex, 'hex');
  if (bytes[0]! & 0x80) bytes = Buffer.concat([Buffer.from([0]), bytes]);
  return Buffer.concat([Buffer.from([0x02, bytes.length]), bytes]);
};

/** ECDSA P-256 over a precomputed SHA-256 digest, DER-encoded: what KMS's MessageType DIGEST does. */
export const signDigest = (privateKey: KeyObject, digest: Uint8Array): Buffer => {
  const d = toBig(Buffer.from(privateKey.export({ format: 'jwk' }).d!, 'base64url'));
  const e = toBig(digest);
  for (;;) {
    const k = mod(toBig(randomBytes(40)), N - 1n) + 1n;
    const r = mod(multiply(k, G)!.x, N);
    const s = mod(inv(k, N) * (e + r * d), N);
    if (r === 0n || s === 0n) continue;
    const body = Buffer.concat([derInteger(r), derInteger(s)]);
    return Buffer.concat([Buffer.from([0x30, body.length]), body]);
  }
};

export interface FakeAws {
  readonly endpoint: string;
  readonly keys: Map<string, KeyObject>;
  readonly calls: string[];
  close(): Promise<void>;
}

/** Starts the stand-in with one key per id and one secret per id. */
export const startFakeAws = async (options: {
  readonly keyIds: readonly string[];
  readonly secrets?: Readonly<Record<string, string>>;
}): Promise<FakeAws> => {
  const keys = new Map(
    options.keyIds.map((id) => [id, generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey]),
  );
  const calls: string[] = [];
  // Symmetric keys (GenerateDataKey / Decrypt): any other KeyId. A data key is sealed under this
  // stand-in's own key with the key id and encryption context as additional data, so Decrypt
  // with another context or key fails as KMS's does.
  const master = randomBytes(32);
  const contextOf = (keyId: string, context: unknown) =>
    Buffer.from(`${keyId}|${JSON.stringify(context ?? {})}`);
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const target = String(req.headers['x-amz-target'] ?? '');
      const body = JSON.parse(Buffer.concat(chunks).toString() || '{}');
      calls.push(target);
      const reply = (status: number, json: unknown) => {
        res.writeHead(status, { 'content-type': 'application/x-amz-json-1.1' });
        res.end(JSON.stringify(json));
      };
      const key = keys.get(body.KeyId);
      if (target === 'TrentService.GetPublicKey' && key) {
        return reply(200, {
          KeyId: body.KeyId,
          KeySpec: 'ECC_NIST_P256',
          KeyUsage: 'SIGN_VERIFY',
          SigningAlgorithms: ['ECDSA_SHA_256'],
          PublicKey: createPublicKey(key).export({ format: 'der', type: 'spki' }).toString('base64'),
        });
      }
      if (target === 'TrentService.Sign' && key && body.MessageType === 'DIGEST') {
        const signature = signDigest(key, Buffer.from(body.Message, 'base64'));
        return reply(200, {
          KeyId: body.KeyId,
          Signature: signature.toString('base64'),
          SigningAlgorithm: 'ECDSA_SHA_256',
        });
      }
      if ((target === 'TrentService.GenerateDataKey' || target === 'TrentService.Encrypt') && !key) {
        const plaintext =
          target === 'TrentService.Encrypt' ? Buffer.from(body.Plaintext, 'base64') : randomBytes(32);
        const iv = randomBytes(12);
        const cipher = createCipheriv('aes-256-gcm', master, iv).setAAD(
          contextOf(body.KeyId, body.EncryptionContext),
        );
        const sealed = Buffer.concat([iv, cipher.update(plaintext), cipher.final(), cipher.getAuthTag()]);
        const blob = Buffer.concat([Buffer.from(`${body.KeyId}\n`), sealed]);
        return reply(200, {
          KeyId: body.KeyId,
          Plaintext: plaintext.toString('base64'),
          CiphertextBlob: blob.toString('base64'),
        });
      }
      if (target === 'TrentService.Decrypt') {
        const blob = Buffer.from(body.CiphertextBlob, 'base64');
        const keyId = blob.subarray(0, blob.indexOf(10)).toString();
        const sealed = blob.subarray(blob.indexOf(10) + 1);
        try {
          const decipher = createDecipheriv('aes-256-gcm', master, sealed.subarray(0, 12)).setAAD(
            contextOf(keyId, body.EncryptionContext),
          );
          decipher.setAuthTag(sealed.subarray(sealed.length - 16));
          const plaintext = Buffer.concat([
            decipher.update(sealed.subarray(12, sealed.length - 16)),
            decipher.final(),
          ]);
          if (body.KeyId && body.KeyId !== keyId) throw new Error('another key');
          return reply(200, { KeyId: keyId, Plaintext: plaintext.toString('base64') });
        } catch {
          return reply(400, { __type: 'InvalidCiphertextException', message: 'cannot decrypt' });
        }
      }
      if (target === 'secretsmanager.GetSecretValue' && options.secrets?.[body.SecretId]) {
        return reply(200, {
          ARN: body.SecretId,
          Name: body.SecretId,
          SecretString: options.secrets[body.SecretId],
        });
      }
      return reply(400, {
        __type: 'NotFoundException',
        message: `no such key, secret or operation: ${target}`,
      });
    });
  });
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', () => done()));
  return {
    endpoint: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    keys,
    calls,
    close: () => new Promise((done) => server.close(() => done())),
  };
};
