import { describe, expect, it } from "@effect/vitest"
import * as Either from "effect/Either"
import * as Message from "../../../src/wire/Message.js"
import * as NetAddress from "../../../src/wire/NetAddress.js"
import { bytes, decodeOk, encodeOk, runVectors, toHex } from "../../support/wire.js"
import { ADDRV2_CORE_HEX, addressVectors } from "../vectors/addresses.js"

runVectors("address message vectors", addressVectors)

describe("addr / addrv2", () => {
  it("an IPv4 address from addr equals the same address from addrv2", () => {
    const legacy = decodeOk("addr", bytes("01", "29ab5f49", "0100000000000000", "00000000000000000000ffff7f000001", "208d"))
    const v2 = decodeOk("addrv2", bytes("01", "29ab5f49", "01", "01", "04", "7f000001", "208d"))
    expect(legacy._tag === "Addr" && v2._tag === "AddrV2").toBe(true)
    if (legacy._tag === "Addr" && v2._tag === "AddrV2") expect(v2.addresses).toEqual(legacy.addresses)
  })

  it("prints the Core vector's addresses as [::1]:port", () => {
    const m = decodeOk("addrv2", bytes(ADDRV2_CORE_HEX))
    if (m._tag !== "AddrV2") throw new Error(m._tag)
    expect(m.addresses.map(NetAddress.toString)).toEqual(["[::1]:0", "[::1]:241", "[::1]:61938"])
  })

  it("keeps an addrv2 entry of a network id it does not know", () => {
    const payload = bytes("01", "00000000", "00", "2a", "03", "abcdef", "0001")
    const m = decodeOk("addrv2", payload)
    expect(m).toEqual(Message.AddrV2.make({ addresses: [{ time: 0, services: 0n, network: 42, address: bytes("abcdef"), port: 1 }] }))
    expect(toHex(encodeOk(m))).toBe(toHex(payload))
  })

  it("refuses to put a Tor address into a legacy addr", () => {
    const tor = { time: 0, services: 0n, network: 4, address: new Uint8Array(32), port: 9050 }
    const r = Message.encodePayloadEither(Message.Addr.make({ addresses: [tor] }))
    expect(Either.isLeft(r) && r.left.reason).toBe("EncodeFailed")
  })
})

describe("addrv2 services", () => {
  it("carry all 64 bits, as a canonical CompactSize (Bitcoin Core reads them unchecked)", () => {
    const entry = (servicesHex: string) => bytes("01", "00000000", servicesHex, "01", "04", "7f000001", "208d")
    const high = entry("ff0000000001000000") // 2^32: the first value that needs the 9-byte form
    const m = decodeOk("addrv2", high)
    expect(m).toEqual(Message.AddrV2.make({
      addresses: [{ time: 0, services: 1n << 32n, network: 1, address: Uint8Array.from([127, 0, 0, 1]), port: 8333 }]
    }))
    expect(toHex(encodeOk(m))).toBe(toHex(high))
    const all = decodeOk("addrv2", entry("ffffffffffffffffff"))
    expect(all._tag === "AddrV2" && all.addresses[0]!.services).toBe(0xffff_ffff_ffff_ffffn)
    expect(toHex(encodeOk(all))).toBe(toHex(entry("ffffffffffffffffff")))
    const r = Message.decodePayloadEither("addrv2", entry("ffffffff0000000000"))
    expect(Either.isLeft(r) && r.left.reason).toBe("NonCanonicalCompactSize")
  })
})
