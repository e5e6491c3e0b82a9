/**
 * The byte codecs of network addresses: the legacy 26-byte form (services,
 * 16-byte IP with IPv4 mapped into `::ffff:0:0/96`, big-endian port) and
 * BIP-0155's addrv2 entry.
 */
import type { ByteReader } from "./ByteReader.js"
import type { ByteWriter } from "./ByteWriter.js"
import { DecodeFailure } from "./DecodeFailure.js"
import { EncodeFailure } from "./EncodeFailure.js"
import { isMappedAt } from "./mappedIPv4.js"
import { writeU64 } from "./word64.js"
import {
  addressLength,
  MAX_ADDRV2_ADDRESS,
  type NetAddressFields,
  NetworkId,
  type TimedNetAddressFields
} from "../../wire/NetAddress.js"

/**
 * The 16-byte legacy IP field as one view: its last 4 bytes when it is
 * IPv4-mapped (network IPv4), else all 16 (IPv6). The prefix is checked in
 * the input itself, so no view is made of bytes that are then dropped.
 *
 * @internal
 */
export const readLegacyIp = (r: ByteReader): Uint8Array => {
  if (r.remaining >= 16 && isMappedAt(r.bytes, r.offset)) {
    r.offset += 12
    return r.bytesView(4, "ip")
  }
  return r.bytesView(16, "ip")
}

/** The network of an address read by `readLegacyIp`. @internal */
export const legacyNetwork = (address: Uint8Array): number => (address.length === 4 ? NetworkId.IPv4 : NetworkId.IPv6)

/** @internal */
export const readLegacy = (r: ByteReader): NetAddressFields => {
  const services = r.u64le()
  const address = readLegacyIp(r)
  const port = r.u16be()
  return { services, network: legacyNetwork(address), address, port }
}

/**
 * Stores a legacy address (services, 16-byte IP, big-endian port: 26 bytes)
 * at `b[o]`, every byte of it, and returns the offset after it. The caller
 * has made room (`ByteWriter.room`).
 *
 * @internal
 */
export const putLegacy = (b: Uint8Array, o: number, a: NetAddressFields): number => {
  // Reduced modulo 2^64, as every 64-bit write is; no splitting of the `bigint` into halves by arithmetic.
  writeU64(b, o, a.services)
  const ip = a.address
  if (a.network === NetworkId.IPv4 && ip.length === 4) {
    // The ::ffff:0:0/96 prefix: ten zero bytes (unrolled: half the cost of a loop), then ff ff.
    b[o + 8] = 0
    b[o + 9] = 0
    b[o + 10] = 0
    b[o + 11] = 0
    b[o + 12] = 0
    b[o + 13] = 0
    b[o + 14] = 0
    b[o + 15] = 0
    b[o + 16] = 0
    b[o + 17] = 0
    b[o + 18] = 0xff
    b[o + 19] = 0xff
    b[o + 20] = ip[0]!
    b[o + 21] = ip[1]!
    b[o + 22] = ip[2]!
    b[o + 23] = ip[3]!
  } else if ((a.network === NetworkId.IPv6 || a.network === NetworkId.CJDNS) && ip.length === 16) {
    for (let i = 0; i < 16; i++) b[o + 8 + i] = ip[i]!
  } else {
    throw new EncodeFailure(`network ${a.network} cannot be encoded in a legacy address`)
  }
  const port = a.port
  b[o + 24] = port >>> 8
  b[o + 25] = port
  return o + 26
}

/** @internal */
export const writeLegacy = (w: ByteWriter, a: NetAddressFields): void => {
  w.offset = putLegacy(w.room(26), w.offset, a)
}

/** @internal */
export const readAddrV2 = (r: ByteReader): TimedNetAddressFields => {
  const time = r.u32le()
  const services = readServicesV2(r)
  const network = r.u8()
  const address = r.varBytes(MAX_ADDRV2_ADDRESS, "addrv2 address")
  const expected = addressLength[network]
  if (expected !== undefined && address.length !== expected) {
    throw new DecodeFailure("InvalidValue", `addrv2 network ${network} needs ${expected} bytes, got ${address.length}`)
  }
  const port = r.u16be()
  return { time, services, network, address, port }
}

/** @internal */
export const writeAddrV2 = (w: ByteWriter, a: TimedNetAddressFields): void => {
  w.u32le(a.time)
  if (a.services > 0xffff_ffffn) w.u8(0xff).u64le(a.services)
  else w.compactSize(Number(a.services))
  w.u8(a.network).varBytes(a.address, MAX_ADDRV2_ADDRESS, "addrv2 address").u16be(a.port)
}

/**
 * BIP-0155 services: a CompactSize of the full 64 bits (Bitcoin Core reads it
 * without the 2^32 range check that list counts get), still canonical.
 */
const readServicesV2 = (r: ByteReader): bigint => {
  if (r.remaining > 0 && r.bytes[r.offset] === 0xff) {
    r.offset++
    const v = r.u64le()
    if (v <= 0xffff_ffffn) throw new DecodeFailure("NonCanonicalCompactSize", `0xff prefix for ${v}`)
    return v
  }
  return BigInt(r.compactSize())
}
