/**
 * The known-inventory filter (`InventoryFilter`): it must answer exactly as a
 * bounded set that forgets its oldest item and makes an item added again
 * young again, at every capacity, through growth, eviction and clearing; an
 * item is its type without the witness flag and its hash's first 8 bytes; and
 * a vector read from a payload's bytes (`addAt`) must be the vector built
 * from them, so a decoded `inv` and a constructed one are filtered alike.
 */
import { describe, expect, it } from "@effect/vitest"
import * as Either from "effect/Either"
import * as fc from "fast-check"
import { InventoryFilter } from "../../src/internal/peer/InventoryFilter.js"
import * as InvVector from "../../src/wire/InvVector.js"
import * as Message from "../../src/wire/Message.js"

/** The reference: a Map in insertion order, the oldest first. */
class ModelSet {
  private readonly items = new Map<number, true>()
  constructor(readonly capacity: number) {}
  has(k: number) {
    return this.items.has(k)
  }
  add(k: number) {
    if (this.capacity <= 0) return
    if (this.items.delete(k)) return void this.items.set(k, true)
    if (this.items.size >= this.capacity) this.items.delete(this.items.keys().next().value!)
    this.items.set(k, true)
  }
  get size() {
    return this.items.size
  }
  clear() {
    this.items.clear()
  }
}

const randomHash = () => crypto.getRandomValues(new Uint8Array(32))

type Op = { readonly op: "add" | "has"; readonly key: number } | { readonly op: "clear" }

// Few distinct items, so that the filter fills, and re-adds, hits, probe collisions and runs
// that wrap around the table's end are common (the table is small: 2 slots per item).
const hashes = Array.from({ length: 48 }, randomHash)
const key = fc.nat({ max: hashes.length - 1 })
const op: fc.Arbitrary<Op> = fc.oneof(
  { weight: 30, arbitrary: key.map((k) => ({ op: "add" as const, key: k })) },
  { weight: 15, arbitrary: key.map((k) => ({ op: "has" as const, key: k })) },
  { weight: 1, arbitrary: fc.constant({ op: "clear" as const }) }
)

describe("InventoryFilter", () => {
  it("answers as a bounded set that forgets its oldest item and refreshes an item added again", () =>
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 40 }), fc.array(op, { minLength: 50, maxLength: 400 }), (capacity, ops) => {
        const filter = new InventoryFilter(capacity)
        const model = new ModelSet(capacity)
        for (const o of ops) {
          if (o.op === "clear") {
            filter.clear()
            model.clear()
          } else if (o.op === "add") {
            filter.add(InvVector.InvType.Tx, hashes[o.key]!)
            model.add(o.key)
          } else expect(filter.has(InvVector.InvType.Tx, hashes[o.key]!)).toBe(model.has(o.key))
          expect(filter.size).toBe(model.size)
        }
        hashes.forEach((h, k) => expect(filter.has(InvVector.InvType.Tx, h)).toBe(model.has(k)))
      }),
      { numRuns: 300 }
    ), 60_000)

  it("holds the last `capacity` of 10,000 distinct items, and no more", () => {
    const filter = new InventoryFilter(1000)
    const items = Array.from({ length: 10_000 }, randomHash)
    for (const h of items) filter.add(InvVector.InvType.Tx, h)
    expect(filter.size).toBe(1000)
    expect(items.slice(0, 9000).some((h) => filter.has(InvVector.InvType.Tx, h))).toBe(false)
    expect(items.slice(9000).every((h) => filter.has(InvVector.InvType.Tx, h))).toBe(true)
  })

  it("holds 1,000 hashes that differ in a few bits only, as an announcer choosing them could send", () => {
    const filter = new InventoryFilter(1000)
    const items = Array.from({ length: 1000 }, (_, i) => {
      const h = new Uint8Array(32)
      h[4] = i & 0xff
      h[7] = i >> 8
      return h
    })
    for (const h of items) filter.add(InvVector.InvType.Tx, h)
    expect(items.every((h) => filter.has(InvVector.InvType.Tx, h))).toBe(true)
    expect(filter.has(InvVector.InvType.Tx, new Uint8Array(32).fill(1))).toBe(false)
  })
})

describe("InventoryFilter: what an item is", () => {
  const hash = fc.uint8Array({ minLength: 32, maxLength: 32 })

  it("the witness flag does not matter: MSG_WITNESS_TX and MSG_TX name the same transaction", () =>
    fc.assert(fc.property(hash, fc.constantFrom(1, 2, 3, 4, 5), (h, type) => {
      const filter = new InventoryFilter(10)
      filter.add(type | InvVector.WITNESS_FLAG, h)
      expect(filter.has(type, h)).toBe(true)
    })))

  it("the type does", () =>
    fc.assert(fc.property(hash, (h) => {
      const filter = new InventoryFilter(10)
      filter.add(InvVector.InvType.Tx, h)
      expect([InvVector.InvType.Block, InvVector.InvType.FilteredBlock, 5].some((t) => filter.has(t, h))).toBe(false)
    })))

  it("so does any of the hash's first 64 bits", () =>
    fc.assert(fc.property(hash, fc.integer({ min: 0, max: 63 }), (h, bit) => {
      const other = Uint8Array.from(h)
      other[bit >> 3]! ^= 1 << (bit & 7)
      const filter = new InventoryFilter(10)
      filter.add(InvVector.InvType.Tx, h)
      expect(filter.has(InvVector.InvType.Tx, other)).toBe(false)
    })))

  it("a vector read from a decoded inv's payload is the vector built from it", () =>
    fc.assert(fc.property(
      fc.array(fc.record({ type: fc.oneof(fc.constantFrom(1, 2, 1 | InvVector.WITNESS_FLAG), fc.nat({ max: 0xffff_ffff })), hash }), { minLength: 1, maxLength: 20 }),
      (inventory) => {
        const payload = Either.getOrThrow(Message.encodePayloadEither(Message.Inv.make({ inventory })))
        const decoded = Either.getOrThrow(Message.decodePayloadEither("inv", payload)) as Message.MessageOf<"Inv">
        const start = payload.length - inventory.length * InvVector.SIZE
        const fromBytes = new InventoryFilter(100)
        inventory.forEach((_, i) => fromBytes.addAt(payload, start + i * InvVector.SIZE))
        for (const v of [...inventory, ...decoded.inventory]) expect(fromBytes.has(v.type, v.hash)).toBe(true)
        expect(fromBytes.size).toBe(new Set(inventory.map((v) => `${v.type & 0x3fff_ffff}:${v.hash.subarray(0, 8)}`)).size)
      }
    )))
})
