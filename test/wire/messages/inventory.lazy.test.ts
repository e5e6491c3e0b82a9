/**
 * `inv`, `getdata` and `notfound` build their `inventory` from the payload
 * when it is first read (see `internal/wire/inventoryMessage`). What a user
 * relies on: the decoded message is a plain value equal to the one built by
 * hand (however it is compared, copied or serialized), it re-encodes to the
 * exact bytes received, read or not, and a bad list still fails the decode
 * itself, with the same typed error, before anything is sized by its count.
 */
import { describe, expect, it } from "@effect/vitest"
import * as Arbitrary from "effect/Arbitrary"
import * as FastCheck from "effect/FastCheck"
import * as Schema from "effect/Schema"
import { isDeepStrictEqual } from "node:util"
import * as Message from "../../../src/wire/Message.js"
import { bytes, decodeOk, encodeOk, expectReason, toHex } from "../../support/wire.js"
import { BLOCK_203707_HASH_HEX, MULTI_INV_HEX, TX_203707_HASH_HEX } from "../vectors/inventory.js"

const defs = [Message.Inv, Message.GetData, Message.NotFound] as const
const payload = bytes(MULTI_INV_HEX)
const vectors = [
  { type: 2, hash: bytes(BLOCK_203707_HASH_HEX) },
  { type: 1, hash: bytes(TX_203707_HASH_HEX) }
]

describe.each(defs)("a decoded $command", (def) => {
  const expected = def.make({ inventory: vectors })

  it("equals the message built by hand: toEqual, toStrictEqual, isDeepStrictEqual, spread, JSON, structuredClone", () => {
    const m = decodeOk(def.command, payload)
    expect(m).toEqual(expected)
    expect(m).toStrictEqual(expected)
    expect(isDeepStrictEqual(m, expected)).toBe(true)
    expect({ ...m }).toStrictEqual(expected)
    // (Key order is the decoder's, `inventory` then `_tag`, as it was before inventory was lazy.)
    expect(JSON.parse(JSON.stringify(m))).toEqual(JSON.parse(JSON.stringify(expected)))
    expect(structuredClone(m)).toStrictEqual(expected)
    expect(Object.keys(m)).toEqual(["inventory", "_tag"])
    expect(Object.getPrototypeOf(m)).toBe(Object.prototype)
  })

  it("builds its vectors once, as views of the payload", () => {
    const m = decodeOk(def.command, payload) as typeof expected
    const first = m.inventory
    expect(m.inventory).toBe(first)
    expect(first.map((v) => Object.getPrototypeOf(v))).toEqual([Object.prototype, Object.prototype])
    expect(first[0]!.hash.buffer).toBe(payload.buffer)
    expect(toHex(first[1]!.hash)).toBe(TX_203707_HASH_HEX)
  })

  it("re-encodes to the bytes received, whether or not inventory was read", () => {
    expect(toHex(encodeOk(decodeOk(def.command, payload)))).toBe(MULTI_INV_HEX)
    const read = decodeOk(def.command, payload) as typeof expected
    void read.inventory
    expect(toHex(encodeOk(read))).toBe(MULTI_INV_HEX)
  })

  it("passes its Schema and encodes through it", () => {
    const m = decodeOk(def.command, payload)
    const schema = def.schema as unknown as Schema.Schema<typeof expected>
    expect(Schema.is(schema)(m)).toBe(true)
    expect(Schema.encodeSync(schema)(m as typeof expected)).toEqual(expected)
  })

  it("round-trips any list: decode(encode(m)) equals m and encodes to the same bytes", () => {
    const schema = def.schema as unknown as Schema.Schema<typeof expected>
    FastCheck.assert(
      FastCheck.property(Arbitrary.make(schema), (m) => {
        const encoded = encodeOk(m)
        const decoded = decodeOk(def.command, encoded)
        expect(decoded).toEqual(m)
        expect(toHex(encodeOk(decoded))).toBe(toHex(encoded))
      }),
      { numRuns: 100 }
    )
  })

  it("fails the decode itself on a bad list, with the same typed errors as before", () => {
    // Three vectors announced, two present: refused from the count, before any vector is built.
    const short = bytes("03", MULTI_INV_HEX.slice(2))
    expect(expectReason(def.command, short, "Truncated").detail).toBe("inventory: 3 items need 108 bytes, have 72")
    // 50,001 vectors (0xfd 0xc351): above the cap, refused before the bytes are even looked at.
    expect(expectReason(def.command, bytes("fd51c3"), "CountTooLarge").detail).toBe("inventory: 50001 > 50000")
    // A count of 50,000 with nothing behind it.
    expectReason(def.command, bytes("fd50c3"), "Truncated")
    // A partial vector after the last whole one.
    expectReason(def.command, bytes(MULTI_INV_HEX, "01"), "TrailingBytes")
    expectReason(def.command, bytes("01", "02000000", BLOCK_203707_HASH_HEX.slice(0, 62)), "Truncated")
  })
})
