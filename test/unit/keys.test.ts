import { createHash, generateKeyPairSync, sign as nodeSign } from 'node:crypto';
import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { GetPublicKeyCommand, KMSClient, SignCommand } from '@aws-sdk/client-kms';
import { mockClient } from 'aws-sdk-client-mock';
import { CompactSign, calculateJwkThumbprint, compactVerify, importJWK } from 'jose';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { jwks, KmsKeyring, LocalKeyring, type Signer } from '../../libs/keys/index.ts';
import { derToJose } from '../../libs/keys/kms.ts';

/** Signs a JWS through a Signer, the way the licence and audit code will. */
const signJws = async (signer: Signer, payload: string): Promise<string> => {
  const header = Buffer.from(JSON.stringify({ alg: 'ES256', kid: signer.kid })).toString('base64url');
  const body = Buffer.from(payload).toString('base64url');
  const signature = await signer.sign(Buffer.from(`${header}.${body}`));
  return `${header}.${body}.${Buffer.from(signature).toString('base64url')}`;
};

describe('local keyring', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'yitong-keys-'));
  });
  afterEach(() => rm(dir, { recursive: true, force: true }));

  it('signs JWS that an independent verifier accepts with the published key', async () => {
    const signer = await new LocalKeyring(dir).signer('licence');
    const jws = await signJws(signer, 'hello');
    const { payload } = await compactVerify(jws, await importJWK(signer.publicJwk, 'ES256'));
    expect(Buffer.from(payload).toString()).toBe('hello');
  });

  it('uses the RFC 7638 thumbprint as kid', async () => {
    const { publicJwk, kid } = await new LocalKeyring(dir, { zone: 'public' }).signer('id-token');
    const { kty, crv, x, y } = publicJwk;
    expect(kid).toBe(await calculateJwkThumbprint({ kty, crv, x, y }, 'sha256'));
    expect(publicJwk).toMatchObject({ alg: 'ES256', use: 'sig', kid });
    expect(publicJwk).not.toHaveProperty('d');
  });

  it('keeps keys in the data folder, private to the owner, and reuses them on the next start', async () => {
    const first = await new LocalKeyring(dir).signer('audit-checkpoint');
    const second = await new LocalKeyring(dir).signer('audit-checkpoint');
    expect(second.kid).toBe(first.kid);
    expect((await stat(join(dir, 'audit-checkpoint.json'))).mode & 0o777).toBe(0o600);
  });

  it('gives each purpose its own key', async () => {
    const keyring = new LocalKeyring(dir, { zone: 'intranet' });
    const kids = await Promise.all(
      (['id-token', 'licence', 'status-list', 'audit-checkpoint'] as const).map(
        async (p) => (await keyring.signer(p)).kid,
      ),
    );
    expect(new Set(kids).size).toBe(4);
  });

  it('gives each zone its own token key and shares the other purposes between zones', async () => {
    const zones = ['public', 'extranet', 'intranet'] as const;
    const keyrings = zones.map((zone) => new LocalKeyring(dir, { zone }));
    const tokenKids = await Promise.all(keyrings.map(async (k) => (await k.signer('id-token')).kid));
    expect(new Set(tokenKids).size).toBe(3);
    for (const [i, zone] of zones.entries()) {
      expect((await jwks(keyrings[i]!, ['id-token'])).keys.map((k) => k.kid)).toEqual([tokenKids[i]]);
      expect((await stat(join(dir, `id-token.${zone}.json`))).mode & 0o777).toBe(0o600);
    }
    const licenceKids = await Promise.all(keyrings.map(async (k) => (await k.signer('licence')).kid));
    expect(new Set(licenceKids).size).toBe(1);
  });

  it('refuses a token key to a keyring that names no zone', async () => {
    await expect(new LocalKeyring(dir).signer('id-token')).rejects.toThrow(/belongs to a zone/);
  });

  it('upgrades a data folder with the one shared token key: new keys per zone, the old one trusted nowhere', async () => {
    const fs = await import('node:fs/promises');
    const old = generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey.export({ format: 'jwk' });
    await fs.writeFile(join(dir, 'id-token.json'), JSON.stringify({ current: old, retired: [] }), {
      mode: 0o600,
    });
    const oldKid = await calculateJwkThumbprint({ kty: 'EC', crv: 'P-256', x: old.x!, y: old.y! }, 'sha256');
    for (const zone of ['public', 'extranet', 'intranet'] as const) {
      const keys = (await jwks(new LocalKeyring(dir, { zone }), ['id-token'])).keys.map((k) => k.kid);
      expect(keys).toHaveLength(1);
      expect(keys).not.toContain(oldKid);
    }
  });

  it('publishes retired keys after the current one', async () => {
    const keyring = new LocalKeyring(dir);
    const current = await keyring.signer('licence');
    const file = JSON.parse(await readFile(join(dir, 'licence.json'), 'utf8'));
    const retired = generateKeyPairSync('ec', { namedCurve: 'P-256' }).publicKey.export({ format: 'jwk' });
    file.retired = [retired];
    await import('node:fs/promises').then((fs) =>
      fs.writeFile(join(dir, 'licence.json'), JSON.stringify(file)),
    );
    const set = await jwks(new LocalKeyring(dir), ['licence']);
    expect(set.keys.map((k) => k.kid)[0]).toBe(current.kid);
    expect(set.keys).toHaveLength(2);
    expect(set.keys[1]).toMatchObject({ x: retired.x, y: retired.y });
  });

  it('refuses a damaged key file instead of silently replacing the key', async () => {
    await import('node:fs/promises').then((fs) => fs.writeFile(join(dir, 'licence.json'), '{"current":{}}'));
    await expect(new LocalKeyring(dir).signer('licence')).rejects.toThrow(/cannot read .*licence\.json/);
  });
});

describe('KMS keyring', () => {
  const kmsMock = mockClient(KMSClient);
  afterEach(() => kmsMock.reset());

  /**
   * A real P-256 key stands in for the KMS key, so signatures really verify. Node cannot
   * sign a bare digest, so the fake looks up which known message the digest is of: it
   * thereby also checks that the keyring sends KMS the SHA-256 of exactly what is signed.
   */
  const messages = new Map<string, Buffer>();
  const expectSigning = (data: string) => {
    messages.set(createHash('sha256').update(data).digest('hex'), Buffer.from(data));
  };
  const withRealKey = () => {
    const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    kmsMock.on(GetPublicKeyCommand).resolves({
      KeySpec: 'ECC_NIST_P256',
      PublicKey: publicKey.export({ format: 'der', type: 'spki' }),
    });
    kmsMock.on(SignCommand).callsFake((input: { Message: Uint8Array; MessageType: string }) => {
      expect(input.MessageType).toBe('DIGEST');
      const message = messages.get(Buffer.from(input.Message).toString('hex'));
      if (!message) throw new Error('KMS was asked to sign a digest of an unexpected message');
      const signature = nodeSign('sha256', message, { key: privateKey, dsaEncoding: 'der' });
      return { Signature: signature, SigningAlgorithm: 'ECDSA_SHA_256' };
    });
    return publicKey;
  };

  it('signs through KMS and converts the DER signature to JOSE so it verifies', async () => {
    const publicKey = withRealKey();
    const keyring = new KmsKeyring(new KMSClient({ region: 'eu-west-1' }), {
      licence: 'alias/yitong-licence',
    });
    const signer = await keyring.signer('licence');
    const header = Buffer.from(JSON.stringify({ alg: 'ES256', kid: signer.kid })).toString('base64url');
    expectSigning(`${header}.${Buffer.from('{"licence":"yes"}').toString('base64url')}`);
    const jws = await signJws(signer, '{"licence":"yes"}');
    const { payload } = await compactVerify(jws, publicKey);
    expect(Buffer.from(payload).toString()).toBe('{"licence":"yes"}');
    expect(signer.publicJwk.x).toBe(publicKey.export({ format: 'jwk' }).x);
    expect(kmsMock.commandCalls(SignCommand)[0]!.args[0].input.KeyId).toBe('alias/yitong-licence');
  });

  it('looks the public key up once per container', async () => {
    withRealKey();
    const keyring = new KmsKeyring(new KMSClient({ region: 'eu-west-1' }), { 'id-token': 'k1' });
    await keyring.signer('id-token');
    await keyring.signer('id-token');
    await keyring.publicKeys('id-token');
    expect(kmsMock.commandCalls(GetPublicKeyCommand)).toHaveLength(1);
  });

  it('refuses a key that is not P-256 and a purpose with no key', async () => {
    kmsMock.on(GetPublicKeyCommand).resolves({ KeySpec: 'RSA_2048', PublicKey: new Uint8Array([1]) });
    const keyring = new KmsKeyring(new KMSClient({ region: 'eu-west-1' }), { licence: 'k' });
    await expect(keyring.signer('licence')).rejects.toThrow(/ECC_NIST_P256/);
    await expect(keyring.signer('status-list')).rejects.toThrow(/no KMS key is configured for status-list/);
  });
});

describe('DER to JOSE signature conversion', () => {
  it('matches what the JOSE library produces for the same signature', async () => {
    const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    for (let i = 0; i < 50; i++) {
      const data = Buffer.from(`message ${i}`);
      const der = nodeSign('sha256', data, { key: privateKey, dsaEncoding: 'der' });
      const jose = derToJose(der);
      expect(jose).toHaveLength(64);
      const { verify } = await import('node:crypto');
      expect(verify('sha256', data, { key: publicKey, dsaEncoding: 'ieee-p1363' }, jose)).toBe(true);
    }
    // And a JWS made by jose itself round-trips through our verifier path.
    const jws = await new CompactSign(Buffer.from('x')).setProtectedHeader({ alg: 'ES256' }).sign(privateKey);
    expect((await compactVerify(jws, publicKey)).protectedHeader.alg).toBe('ES256');
  });

  it('rejects malformed DER', () => {
    expect(() => derToJose(new Uint8Array([0x31, 0x00]))).toThrow(/malformed/);
    expect(() => derToJose(new Uint8Array([0x30, 0x05, 0x02, 0x01, 0x01]))).toThrow(/malformed/);
  });
});
