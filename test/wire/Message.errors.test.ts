import { describe, expect, it } from "@effect/vitest"
import * as Either from "effect/Either"
import * as Message from "../../src/wire/Message.js"
import { bytes, decodeOk, encodeOk, expectReason, repeat, toHex } from "../support/wire.js"
import { BLOCK_ONE_COINBASE_HEX, BLOCK_ONE_HEADER_HEX, MULTI_WITNESS_TX_FIELDS as W, MULTI_WITNESS_TX_HEX } from "./vectors/fixtures.js"
import { MULTI_INV_HEX } from "./vectors/inventory.js"

describe("CompactSize", () => {
  it("NonCanonicalCompactSize: a longer form than needed", () => {
    expectReason("inv", bytes("fd", "fc00"), "NonCanonicalCompactSize") // 252 in 3 bytes
    expectReason("inv", bytes("fd", "0000"), "NonCanonicalCompactSize")
    expectReason("inv", bytes("fe", "ffff0000"), "NonCanonicalCompactSize") // 65535 in 5 bytes
    expectReason("inv", bytes("ff", "ffffffff00000000"), "NonCanonicalCompactSize") // 2^32-1 in 9 bytes
    expectReason("inv", bytes("ff", "0000000000000000"), "NonCanonicalCompactSize")
  })

  it("accepts the shortest form at each boundary (and then needs the items)", () => {
    expectReason("inv", bytes("fc"), "Truncated") // 252: one byte
    expectReason("inv", bytes("fd", "fd00"), "Truncated") // 253: first value of the 3-byte form
    expectReason("getblocktxn", bytes(repeat("00", 32), "fe", "00000100"), "Truncated") // 65536: first of the 5-byte form
  })

  it("CountTooLarge: a count of 2^32 or more", () => {
    expectReason("inv", bytes("ff", "0000000001000000"), "CountTooLarge")
    expectReason("inv", bytes("ff", "ffffffffffffffff"), "CountTooLarge")
  })
})

describe("counts over the protocol caps, refused before reading any item", () => {
  // Only the count is present: a reader that allocated or read before checking
  // the cap would report Truncated instead.
  it("inv / getdata / notfound: 50,001 vectors (btcd maxInvEncoded)", () => {
    for (const command of ["inv", "getdata", "notfound"]) expectReason(command, bytes("fd", "51c3"), "CountTooLarge")
    expectReason("inv", bytes("fd", "50c3"), "Truncated") // 50,000 is allowed
  })

  it("addr / addrv2: 1,001 addresses", () => {
    expectReason("addr", bytes("fd", "e903"), "CountTooLarge")
    expectReason("addr", bytes("fd", "e803"), "Truncated")
    expectReason("addrv2", bytes("fd", "e903"), "CountTooLarge")
    expectReason("addrv2", bytes("fd", "ffff"), "CountTooLarge") // btcd TestAddrV2Decode
  })

  it("headers: 2,001 headers", () => {
    expectReason("headers", bytes("fd", "d107"), "CountTooLarge")
    expectReason("headers", bytes("fd", "d007"), "Truncated")
  })

  it("getheaders / getblocks: 501 locator hashes (btcd maxGetHeadersEncoded)", () => {
    expectReason("getheaders", bytes("62ea0000", "fd", "f501"), "CountTooLarge")
    expectReason("getblocks", bytes("62ea0000", "fd", "f501"), "CountTooLarge")
    expectReason("getheaders", bytes("62ea0000", "fd", "f401"), "Truncated")
  })

  it("cfheaders: 2,001 filter hashes; cfcheckpt: 100,001 headers", () => {
    expectReason("cfheaders", bytes("00", repeat("00", 64), "fd", "d107"), "CountTooLarge")
    expectReason("cfcheckpt", bytes("00", repeat("00", 32), "fe", "a1860100"), "CountTooLarge")
  })

  it("byte strings over their caps: user agent, filter, element, reject reason", () => {
    const ua = bytes(
      "71110100", "0100000000000000", "0000000000000000",
      "0100000000000000", "00000000000000000000ffff7f000001", "208d",
      "0100000000000000", "00000000000000000000ffff7f000001", "208d",
      "0000000000000000",
      "fd", "0101", repeat("41", 257), // user agent of 257 bytes
      "00000000", "01"
    )
    expectReason("version", ua, "CountTooLarge")
    expectReason("filterload", bytes("fd", "a18c", repeat("00", 36001), "0000000000000000", "00"), "CountTooLarge")
    expectReason("filteradd", bytes("fd", "0902", repeat("00", 521)), "CountTooLarge")
    expectReason("reject", bytes("0d", repeat("61", 13), "01", "00"), "CountTooLarge") // command over 12 bytes
  })

  it("a length the payload cannot hold is Truncated, whatever the cap", () => {
    expectReason("filteradd", bytes("fd", "0902", "00"), "Truncated")
    expectReason("tx", bytes("01000000", "01", repeat("00", 36), "fd", "ffff", "00"), "Truncated")
  })
})

describe("TrailingBytes", () => {
  it("bytes after a complete payload", () => {
    expectReason("verack", bytes("00"), "TrailingBytes")
    expectReason("ping", bytes("f3e0010000000000", "00"), "TrailingBytes")
    expectReason("inv", bytes(MULTI_INV_HEX, "00"), "TrailingBytes")
    expectReason("tx", bytes(MULTI_WITNESS_TX_HEX, "00"), "TrailingBytes")
  })

  it("btcd's multiWitnessTxEncodedNonZeroFlag: flag 00 ends the transaction early", () => {
    const flagZero = bytes(MULTI_WITNESS_TX_HEX)
    flagZero[5] = 0
    expectReason("tx", flagZero, "TrailingBytes")
  })
})

describe("InvalidValue", () => {
  it("headers: a non-zero transaction count", () => {
    expectReason("headers", bytes("01", BLOCK_ONE_HEADER_HEX, "01"), "InvalidValue")
  })

  it("tx: witness flag 2 (no known optional data)", () => {
    const flag2 = bytes(MULTI_WITNESS_TX_HEX)
    expect(flag2[5]).toBe(1)
    flag2[5] = 2
    expectReason("tx", flag2, "InvalidValue")
    flag2[5] = 3 // witness bit plus an unknown bit
    expectReason("tx", flag2, "InvalidValue")
  })

  it("tx: a superfluous witness (marker and flag, every stack empty)", () => {
    const superfluous = bytes(
      W.version, W.marker, W.flag, W.inputCount, W.prevHash, W.prevIndex, W.scriptSig, W.sequence,
      W.outputCount, W.value, W.pkScript,
      "00", // an empty witness stack
      W.lockTime
    )
    expectReason("tx", superfluous, "InvalidValue")
  })

  it("tx: marker and flag with no inputs at all is a superfluous witness", () => {
    expectReason("tx", bytes("01000000", "00", "01", "00", "00", "00000000"), "InvalidValue")
  })

  it("addrv2: an address of the wrong length for its network", () => {
    // btcd TestAddrV2Decode's IPv4 entry of length 5, completed with the 5 bytes and a port.
    expectReason("addrv2", bytes("01", "00000000", "00", "01", "05", "7f00000101", "208d"), "InvalidValue")
    expectReason("addrv2", bytes("01", "00000000", "00", "04", "10", repeat("00", 16), "208d"), "InvalidValue")
  })

  it("addrv2: an address longer than 512 bytes", () => {
    expectReason("addrv2", bytes("01", "00000000", "00", "2a", "fd", "0102", repeat("00", 513), "0000"), "CountTooLarge")
  })

  it("filterload: more than 50 hash functions (btcd TestFilterLoadMaxHashFuncsSize)", () => {
    expectReason("filterload", bytes("0a", repeat("ff", 10), "3d000000", "00000000", "00"), "InvalidValue")
  })

  it("cmpctblock / getblocktxn: an index beyond 2^16 - 1 (btcd's overflow cases, at BIP-0152's bound)", () => {
    const hash = repeat("00", 32)
    expect(decodeOk("getblocktxn", bytes(hash, "01", "fdffff"))).toEqual(
      Message.GetBlockTxn.make({ blockHash: bytes(hash), indexes: [0xffff] })
    )
    expectReason("getblocktxn", bytes(hash, "01", "fe00000100"), "InvalidValue") // 65536
    expectReason("getblocktxn", bytes(hash, "02", "00", "fdffff"), "InvalidValue") // 0, then 0 + 1 + 65535
    expectReason("getblocktxn", bytes(hash, "01", "ff0000000001000000"), "CountTooLarge") // 2^32
    const cmpct = (index: string) =>
      bytes(BLOCK_ONE_HEADER_HEX, "0102030405060708", "00", "01", index, BLOCK_ONE_COINBASE_HEX)
    expect(decodeOk("cmpctblock", cmpct("fdffff"))._tag).toBe("CmpctBlock")
    expectReason("cmpctblock", cmpct("fe00000100"), "InvalidValue")
  })
})

describe("encoding refuses values the wire cannot carry", () => {
  it("getblocktxn with indexes that do not increase", () => {
    const m = Message.GetBlockTxn.make({ blockHash: new Uint8Array(32), indexes: [1, 1] })
    const r = Message.encodePayloadEither(m)
    expect(Either.isLeft(r) && r.left.reason).toBe("EncodeFailed")
  })

  it("a legacy addr with a 32-byte address", () => {
    const r = Message.encodePayloadEither(Message.Addr.make({
      addresses: [{ time: 0, services: 0n, network: 5, address: new Uint8Array(32), port: 0 }]
    }))
    expect(Either.isLeft(r) && r.left.reason).toBe("EncodeFailed")
  })
})

describe("decoded values", () => {
  it("are views into the payload, not copies", () => {
    const payload = bytes(MULTI_INV_HEX)
    const m = decodeOk("inv", payload)
    if (m._tag !== "Inv") throw new Error(m._tag)
    expect(m.inventory[0]!.hash.buffer).toBe(payload.buffer)
    expect(toHex(encodeOk(m))).toBe(MULTI_INV_HEX)
  })
})
