/** Levels of assurance: 1 password, 2 password + second factor, 3 phishing-resistant (passkey). */
export const ACR = {
  1: 'urn:yitong:loa:1',
  2: 'urn:yitong:loa:2',
  3: 'urn:yitong:loa:3',
} as const;
export type Loa = keyof typeof ACR;
export const ACR_VALUES: readonly string[] = Object.values(ACR);

/** The level an acr names; 0 for none or unknown. */
export const loaOf = (acr: unknown): number => {
  const match = typeof acr === 'string' ? /^urn:yitong:loa:([123])$/.exec(acr) : null;
  return match ? Number(match[1]) : 0;
};

/** The level a request needs: the client's own minimum, raised by any acr_values it asks for (the lowest listed). */
export const requiredLoa = (clientMinimum: unknown, acrValues: unknown): number => {
  const requested =
    typeof acrValues === 'string' && acrValues.trim()
      ? Math.min(
          ...acrValues
            .split(/\s+/)
            .map(loaOf)
            .filter((n) => n > 0),
          3,
        )
      : 0;
  return Math.max(loaOf(clientMinimum), Number.isFinite(requested) ? requested : 0, 1);
};
