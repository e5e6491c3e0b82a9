/**
 * The README's table of the family presets says what the presets are: a
 * reader choosing a network reads the table, not src/wire/ChainParams.ts.
 */
import { describe, expect, it } from "@effect/vitest"
import { readFileSync } from "node:fs"
import * as ChainParams from "../../src/wire/ChainParams.js"
import * as Hash from "../../src/wire/Hash.js"
import * as Magic from "../../src/wire/Magic.js"

const README = readFileSync(new URL("../../README.md", import.meta.url), "utf8")

/** Rows of the family table: `| \`name\` | \`magic\` | port | \`genesis…\` | N MB | speak / ≥ accept | … |`. */
const rows = [...README.matchAll(/^\| `([a-z0-9-]+)` \| `([0-9a-f]{8})` \| (\d+) \| `([0-9a-f]+)…` \| (\d+) MB \| (\d+) \/ ≥ (\d+) \|/gm)]

describe("README's family table", () => {
  it("has one row per family preset, each as the preset is", () => {
    const family = Object.values(ChainParams.byName).filter((p) => p.name.includes("-"))
    expect(rows.map((r) => r[1])).toEqual(family.map((p) => p.name))
    for (const [, name, magic, port, genesis, frameMB, speak, accept] of rows) {
      const p = ChainParams.byName[name!]!
      expect([magic, Number(port), Number(frameMB) * 1_000_000, Number(speak), Number(accept)], name).toEqual([
        Magic.toHex(p.magic), p.defaultPort, p.maxMessageSize, p.protocolVersion, p.minProtocolVersion
      ])
      expect(Hash.toHex(p.genesisHash).startsWith(genesis!), name).toBe(true)
    }
  })
})
