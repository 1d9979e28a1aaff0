import * as z from 'zod';

/**
 * How long each class of audit event is kept, in days. Access records (sign-ins, tokens,
 * verifications) are kept for at least the six months the Cybersecurity Law (Art. 21) asks
 * of network logs; security records (policy decisions, admin changes, licence changes,
 * alerts) for three years. Each class has its own hash chains, so events of one chain
 * expire oldest first and verification can tell expiry from deletion.
 *
 * Declared here, not in libs/audit, because a function's config parses it at cold start and
 * config sits below every other lib.
 */
export const RetentionDays = z.strictObject({
  access: z.number().int().min(180).max(36_500),
  security: z.number().int().min(180).max(36_500),
});
export type RetentionDays = z.infer<typeof RetentionDays>;

export const DEFAULT_RETENTION: RetentionDays = { access: 180, security: 1095 };

/** Parses `AUDIT_RETENTION_DAYS` (JSON, e.g. `{"access":365,"security":1825}`), failing fast. */
export const retentionFromEnv = (raw: string | undefined): RetentionDays => {
  if (!raw) return DEFAULT_RETENTION;
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw);
  } catch {
    throw new Error('AUDIT_RETENTION_DAYS must be JSON such as {"access":180,"security":1095}');
  }
  const result = RetentionDays.safeParse(parsed);
  if (!result.success)
    throw new Error(
      `AUDIT_RETENTION_DAYS: ${result.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`,
    );
  return result.data;
};
