import { describe, expect, it } from "@effect/vitest"
import * as Message from "../../../src/wire/Message.js"
import * as ProtocolVersion from "../../../src/wire/ProtocolVersion.js"
import { bytes, decodeOk, encodeOk, expectReason, runVectors, toHex } from "../../support/wire.js"
import { controlVectors, VERSION_BIP37_HEX, versionBip37 } from "../vectors/control.js"

runVectors("control message vectors", controlVectors)

describe("version", () => {
  it("reads a missing relay flag as true, as Bitcoin Core does", () => {
    const withoutRelay = bytes(VERSION_BIP37_HEX).subarray(0, -1)
    expect(decodeOk("version", withoutRelay)).toEqual({ ...versionBip37, relay: true })
  })

  it("keeps relay = false and writes it as 00", () => {
    const payload = bytes(VERSION_BIP37_HEX)
    const noRelay = payload.slice()
    noRelay[noRelay.length - 1] = 0
    const m = decodeOk("version", noRelay)
    expect(m).toEqual({ ...versionBip37, relay: false })
    expect(toHex(encodeOk(m))).toBe(toHex(noRelay))
  })

  it("tolerates bytes after the relay flag (future fields)", () => {
    const extended = bytes(VERSION_BIP37_HEX, "01", "deadbeef")
    expect(decodeOk("version", extended)).toEqual(versionBip37)
  })
})

describe("ping / pong", () => {
  it("carry no nonce before BIP-0031 and refuse one that is there", () => {
    const old = ProtocolVersion.BIP0031 - 1
    expect(toHex(encodeOk(Message.Ping.make({ nonce: 5n }), old))).toBe("")
    expectReason("ping", bytes("f3e0010000000000"), "TrailingBytes", old)
  })
})

describe("reject", () => {
  it("decodes a hash only when exactly 32 bytes follow the reason", () => {
    const base = bytes("05", "626c6f636b", "12", "00")
    expect(decodeOk("reject", base)).toEqual(Message.Reject.make({ message: "block", code: 0x12, reason: "" }))
    expectReason("reject", bytes("05", "626c6f636b", "12", "00", "00".repeat(31)), "TrailingBytes")
  })
})
