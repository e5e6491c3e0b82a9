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

/** @internal */
export const writeLegacyIp = (w: ByteWriter, a: { readonly network: number; readonly address: Uint8Array }): void => {
  if (a.network === NetworkId.IPv4 && a.address.length === 4) {
    // The ::ffff:0:0/96 prefix as three word stores (ten zero bytes, then ff ff): cheaper than copying 12 bytes.
    w.u32le(0).u32le(0).u32le(0xffff_0000).bytes(a.address)
  } else if ((a.network === NetworkId.IPv6 || a.network === NetworkId.CJDNS) && a.address.length === 16) {
    w.bytes(a.address)
  } else {
    throw new EncodeFailure(`network ${a.network} cannot be encoded in a legacy address`)
  }
}

/** @internal */
export const writeLegacy = (w: ByteWriter, a: NetAddressFields): void => {
  w.u64le(a.services)
  writeLegacyIp(w, a)
  w.u16be(a.port)
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
