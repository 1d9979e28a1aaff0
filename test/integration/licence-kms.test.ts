import { generateKeyPairSync } from 'node:crypto';
import { GetPublicKeyCommand, KMSClient, SignCommand } from '@aws-sdk/client-kms';
import { digest } from '@sd-jwt/crypto-nodejs';
import { SDJwtVcInstance } from '@sd-jwt/sd-jwt-vc';
import { mockClient } from 'aws-sdk-client-mock';
import { importJWK, type JWK, jwtVerify } from 'jose';
import { afterAll, describe, expect, it } from 'vitest';
import { DEMO_LICENCE_TYPES } from '../../infra/local/seed.ts';
import { KmsKeyring } from '../../libs/keys/index.ts';
import { LicenceService, verifyLicence } from '../../libs/licences/index.ts';
import { signDigest } from '../../testkit/fake-aws.ts';
import { freshTables } from '../support/tables.ts';

/**
 * Licences signed through the KMS Signer adapter: KMS is mocked with aws-sdk-client-mock, but
 * behind the mock are real P-256 keys that sign the digest KMS is sent (DER, as KMS answers),
 * so the licence and its status list verify with the published keys.
 */
const kms = mockClient(KMSClient);
afterAll(() => kms.restore());

const keys = {
  'alias/yitong-licence': generateKeyPairSync('ec', { namedCurve: 'P-256' }),
  'alias/yitong-status-list': generateKeyPairSync('ec', { namedCurve: 'P-256' }),
};
type KeyId = keyof typeof keys;

describe('licences signed by KMS', () => {
  it('issue with ECC_NIST_P256 keys through the Signer port and verify, independently too', async () => {
    kms.on(GetPublicKeyCommand).callsFake(async (input: { KeyId: KeyId }) => ({
      KeySpec: 'ECC_NIST_P256',
      PublicKey: keys[input.KeyId].publicKey.export({ format: 'der', type: 'spki' }),
    }));
    kms
      .on(SignCommand)
      .callsFake(
        (input: { KeyId: KeyId; Message: Uint8Array; MessageType: string; SigningAlgorithm: string }) => {
          expect(input).toMatchObject({ MessageType: 'DIGEST', SigningAlgorithm: 'ECDSA_SHA_256' });
          return { Signature: signDigest(keys[input.KeyId].privateKey, input.Message), KeyId: input.KeyId };
        },
      );
    const keyring = new KmsKeyring(new KMSClient({ region: 'cn-north-1' }), {
      licence: 'alias/yitong-licence',
      'status-list': 'alias/yitong-status-list',
    });
    const { doc, tables } = await freshTables();
    const issuer = 'https://id.gov.example';
    const service = new LicenceService({
      doc,
      table: tables.licences,
      issuer,
      keyring,
      holders: { personRef: async () => 'person#kms-test' },
    });
    for (const type of DEMO_LICENCE_TYPES) await service.types.put(type);
    const type = await service.typeFor('professional-qualification');
    const { licence } = await service.issue(
      {
        type: type.typeId,
        holder: { residentId: '110101199003070011' },
        claims: {
          holder_name: '王五',
          id_number: '110105198001010010',
          qualification: 'CPA',
          level: 'senior',
          awarded: '2010-01-01',
        },
      },
      'kms-0001',
      { id: 'hr-registry', department: 'hr' },
      type,
    );
    expect(kms.commandCalls(SignCommand).map((c) => c.args[0].input.KeyId)).toEqual(['alias/yitong-licence']);

    const result = await service.verify(licence.sdJwt);
    expect(result).toMatchObject({ verdict: 'valid', licenceId: licence.licenceId });
    // The status list was signed by the status-list key, through KMS as well.
    expect(kms.commandCalls(SignCommand).map((c) => c.args[0].input.KeyId)).toContain(
      'alias/yitong-status-list',
    );

    const jwks = (await service.jwks()).keys as unknown as JWK[];
    const offline = await verifyLicence(licence.sdJwt, {
      issuerKeys: (iss) => (iss === issuer ? jwks : undefined),
      statusList: async () => ({
        token: (await service.statusLists.token(
          issuer,
          licence.statusList,
          await keyring.signer('status-list'),
        ))!,
        fetchedAt: Math.floor(Date.now() / 1000),
      }),
    });
    expect(offline.verdict).toBe('valid');

    const published = await Promise.all(jwks.map((k) => importJWK(k, 'ES256')));
    const anyKey = async (data: string, signature: string) => {
      const [h, p] = data.split('.');
      for (const key of published) {
        if (
          await jwtVerify(`${h}.${p}.${signature}`, key).then(
            () => true,
            () => false,
          )
        )
          return true;
      }
      return false;
    };
    const independent = new SDJwtVcInstance({
      hasher: digest,
      verifier: anyKey,
      statusVerifier: anyKey,
      statusListFetcher: async () =>
        (await service.statusLists.token(issuer, licence.statusList, await keyring.signer('status-list')))!,
    });
    const verified = await independent.verify(licence.sdJwt);
    expect(verified.payload.licence_id).toBe(licence.licenceId);
  });
});
