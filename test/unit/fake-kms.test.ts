import { createHash, generateKeyPairSync, verify } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { signDigest } from '../../testkit/fake-aws.ts';

describe('the KMS stand-in used by bundle tests', () => {
  it('signs a SHA-256 digest so that standard ECDSA verification of the message succeeds', () => {
    const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const message = Buffer.from('header.payload');
    const signature = signDigest(privateKey, createHash('sha256').update(message).digest());
    expect(verify('sha256', message, publicKey, signature)).toBe(true);
    expect(verify('sha256', Buffer.from('header.other'), publicKey, signature)).toBe(false);
  });
});
