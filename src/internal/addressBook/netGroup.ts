/**
 * Address classification for the address book: validity, routability and the
 * network group used for bucketing and outbound diversity.
 *
 * Ranges follow Bitcoin Core's `CNetAddr` checks (RFC 1918, 2544, 3927,
 * 6598, 5737, 4862, 4193, 4843, 7343, 3849) plus multicast and the reserved
 * 240/4 block, which nobody can connect to either.
 *
 * @internal
 */
import { bytesToHex } from "../../wire/Hash.js"
import * as NetAddress from "../../wire/NetAddress.js"

/** @internal */
export interface AddressLike {
  readonly network: number
  readonly address: Uint8Array
  readonly port: number
}

const { IPv4, IPv6, TorV3, I2P, CJDNS } = NetAddress.NetworkId

/** Every byte of `a` equals `value`. */
const all = (a: Uint8Array, value: number): boolean => a.every((b) => b === value)

/** @internal */
export const isLocal = (a: AddressLike): boolean =>
  (a.network === IPv4 && a.address.length === 4 && a.address[0] === 127) ||
  (a.network === IPv6 && a.address.length === 16 && all(a.address.subarray(0, 15), 0) && a.address[15] === 1)

/**
 * Well-formed and connectable in principle: a known network with the right
 * length, not an unspecified / broadcast address, a port unless I2P (whose
 * addresses carry port 0 by convention). Tor v2 is gone from the network.
 *
 * @internal
 */
export const isValid = (a: AddressLike): boolean => {
  if (NetAddress.addressLength[a.network] !== a.address.length) return false
  if (a.port === 0 && a.network !== I2P) return false
  const b = a.address
  switch (a.network) {
    case IPv4:
      return b[0] !== 0 && !all(b, 255)
    case IPv6:
      // `::`, and the documentation prefix 2001:db8::/32 (RFC 3849), which Core treats as invalid.
      return !all(b, 0) && !(b[0] === 0x20 && b[1] === 0x01 && b[2] === 0x0d && b[3] === 0xb8)
    case CJDNS:
      return b[0] === 0xfc
    case TorV3:
    case I2P:
      return true
    default:
      return false
  }
}

const unroutableIPv4 = (b: Uint8Array): boolean => {
  const [x = 0, y = 0, z = 0] = b
  return (
    x === 10 || (x === 172 && y >= 16 && y <= 31) || (x === 192 && y === 168) || // RFC 1918
    (x === 198 && (y === 18 || y === 19)) || // RFC 2544
    (x === 169 && y === 254) || // RFC 3927
    (x === 100 && y >= 64 && y <= 127) || // RFC 6598
    (x === 192 && y === 0 && z === 2) || (x === 198 && y === 51 && z === 100) || (x === 203 && y === 0 && z === 113) || // RFC 5737
    x >= 224 // multicast and reserved
  )
}

const unroutableIPv6 = (b: Uint8Array): boolean => {
  const [x = 0, y = 0, z = 0, w = 0] = b
  return (
    (x === 0xfe && y === 0x80 && all(b.subarray(2, 8), 0)) || // RFC 4862 link-local fe80::/64
    (x & 0xfe) === 0xfc || // RFC 4193 unique local fc00::/7
    (x === 0x20 && y === 0x01 && z === 0x00 && (w & 0xf0) === 0x10) || // RFC 4843 ORCHID
    (x === 0x20 && y === 0x01 && z === 0x00 && (w & 0xf0) === 0x20) || // RFC 7343 ORCHIDv2
    x === 0xff // multicast
  )
}

/** @internal */
export const isRoutable = (a: AddressLike): boolean => {
  if (!isValid(a) || isLocal(a)) return false
  if (a.network === IPv4) return !unroutableIPv4(a.address)
  if (a.network === IPv6) return !unroutableIPv6(a.address)
  return true
}

const ipv4Group = (b: Uint8Array, at: number, xor = 0): string => `ipv4:${b[at]! ^ xor}.${b[at + 1]! ^ xor}`

const hex16 = (b: Uint8Array, at: number): string => (((b[at]! << 8) | b[at + 1]!)).toString(16)

/** @internal */
export const netGroup = (a: AddressLike): string => {
  if (!isValid(a)) return "invalid"
  if (isLocal(a)) return `local:${NetAddress.toString(a)}`
  if (!isRoutable(a)) return `unroutable:${NetAddress.hostToString(a)}`
  const b = a.address
  switch (a.network) {
    case IPv4:
      return ipv4Group(b, 0)
    case IPv6:
      // 6to4 (2002::/16) and Teredo (2001:0::/32) carry an IPv4 address: group by it.
      if (b[0] === 0x20 && b[1] === 0x02) return ipv4Group(b, 2)
      if (b[0] === 0x20 && b[1] === 0x01 && b[2] === 0 && b[3] === 0) return ipv4Group(b, 12, 0xff)
      // Hurricane Electric hands out /36s from 2001:470::/32: group by /36 there.
      if (b[0] === 0x20 && b[1] === 0x01 && b[2] === 0x04 && b[3] === 0x70) return `ipv6:2001:470:${(b[4]! >> 4).toString(16)}`
      return `ipv6:${hex16(b, 0)}:${hex16(b, 2)}`
    case TorV3:
      // Onion and I2P addresses are public keys: any prefix is attacker-chosen, so use a coarse 4 bits.
      return `tor:${(b[0]! >> 4).toString(16)}`
    case I2P:
      return `i2p:${(b[0]! >> 4).toString(16)}`
    case CJDNS:
      // The first byte is always 0xfc; the key-derived bits start after it.
      return `cjdns:${(b[1]! >> 4).toString(16)}`
    default:
      return `net${a.network}:${bytesToHex(b)}`
  }
}

/**
 * Parses `host:port`, `[ipv6]:port`, a bare IPv6 address or a host without a
 * port (then `defaultPort`). Literal addresses only; no name resolution.
 *
 * @internal
 */
export const parseHostPort = (text: string, defaultPort?: number): AddressLike | undefined => {
  const s = text.trim()
  let host = s
  let port: number | undefined = defaultPort
  if (s.startsWith("[")) {
    const close = s.indexOf("]")
    if (close < 0) return undefined
    host = s.slice(1, close)
    const rest = s.slice(close + 1)
    if (rest !== "") {
      if (!/^:\d{1,5}$/.test(rest)) return undefined
      port = Number(rest.slice(1))
    }
  } else {
    const colons = s.split(":").length - 1
    if (colons === 1) {
      const at = s.indexOf(":")
      if (!/^\d{1,5}$/.test(s.slice(at + 1))) return undefined
      host = s.slice(0, at)
      port = Number(s.slice(at + 1))
    }
  }
  if (port === undefined || port > 0xffff) return undefined
  const parsed = NetAddress.parseHost(host)
  return parsed === undefined ? undefined : { network: parsed.network, address: parsed.address, port }
}
