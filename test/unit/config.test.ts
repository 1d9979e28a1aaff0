import { describe, expect, it } from 'vitest';
import { ConfigError, configFromEnv } from '../../libs/config/index.ts';

const valid = {
  ZONE: 'intranet',
  ISSUER: 'https://id.intranet.gov.example/',
  TABLE_IDENTITY: 'yitong-identity',
  TABLE_LICENCES: 'yitong-licences',
  TABLE_AUDIT: 'yitong-audit',
  KMS_KEY_ID_TOKEN: 'arn:aws:kms:eu-west-1:111122223333:key/abc',
};

describe('function configuration', () => {
  it('parses a deployed function environment', () => {
    const config = configFromEnv(valid);
    expect(config).toMatchObject({
      zone: 'intranet',
      issuer: 'https://id.intranet.gov.example',
      tables: { identity: 'yitong-identity', licences: 'yitong-licences', audit: 'yitong-audit' },
      keys: { kind: 'kms', keyIds: { 'id-token': valid.KMS_KEY_ID_TOKEN } },
      localMode: false,
    });
  });

  it('fails fast naming every missing or invalid variable', () => {
    const { TABLE_AUDIT: _gone, ...rest } = valid;
    const attempt = () => configFromEnv({ ...rest, ZONE: 'internet', ISSUER: 'ftp://x' });
    expect(attempt).toThrow(ConfigError);
    expect(attempt).toThrow(/ZONE: .*TABLE_AUDIT|ZONE.*ISSUER.*TABLE_AUDIT/s);
  });

  it('reads which secrets a function may read, and refuses a name it does not know', () => {
    expect(configFromEnv(valid).keys).toMatchObject({ secrets: [] });
    const issuer = configFromEnv({ ...valid, SECRETS: 'cookie-keys,totp-data-key', KMS_KEY_TOTP: 'k' });
    expect(issuer.keys).toMatchObject({ secrets: ['cookie-keys', 'totp-data-key'], totpKeyId: 'k' });
    expect(() => configFromEnv({ ...valid, SECRETS: 'cookie-keys,everything' })).toThrow(/SECRETS/);
  });
});
