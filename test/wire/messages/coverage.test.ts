import { describe, expect, it } from "@effect/vitest"
import * as Message from "../../../src/wire/Message.js"
import { addressVectors } from "../vectors/addresses.js"
import { blockVectors } from "../vectors/blocks.js"
import { controlVectors } from "../vectors/control.js"
import { filterVectors } from "../vectors/filters.js"
import { inventoryVectors } from "../vectors/inventory.js"

describe("byte vectors", () => {
  it("cover every one of the 35 protocol messages", () => {
    const all = [...controlVectors, ...addressVectors, ...inventoryVectors, ...blockVectors, ...filterVectors]
    const covered = new Set(all.map((v) => v.command))
    expect(Message.definitions).toHaveLength(35)
    expect([...Message.definitions.map((d) => d.command)].sort()).toEqual([...covered].sort())
  })

  it("each name where its bytes come from", () => {
    const all = [...controlVectors, ...addressVectors, ...inventoryVectors, ...blockVectors, ...filterVectors]
    for (const v of all) expect(v.source.length, `${v.command} ${v.name}`).toBeGreaterThan(8)
  })
})
