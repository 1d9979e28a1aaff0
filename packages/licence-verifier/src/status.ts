/**
 * The IETF Token Status List as yitong writes it: 2 bits per licence, entry i at byte ⌊i·2/8⌋
 * from the least significant bit, DEFLATE-compressed in the ZLIB format.
 */

export const STATUS = { valid: 0, revoked: 1, suspended: 2 } as const;
export type StatusName = keyof typeof STATUS;

/** The name of a status value; undefined for a value the list format does not define. */
export const statusName = (value: number): StatusName | undefined =>
  (Object.keys(STATUS) as StatusName[]).find((name) => STATUS[name] === value);

/** Bits per entry. */
export const BITS = 2;

/** The status value of entry `index` in the (inflated) bytes of a list. */
export const getStatusBits = (bytes: Uint8Array, index: number): number =>
  (bytes[(index * BITS) >> 3]! >> ((index * BITS) & 7)) & 0b11;
