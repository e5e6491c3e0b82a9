/**
 * The IPv4-mapped IPv6 prefix `::ffff:0:0/96`, by which the 16-byte legacy
 * address field carries an IPv4 address. Its own module because both
 * `wire/NetAddress` and the address codec use it, and the codec imports
 * `wire/NetAddress`.
 */

const MAPPED_PREFIX = [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff]

/** The 12 prefix bytes, to write before an IPv4 address. @internal */
export const MAPPED_PREFIX_BYTES = Uint8Array.from(MAPPED_PREFIX)

/** True when `b[at, at + 12)` is the IPv4-mapped prefix. @internal */
export const isMappedAt = (b: Uint8Array, at: number): boolean => {
  for (let i = 0; i < 12; i++) if (b[at + i] !== MAPPED_PREFIX[i]) return false
  return true
}

/** True when a 16-byte address is IPv4-mapped. @internal */
export const isMappedIPv4 = (ip16: Uint8Array): boolean => isMappedAt(ip16, 0)
