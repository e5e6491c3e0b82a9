import { describe, expect, it } from "@effect/vitest"
import * as Hash from "../../../src/wire/Hash.js"
import * as InvVector from "../../../src/wire/InvVector.js"
import { bytes, decodeOk, runVectors } from "../../support/wire.js"
import { BLOCK_203707_HASH_HEX, inventoryVectors, TX_203707_HASH_HEX } from "../vectors/inventory.js"

runVectors("inventory and locator vectors", inventoryVectors)

describe("inventory hashes", () => {
  it("display byte-reversed, as btcd's hash strings give them", () => {
    expect(Hash.toHex(bytes(BLOCK_203707_HASH_HEX))).toBe("00000000000003264bc2ac36a60840790ba1d475d01367e7c723da941069e9dc")
    expect(Hash.toHex(bytes(TX_203707_HASH_HEX))).toBe("d28a3dc7392bf00a9855ee93dd9a81eff82a2c4fe57fbd42cfe71b487accfaf0")
  })

  it("name known types and keep unknown ones as numbers", () => {
    expect(InvVector.typeName(InvVector.InvType.WitnessTx)).toBe("WitnessTx")
    expect(InvVector.typeName(0x40000002)).toBe("WitnessBlock")
    expect(InvVector.typeName(7)).toBe("unknown(7)")
    const m = decodeOk("inv", bytes("01", "07000000", "11".repeat(32)))
    expect(m).toEqual({ _tag: "Inv", inventory: [{ type: 7, hash: bytes("11".repeat(32)) }] })
  })
})

describe("locators", () => {
  it("hold btcd's block 99500 / 99499 / 100000 hashes", () => {
    const m = decodeOk("getheaders", bytes(
      "62ea0000", "02",
      "e0de064468132c63d220cc691283cb65bcaae47994ef9e7bade7020000000000",
      "357595b7f68cb160ccba2c9ac5425fd96f0a013dc97ec8400f71020000000000",
      "06e533fd1ada86391f3f6c343204b0d278d4aaec1c0b20aa27ba030000000000"
    ))
    if (m._tag !== "GetHeaders") throw new Error(m._tag)
    expect(m.locator.map(Hash.toHex)).toEqual([
      "000000000002e7ad7b9eef9479e4aabc65cb831269cc20d2632c13684406dee0",
      "000000000002710f40c87ec93d010a6fd95f42c59a2cbacc60b18cf6b7957535"
    ])
    expect(Hash.toHex(m.stopHash)).toBe("000000000003ba27aa200b1cecaad478d2b00432346c3f1f3986da1afd33e506")
  })
})
