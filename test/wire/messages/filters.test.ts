import { describe, expect, it } from "@effect/vitest"
import * as Hash from "../../../src/wire/Hash.js"
import { bytes, concat, decodeOk, displayHash, runVectors } from "../../support/wire.js"
import { BIP158_ROWS, CFHEADERS_HEX, filterVectors } from "../vectors/filters.js"

runVectors("bloom and compact filter vectors", filterVectors)

/** BIP-0157: header = sha256d(filter hash || previous header). */
const nextHeader = (filterHash: Uint8Array, previous: Uint8Array) => Hash.sha256d(concat(filterHash, previous))

describe("cfheaders", () => {
  it("its filter hashes chain from the previous header to BIP-0158's published headers", () => {
    const m = decodeOk("cfheaders", bytes(CFHEADERS_HEX))
    if (m._tag !== "CFHeaders") throw new Error(m._tag)
    const h2 = nextHeader(m.filterHashes[0]!, m.previousFilterHeader)
    const h3 = nextHeader(m.filterHashes[1]!, h2)
    expect(Hash.toHex(h2)).toBe(BIP158_ROWS[2].header)
    expect(Hash.toHex(h3)).toBe(BIP158_ROWS[3].header)
    expect(Hash.toHex(m.stopHash)).toBe(BIP158_ROWS[3].block)
  })

  it("the genesis filter hashes to BIP-0158's genesis filter header", () => {
    const m = decodeOk("cfilter", bytes("00", "43497fd7f826957108f4a30fd9cec3aeba79972084e90ead01ea330900000000", "04", "019dfca8"))
    if (m._tag !== "CFilter") throw new Error(m._tag)
    const header = nextHeader(Hash.sha256d(m.filter), displayHash(BIP158_ROWS[0].prevHeader))
    expect(Hash.toHex(header)).toBe(BIP158_ROWS[0].header)
    expect(Hash.toHex(m.blockHash)).toBe(BIP158_ROWS[0].block)
  })
})
