/**
 * The known-inventory filter (`InventoryFilter`): it must answer exactly as a
 * bounded set that forgets its oldest key and makes a re-added key young
 * again, at every capacity, through growth, eviction and clearing; and a key
 * read from a payload's bytes must equal the key of the vector built from
 * them, so a decoded `inv` and a constructed one are filtered alike.
 */
import { describe, expect, it } from "@effect/vitest"
import * as Either from "effect/Either"
import * as fc from "fast-check"
import { inventoryKey, inventoryKeyAt } from "../../src/internal/peer/BoundedSet.js"
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

type Op = { readonly op: "add" | "has"; readonly key: number } | { readonly op: "clear" }

// Few distinct keys, so that the filter fills and re-adds, hits and probe collisions are common:
// some keys share their low bits (one home slot), and the largest has its home in the table's last slot.
const keys = [
  ...Array.from({ length: 24 }, (_, k) => k),
  ...Array.from({ length: 12 }, (_, k) => k * 0x10_0000 + 3),
  ...Array.from({ length: 6 }, (_, k) => Number.MAX_SAFE_INTEGER - k * 0x1_0000)
]
const key = fc.constantFrom(...keys)
const op: fc.Arbitrary<Op> = fc.oneof(
  { weight: 30, arbitrary: key.map((k) => ({ op: "add" as const, key: k })) },
  { weight: 15, arbitrary: key.map((k) => ({ op: "has" as const, key: k })) },
  { weight: 1, arbitrary: fc.constant({ op: "clear" as const }) }
)

describe("InventoryFilter", () => {
  it("answers as a bounded set that forgets its oldest key and refreshes a key added again", () =>
    fc.assert(fc.property(fc.integer({ min: 0, max: 40 }), fc.array(op, { minLength: 50, maxLength: 400 }), (capacity, ops) => {
      const filter = new InventoryFilter(capacity)
      const model = new ModelSet(capacity)
      for (const o of ops) {
        if (o.op === "clear") {
          filter.clear()
          model.clear()
        } else if (o.op === "add") {
          filter.add(o.key)
          model.add(o.key)
        } else expect(filter.has(o.key)).toBe(model.has(o.key))
        expect(filter.size).toBe(model.size)
      }
      for (const k of keys) expect(filter.has(k)).toBe(model.has(k))
    }), { numRuns: 300 }), 60_000)

  it("holds the last `capacity` of 10,000 distinct keys, and no more", () => {
    const filter = new InventoryFilter(1000)
    const keys = Array.from({ length: 10_000 }, (_, i) => i * 0x9e37_79b1 + 7)
    for (const k of keys) filter.add(k)
    expect(filter.size).toBe(1000)
    expect(keys.slice(0, 9000).some((k) => filter.has(k))).toBe(false)
    expect(keys.slice(9000).every((k) => filter.has(k))).toBe(true)
  })
})

describe("inventoryKeyAt", () => {
  const vector = fc.record({
    type: fc.oneof(fc.constantFrom(1, 2, 3, 4, 5, 1 | InvVector.WITNESS_FLAG, 2 | InvVector.WITNESS_FLAG), fc.nat({ max: 0xffff_ffff })),
    hash: fc.uint8Array({ minLength: 32, maxLength: 32 })
  })

  it("reads from a decoded inv's payload the key of each vector built from it", () =>
    fc.assert(fc.property(fc.array(vector, { minLength: 1, maxLength: 20 }), (inventory) => {
      const payload = Either.getOrThrow(Message.encodePayloadEither(Message.Inv.make({ inventory })))
      const decoded = Either.getOrThrow(Message.decodePayloadEither("inv", payload)) as Message.MessageOf<"Inv">
      const start = payload.length - inventory.length * InvVector.SIZE
      inventory.forEach((v, i) => {
        expect(inventoryKeyAt(payload, start + i * InvVector.SIZE)).toBe(inventoryKey(v.type, v.hash))
        expect(inventoryKey(decoded.inventory[i]!.type, decoded.inventory[i]!.hash)).toBe(inventoryKey(v.type, v.hash))
      })
    })))
})
