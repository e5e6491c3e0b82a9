/**
 * Address ranges in configuration (`noBan`): an address or a CIDR block,
 * IPv4 or IPv6, as Bitcoin Core's `-whitelist=noban@<range>`.
 *
 * @internal
 */
import * as NetAddress from "../../wire/NetAddress.js"

/** @internal */
export interface Range {
  readonly network: number
  readonly address: Uint8Array
  readonly bits: number
}

/**
 * Parses `1.2.3.4`, `1.2.3.0/24`, `::1` or `2001:db8::/32`; undefined when it
 * is neither (a typo must not silently widen a permission, so callers reject it).
 *
 * @internal
 */
export const parseRange = (text: string): Range | undefined => {
  const [host = "", prefix, extra] = text.trim().split("/")
  if (extra !== undefined) return undefined
  const parsed = NetAddress.parseHost(host)
  if (parsed === undefined) return undefined
  const max = parsed.address.length * 8
  if (prefix !== undefined && !/^\d{1,3}$/.test(prefix)) return undefined
  const bits = prefix === undefined ? max : Number(prefix)
  if (bits > max) return undefined
  return { network: parsed.network, address: parsed.address, bits }
}

/** @internal */
export const contains = (range: Range, host: { readonly network: number; readonly address: Uint8Array }): boolean => {
  if (range.network !== host.network || range.address.length !== host.address.length) return false
  const whole = Math.floor(range.bits / 8)
  for (let i = 0; i < whole; i++) if (range.address[i] !== host.address[i]) return false
  const rest = range.bits % 8
  if (rest === 0) return true
  const mask = (0xff << (8 - rest)) & 0xff
  return (range.address[whole]! & mask) === (host.address[whole]! & mask)
}
