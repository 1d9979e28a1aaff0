import * as z from 'zod';
import { PasswordHash } from './password.ts';
import { RecoveryCodes } from './totp.ts';

export const AccountKind = z.enum(['citizen', 'company', 'staff']);
export type AccountKind = z.infer<typeof AccountKind>;

/** `partner`: a company registered by an administrator to use extranet services. */
export const Role = z.enum([
  'citizen',
  'company',
  'partner',
  'staff',
  'department-officer',
  'auditor',
  'admin',
  /** Verifies people's identities in person at a service counter (IAL 3); docs/security.md. */
  'identity-officer',
  /**
   * The help desk (intranet): finds people, unlocks, disables and re-enables accounts, resets a
   * lost second factor after a counter re-check. Never together with `admin` (docs/security.md).
   */
  'support',
]);
export type Role = z.infer<typeof Role>;

/** Login names: 3-64 characters, letters, digits, dot, dash, underscore or @; compared case-insensitively. */
export const LoginName = z
  .string()
  .trim()
  .min(3, 'at least 3 characters')
  .max(64, 'at most 64 characters')
  .regex(/^[\p{L}\p{N}._@-]+$/u, 'letters, digits, dot, dash, underscore or @ only');

/** NIST SP 800-63B: length, not composition rules. */
export const NewPassword = z.string().min(10, 'at least 10 characters').max(256, 'at most 256 characters');
export const DisplayName = z.string().trim().min(1, 'required').max(100, 'at most 100 characters');

export const TotpState = z
  .object({
    /** The secret sealed with the TOTP data key (TotpVault): AES-256-GCM, the account id as additional data. */
    sealedSecret: z.string().optional(),
    /** Older versions stored the secret in clear; it is sealed at its next use (TotpVault#secretOf). */
    secret: z.string().optional(),
    enabledAt: z.string(),
    /** The last time step accepted: a code is never accepted twice. */
    lastStep: z.number().int().default(0),
    /** The unused recovery codes, salted and hashed with argon2id. */
    recovery: RecoveryCodes.optional(),
    /** Older versions: unsalted SHA-256 of each unused recovery code, accepted until used. */
    recoveryCodes: z.array(z.string()).default([]),
  })
  .refine((t) => t.sealedSecret !== undefined || t.secret !== undefined, 'a TOTP secret is required');
export type TotpState = z.infer<typeof TotpState>;

/**
 * An identity proved against an authoritative source (IAL 2) or in person (IAL 3). Only the keyed
 * hash of the resident ID number (`personRef`, libs/identity) and a masked form are kept.
 */
export const VerifiedIdentity = z.object({
  ial: z.union([z.literal(2), z.literal(3)]),
  /** `person#` + HMAC-SHA-256 of the resident ID number: what licences name as their holder. */
  personRef: z.string().regex(/^person#[\w-]{43}$/),
  /** The first and last four characters only. */
  residentIdMasked: z.string(),
  /** The name as the registry (or the card shown at the counter) gives it. */
  name: z.string(),
  birthDate: z.string(),
  verifiedAt: z.string(),
  method: z.enum(['registry', 'counter']),
  /** What was checked: the registry's record, a phone registered to the person, an ID card in person. */
  evidence: z.array(z.enum(['registry-record', 'phone', 'id-card-in-person'])),
  /** The civil servant who checked the person at a counter, and their department. */
  verifiedBy: z.object({ accountId: z.string(), department: z.string().optional() }).optional(),
});
export type VerifiedIdentity = z.infer<typeof VerifiedIdentity>;

export const Account = z.object({
  id: z.string(),
  kind: AccountKind,
  loginName: z.string(),
  displayName: z.string(),
  email: z.string().optional(),
  /**
   * When the person proved they receive mail at `email` (a code sent to it, /account/contact).
   * Absent: the address was only typed (at registration, or by an administrator); notices still
   * go to it, but it is not shown or searched as verified.
   */
  emailVerifiedAt: z.string().optional(),
  /** A mobile number in E.164 (`+8613800138000`), set only once an SMS code sent to it came back. */
  phone: z.string().optional(),
  /** When the phone was verified; reset codes and notices go to a phone only with it. */
  phoneVerifiedAt: z.string().optional(),
  /** How sure we are of who the person is: registration alone is self-asserted. */
  identityAssurance: z.enum(['self-asserted', 'verified']),
  /** The person's proved identity (IAL 2 or 3); absent: self-asserted (IAL 1). */
  identity: VerifiedIdentity.optional(),
  roles: z.array(Role),
  department: z.string().optional(),
  password: PasswordHash,
  totp: TotpState.optional(),
  passkeyIds: z.array(z.string()).default([]),
  status: z.enum(['active', 'disabled']),
  failedLogins: z.number().int().default(0),
  failureWindowStart: z.number().int().default(0),
  lockedUntil: z.number().int().default(0),
  /**
   * Set when an administrator (or the break-glass CLI) gave the account a one-time password:
   * the next sign-in asks for a new password before anything else, and until then the
   * policies refuse every API and console (forbid-setup-pending).
   */
  mustChangePassword: z.boolean().default(false),
  /** Set on new staff accounts: the next sign-in enrols a second factor before any code is issued. */
  mustEnrolSecondFactor: z.boolean().default(false),
  /** Epoch seconds: sessions and tokens from before this (a password change or reset) are no longer valid. */
  sessionsValidAfter: z.number().int().default(0),
  /**
   * The person asked to close the account (docs/account.md): it is deleted once `closesAt`
   * (epoch seconds) has passed, unless they sign in and cancel before then.
   */
  closing: z
    .object({
      requestedAt: z.string(),
      closesAt: z.number().int(),
      /** The language of the page it was asked on: the notices that follow are in it. */
      lang: z.enum(['zh-CN', 'en']).optional(),
    })
    .optional(),
  createdAt: z.string(),
  version: z.number().int(),
});
export type Account = z.infer<typeof Account>;

export const Passkey = z.object({
  credentialId: z.string(),
  accountId: z.string(),
  publicKey: z.string(),
  counter: z.number().int(),
  transports: z.array(z.string()).default([]),
  createdAt: z.string(),
  /** What the person calls it (the account centre); older passkeys have none. */
  name: z.string().optional(),
  /** When it last proved its owner (a sign-in or a password change). */
  lastUsedAt: z.string().optional(),
});
export type Passkey = z.infer<typeof Passkey>;

/** A passkey's name as the person gives it: what tells their phone from their laptop. */
export const PasskeyName = z.string().trim().min(1, 'required').max(60, 'at most 60 characters');

/** Case and width folded, so Zhang.San and ｚｈａｎｇ.ｓａｎ are one name. */
export const normaliseLoginName = (name: string): string => name.trim().normalize('NFKC').toLowerCase();

/**
 * E-mail addresses as the lookup finds them: trimmed, width folded and lower-cased. The local
 * part is case-sensitive in theory (RFC 5321) and never in practice; folding it means an
 * auditor finds the account however the address was typed.
 */
export const normaliseEmail = (email: string): string => email.trim().normalize('NFKC').toLowerCase();

export const accountKey = (id: string) => ({ pk: `account#${id}`, sk: 'account' });
export const loginNameKey = (name: string) => ({ pk: `login#${normaliseLoginName(name)}`, sk: 'login' });
/**
 * One item per account holding an address: addresses are optional and not unique, so the
 * partition lists every account that gives it. The item holds only the address (which the
 * account item already holds) and the account id.
 */
export const emailKey = (email: string, accountId: string) => ({
  pk: `email#${normaliseEmail(email)}`,
  sk: accountId,
});
/** One item per account holding a verified phone, like `emailKey`: the help desk finds people by it. */
export const phoneKey = (phone: string, accountId: string) => ({ pk: `phone#${phone}`, sk: accountId });
export const passkeyKey = (credentialId: string) => ({ pk: `passkey#${credentialId}`, sk: 'passkey' });

/** The account's identity assurance level: 1 (self-asserted) unless an identity was proved. */
export const ialOf = (account: Pick<Account, 'identity'>): 1 | 2 | 3 => account.identity?.ial ?? 1;

/** Where messages to the person go: their email, and their phone only when verified. */
export const recipientOf = (
  account: Pick<Account, 'id' | 'loginName' | 'email' | 'phone' | 'phoneVerifiedAt'>,
) => ({
  accountId: account.id,
  loginName: account.loginName,
  ...(account.email ? { email: account.email } : {}),
  ...(account.phone && account.phoneVerifiedAt ? { phone: account.phone } : {}),
});

/** Mainland China mobile numbers (SMS reaches mobiles only): 1, then 3-9, then nine digits. */
const MAINLAND_MOBILE = /^\+861[3-9]\d{9}$/;

/**
 * A phone number as typed (`138 0013 8000`, `+86 138-0013-8000`, `0086…`) in E.164, or why it is
 * not one: 11 digits starting with 1 are a mainland mobile (+86); other countries need their
 * `+` code; a +86 number must be a mobile.
 */
export const parsePhone = (
  input: string,
):
  | { readonly ok: true; readonly phone: string }
  | { readonly ok: false; readonly problem: 'format' | 'mobile' } => {
  const compact = input.normalize('NFKC').replace(/[\s().-]/g, '');
  const e164 = compact.startsWith('00')
    ? `+${compact.slice(2)}`
    : /^1\d{10}$/.test(compact)
      ? `+86${compact}`
      : compact;
  if (!/^\+[1-9]\d{6,14}$/.test(e164)) return { ok: false, problem: 'format' };
  if (e164.startsWith('+86') && !MAINLAND_MOBILE.test(e164)) return { ok: false, problem: 'mobile' };
  return { ok: true, phone: e164 };
};

/** A phone shown to its owner with the middle hidden (`+86 138****8000`), as Chinese services do. */
export const maskPhone = (phone: string): string =>
  phone.startsWith('+86') && phone.length === 14
    ? `+86 ${phone.slice(3, 6)}****${phone.slice(10)}`
    : `${phone.slice(0, 4)}${'*'.repeat(Math.max(0, phone.length - 8))}${phone.slice(-4)}`;
/** How long a closing waits before the account is deleted: 14 days, unless configured. */
export const DEFAULT_CLOSING_SECONDS = 14 * 86_400;

/** Whether the account's cooling-off has ended: it is closed, never signed in again, and awaits deletion. */
export const isClosed = (
  account: Pick<Account, 'closing'>,
  now: number = Math.floor(Date.now() / 1000),
): boolean => account.closing !== undefined && account.closing.closesAt <= now;
