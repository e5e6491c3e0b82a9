/**
 * The known-inventory filter's key (`inventoryKey`): what the relay relies
 * on. The witness flag does not matter (a `MSG_WITNESS_TX` announcement and a
 * `MSG_TX` one name the same transaction); the type does; any difference in
 * the hash's first 53 bits does; and the key is an exact integer.
 */
import { describe, expect, it } from "@effect/vitest"
import * as fc from "fast-check"
import { inventoryKey } from "../../src/internal/peer/BoundedSet.js"
import * as InvVector from "../../src/wire/InvVector.js"

const hash = fc.uint8Array({ minLength: 32, maxLength: 32 })

describe("inventoryKey", () => {
  it("is an exact integer for a 32-byte hash, the same with or without the witness flag", () =>
    fc.assert(fc.property(hash, fc.constantFrom(1, 2, 3, 4, 5), (h, type) => {
      const key = inventoryKey(type, h)
      expect(Number.isSafeInteger(key)).toBe(true)
      expect(inventoryKey(type | InvVector.WITNESS_FLAG, h)).toBe(key)
    })))

  it("differs between types for the same hash", () =>
    fc.assert(fc.property(hash, (h) => {
      const keys = [InvVector.InvType.Tx, InvVector.InvType.Block, InvVector.InvType.FilteredBlock, 5].map((t) => inventoryKey(t, h))
      expect(new Set(keys).size).toBe(keys.length)
    })))

  it("differs when any of the hash's first 53 bits differs", () =>
    fc.assert(fc.property(hash, fc.integer({ min: 0, max: 52 }), (h, bit) => {
      const other = Uint8Array.from(h)
      other[bit >> 3]! ^= 1 << (bit & 7)
      expect(inventoryKey(1, other)).not.toBe(inventoryKey(1, h))
    })))

  it("10,000 random transaction hashes give 10,000 keys", () => {
    const keys = new Set<number | string>()
    const h = new Uint8Array(32)
    for (let i = 0; i < 10_000; i++) {
      crypto.getRandomValues(h)
      keys.add(inventoryKey(1, h))
    }
    expect(keys.size).toBe(10_000)
  })

  it("a hash of another length gets a string key, never equal to a 32-byte hash's", () => {
    expect(typeof inventoryKey(1, new Uint8Array(20))).toBe("string")
    expect(typeof inventoryKey(1, new Uint8Array(32))).toBe("number")
  })
})
