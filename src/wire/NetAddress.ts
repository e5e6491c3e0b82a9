/**
 * Network addresses as the protocol carries them: in `version` (no time), in
 * `addr` (legacy, 16-byte IPv6 with IPv4 mapped into `::ffff:0:0/96`) and in
 * `addrv2` (BIP-0155: a network id and an address of that network's length).
 *
 * One representation serves all three: a BIP-0155 network id plus the raw
 * address bytes. A legacy IPv4-mapped address decodes as network `IPv4` with 4
 * bytes, so an address learned from `addr` and one learned from `addrv2`
 * compare equal. Unknown network ids from `addrv2` are kept, not rejected.
 *
 * @since 0.1.0
 */
import { sha3_256 } from "@noble/hashes/sha3.js"
import * as Schema from "effect/Schema"
import { isMappedIPv4 } from "../internal/wire/mappedIPv4.js"
import { bytesToHex } from "./Hash.js"
import { ServiceFlags } from "./ServiceFlags.js"
import { UInt16, UInt32, UInt8 } from "./Fields.js"

/**
 * BIP-0155 network ids.
 *
 * @since 0.1.0
 * @category schemas
 */
export const NetworkId = {
  IPv4: 1,
  IPv6: 2,
  TorV2: 3,
  TorV3: 4,
  I2P: 5,
  CJDNS: 6
} as const

/**
 * Address length per known BIP-0155 network.
 *
 * @since 0.1.0
 * @category utils
 */
export const addressLength: Readonly<Record<number, number>> = { 1: 4, 2: 16, 3: 10, 4: 32, 5: 32, 6: 16 }

/**
 * Longest address `addrv2` may carry (BIP-0155).
 *
 * @since 0.1.0
 * @category constants
 */
export const MAX_ADDRV2_ADDRESS = 512

const networkAddressArbitrary = (fc: typeof import("effect/FastCheck"), legacyOnly: boolean) =>
  (legacyOnly ? fc.constantFrom(1, 2) : fc.constantFrom(1, 2, 4, 5, 6, 42)).chain((network) =>
    fc
      .uint8Array({ minLength: addressLength[network] ?? 7, maxLength: addressLength[network] ?? 7 })
      // A random IPv6 address in ::ffff:0:0/96 would decode as IPv4; keep IPv6 out of that range.
      .map((address) => (network === 2 && isMappedIPv4(address) ? (address[0] = 0x20, address) : address))
      .map((address) => ({ network, address }))
  )

/** Any services, any port, an address of a network the encoding can carry. */
const addressArbitrary = (fc: typeof import("effect/FastCheck"), legacyOnly: boolean) =>
  fc.record({ services: fc.bigUint(2n ** 64n - 1n), port: fc.integer({ min: 0, max: 0xffff }), na: networkAddressArbitrary(fc, legacyOnly) })
    .map(({ na, port, services }) => ({ services, network: na.network, address: na.address, port }))

/** The same with a 32-bit timestamp (`addr`, `addrv2`). */
const timedAddressArbitrary = (fc: typeof import("effect/FastCheck"), legacyOnly: boolean) =>
  fc.tuple(fc.integer({ min: 0, max: 0xffff_ffff }), addressArbitrary(fc, legacyOnly)).map(([time, a]) => ({ time, ...a }))

/**
 * An address without a timestamp: services, BIP-0155 network id, address bytes, port.
 *
 * @since 0.1.0
 * @category models
 */
export interface NetAddressFields {
  readonly services: bigint
  readonly network: number
  readonly address: Uint8Array
  readonly port: number
}

/**
 * An address with the time it was last seen (seconds since the epoch), as in `addr` and `addrv2`.
 *
 * @since 0.1.0
 * @category models
 */
export interface TimedNetAddressFields extends NetAddressFields {
  readonly time: number
}

/**
 * Schema of a legacy-encodable address (IPv4 or IPv6), with an arbitrary that
 * produces only those.
 *
 * @since 0.1.0
 * @category schemas
 */
export const LegacyNetAddress = Schema.Struct({
  services: ServiceFlags,
  network: UInt8,
  address: Schema.Uint8ArrayFromSelf,
  port: UInt16
}).annotations({
  identifier: "LegacyNetAddress",
  arbitrary: () => (fc) => addressArbitrary(fc, true)
})

/**
 * Legacy address with a timestamp.
 *
 * @since 0.1.0
 * @category schemas
 */
export const LegacyTimedNetAddress = Schema.Struct({
  time: UInt32,
  services: ServiceFlags,
  network: UInt8,
  address: Schema.Uint8ArrayFromSelf,
  port: UInt16
}).annotations({
  identifier: "LegacyTimedNetAddress",
  arbitrary: () => (fc) => timedAddressArbitrary(fc, true)
})

/**
 * An `addrv2` entry (any BIP-0155 network, unknown ids kept).
 *
 * @since 0.1.0
 * @category schemas
 */
export const AddrV2Entry = Schema.Struct({
  time: UInt32,
  services: ServiceFlags,
  network: UInt8,
  address: Schema.Uint8ArrayFromSelf.pipe(Schema.filter((b) => b.length <= MAX_ADDRV2_ADDRESS)),
  port: UInt16
}).annotations({
  identifier: "AddrV2Entry",
  arbitrary: () => (fc) => timedAddressArbitrary(fc, false)
})

// ---------------------------------------------------------------------------
// Host strings

const BASE32 = "abcdefghijklmnopqrstuvwxyz234567"

const base32Encode = (b: Uint8Array): string => {
  let out = ""
  let bits = 0
  let value = 0
  for (const byte of b) {
    value = (value << 8) | byte
    bits += 8
    while (bits >= 5) {
      out += BASE32[(value >>> (bits - 5)) & 31]
      bits -= 5
    }
  }
  if (bits > 0) out += BASE32[(value << (5 - bits)) & 31]
  return out
}

const base32Decode = (s: string): Uint8Array | undefined => {
  const out: Array<number> = []
  let bits = 0
  let value = 0
  for (const ch of s) {
    const v = BASE32.indexOf(ch)
    if (v < 0) return undefined
    value = ((value << 5) | v) & 0xffff
    bits += 5
    if (bits >= 8) {
      out.push((value >>> (bits - 8)) & 0xff)
      bits -= 8
    }
  }
  return Uint8Array.from(out)
}

const torV3Checksum = (pubkey: Uint8Array): Uint8Array => {
  const prefix = new TextEncoder().encode(".onion checksum")
  const buf = new Uint8Array(prefix.length + 33)
  buf.set(prefix)
  buf.set(pubkey, prefix.length)
  buf[prefix.length + 32] = 3
  return sha3_256(buf).subarray(0, 2)
}

const ipv6ToString = (b: Uint8Array): string => {
  const groups: Array<number> = []
  for (let i = 0; i < 16; i += 2) groups.push((b[i]! << 8) | b[i + 1]!)
  // RFC 5952: compress the longest run (>= 2) of zero groups.
  let bestStart = -1
  let bestLen = 0
  for (let i = 0; i < 8;) {
    if (groups[i] !== 0) { i++; continue }
    let j = i
    while (j < 8 && groups[j] === 0) j++
    if (j - i > bestLen && j - i >= 2) { bestStart = i; bestLen = j - i }
    i = j
  }
  const hex = groups.map((g) => g.toString(16))
  if (bestStart < 0) return hex.join(":")
  return `${hex.slice(0, bestStart).join(":")}::${hex.slice(bestStart + bestLen).join(":")}`
}

const parseIPv4 = (s: string): Uint8Array | undefined => {
  const parts = s.split(".")
  if (parts.length !== 4) return undefined
  const out = new Uint8Array(4)
  for (let i = 0; i < 4; i++) {
    const p = parts[i]!
    if (!/^\d{1,3}$/.test(p) || Number(p) > 255) return undefined
    out[i] = Number(p)
  }
  return out
}

const parseIPv6 = (s: string): Uint8Array | undefined => {
  let text = s
  if (text.includes(".")) {
    // An embedded IPv4 tail (`::ffff:1.2.3.4`) becomes two hex groups.
    const lastColon = text.lastIndexOf(":")
    const v4 = parseIPv4(text.slice(lastColon + 1))
    if (v4 === undefined) return undefined
    text = `${text.slice(0, lastColon + 1)}${((v4[0]! << 8) | v4[1]!).toString(16)}:${((v4[2]! << 8) | v4[3]!).toString(16)}`
  }
  const halves = text.split("::")
  if (halves.length > 2) return undefined
  const parse = (h: string): Array<number> | undefined => {
    if (h === "") return []
    const gs = h.split(":")
    const out: Array<number> = []
    for (const g of gs) {
      if (!/^[0-9a-fA-F]{1,4}$/.test(g)) return undefined
      out.push(parseInt(g, 16))
    }
    return out
  }
  const head = parse(halves[0]!)
  const rest = halves.length === 2 ? parse(halves[1]!) : []
  if (head === undefined || rest === undefined) return undefined
  const explicit = head.length + rest.length
  let groups: Array<number>
  if (halves.length === 2) {
    if (explicit > 7) return undefined
    groups = [...head, ...new Array<number>(8 - explicit).fill(0), ...rest]
  } else {
    if (explicit !== 8) return undefined
    groups = head
  }
  const out = new Uint8Array(16)
  groups.forEach((g, i) => { out[i * 2] = g >> 8; out[i * 2 + 1] = g & 0xff })
  return out
}

/**
 * The host part as people write it: `1.2.3.4`, `2001:db8::1`, `…​.onion`,
 * `…​.b32.i2p`, a CJDNS IPv6, or `net<id>:<hex>` for networks we do not know.
 *
 * @since 0.1.0
 * @category utils
 */
export const hostToString = (a: { readonly network: number; readonly address: Uint8Array }): string => {
  switch (a.network) {
    case NetworkId.IPv4:
      // Four reads and one template: `Array.from(bytes).join(".")` was ~1% of a connection's setup (dial, then each peer's `remote`).
      if (a.address.length === 4) return `${a.address[0]}.${a.address[1]}.${a.address[2]}.${a.address[3]}`
      break
    case NetworkId.IPv6:
    case NetworkId.CJDNS:
      if (a.address.length === 16) return ipv6ToString(a.address)
      break
    case NetworkId.TorV3:
      if (a.address.length === 32) {
        const full = new Uint8Array(35)
        full.set(a.address)
        full.set(torV3Checksum(a.address), 32)
        full[34] = 3
        return `${base32Encode(full)}.onion`
      }
      break
    case NetworkId.I2P:
      if (a.address.length === 32) return `${base32Encode(a.address)}.b32.i2p`
      break
  }
  return `net${a.network}:${bytesToHex(a.address)}`
}

/**
 * Parses a host string (IPv4, IPv6 with or without brackets, Tor v3 `.onion`,
 * I2P `.b32.i2p`) into a network id and address bytes. CJDNS addresses
 * (`fc00::/8`) are reported as CJDNS. Returns `undefined` for anything else.
 *
 * @since 0.1.0
 * @category decoding
 */
export const parseHost = (host: string): { readonly network: number; readonly address: Uint8Array } | undefined => {
  const h = host.startsWith("[") && host.endsWith("]") ? host.slice(1, -1) : host
  const v4 = parseIPv4(h)
  if (v4 !== undefined) return { network: NetworkId.IPv4, address: v4 }
  if (h.includes(":")) {
    const v6 = parseIPv6(h)
    if (v6 === undefined) return undefined
    if (isMappedIPv4(v6)) return { network: NetworkId.IPv4, address: v6.slice(12) }
    return { network: v6[0] === 0xfc ? NetworkId.CJDNS : NetworkId.IPv6, address: v6 }
  }
  const lower = h.toLowerCase()
  if (lower.endsWith(".onion")) {
    const raw = base32Decode(lower.slice(0, -6))
    if (raw === undefined || raw.length !== 35 || raw[34] !== 3) return undefined
    const pubkey = raw.slice(0, 32)
    const sum = torV3Checksum(pubkey)
    if (sum[0] !== raw[32] || sum[1] !== raw[33]) return undefined
    return { network: NetworkId.TorV3, address: pubkey }
  }
  if (lower.endsWith(".b32.i2p")) {
    const raw = base32Decode(lower.slice(0, -8))
    if (raw === undefined || raw.length !== 32) return undefined
    return { network: NetworkId.I2P, address: raw }
  }
  return undefined
}

/**
 * `host:port`, with IPv6 hosts in brackets.
 *
 * @since 0.1.0
 * @category encoding
 */
export const toString = (a: { readonly network: number; readonly address: Uint8Array; readonly port: number }): string => {
  const host = hostToString(a)
  return a.network === NetworkId.IPv6 || a.network === NetworkId.CJDNS ? `[${host}]:${a.port}` : `${host}:${a.port}`
}

/**
 * Builds an address from a host string and port.
 *
 * @since 0.1.0
 * @category constructors
 */
export const fromHost = (host: string, port: number, services = 0n): NetAddressFields | undefined => {
  const parsed = parseHost(host)
  return parsed === undefined ? undefined : { services, network: parsed.network, address: parsed.address, port }
}
