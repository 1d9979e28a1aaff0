import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { GetSecretValueCommand, type SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { z } from 'zod';
import type { SecretSource } from '../config/index.ts';
import { readOrCreateSecretFile } from './file.ts';

const CookieKeys = z.array(z.string().min(32)).min(1);

/**
 * Keys that sign oidc-provider's cookies, newest first (older ones still verify during
 * rotation). On AWS a Secrets Manager secret holds a JSON array; locally a file in the data folder.
 */
export const loadCookieKeys = async (
  source: SecretSource,
  secretsManager?: SecretsManagerClient,
): Promise<string[]> => {
  if (source.kind === 'secrets-manager') {
    if (!secretsManager) throw new Error('a Secrets Manager client is required for cookie keys');
    const { SecretString } = await secretsManager.send(
      new GetSecretValueCommand({ SecretId: source.secretId }),
    );
    if (!SecretString) throw new Error('the cookie key secret is empty');
    const parsed = SecretString.trim().startsWith('[') ? JSON.parse(SecretString) : [SecretString];
    return CookieKeys.parse(parsed);
  }
  const fresh = () => [randomBytes(32).toString('base64url')];
  if (!source.dir) return fresh();
  return readOrCreateSecretFile(join(source.dir, 'cookie-keys.json'), CookieKeys, fresh);
};
