/**
 * 64-bit fields (services, nonces, timestamps, output values) are read and
 * written through a scratch seen as two 32-bit words and as one 64-bit
 * integer. They must give exactly `DataView`'s little-endian bytes and
 * values: at the edges of the signed and unsigned ranges, for values beyond
 * 64 bits (reduced modulo 2^64) and negative ones, at unaligned offsets, and
 * through the reader and writer that use them.
 */
import { describe, expect, it } from "@effect/vitest"
import * as fc from "effect/FastCheck"
import { ByteReader } from "../../src/internal/wire/ByteReader.js"
import { ByteWriter } from "../../src/internal/wire/ByteWriter.js"
import { readI64, readU64, writeU64 } from "../../src/internal/wire/word64.js"

const edges = [
  0n, 1n, 0x409n, 0xffff_ffffn, 0x1_0000_0000n, 0x7fff_ffff_ffff_ffffn, 0x8000_0000_0000_0000n,
  0xffff_ffff_ffff_ffffn, 0x1_0000_0000_0000_0000n, -1n, -0x8000_0000_0000_0000n, 2n ** 100n + 5n, -(2n ** 70n) - 3n
]

/** DataView's little-endian bytes of `v` modulo 2^64. */
const reference = (v: bigint): Uint8Array => {
  const dv = new DataView(new ArrayBuffer(8))
  dv.setBigUint64(0, v, true)
  return new Uint8Array(dv.buffer)
}

const check = (v: bigint, at: number) => {
  const b = new Uint8Array(at + 8 + 3).fill(0xaa)
  writeU64(b, at, v)
  const ref = reference(v)
  expect(Array.from(b.subarray(at, at + 8))).toEqual(Array.from(ref))
  // Nothing around the field is touched.
  expect(b[at - 1] ?? 0xaa).toBe(0xaa)
  expect(b[at + 8]).toBe(0xaa)
  const dv = new DataView(ref.buffer)
  expect(readU64(b, at)).toBe(dv.getBigUint64(0, true))
  expect(readI64(b, at)).toBe(dv.getBigInt64(0, true))
}

describe("word64", () => {
  it("matches DataView at the edges, at aligned and unaligned offsets", () => {
    for (const v of edges) for (const at of [0, 1, 3, 8]) check(v, at)
  })

  it("matches DataView for any value", () => {
    fc.assert(fc.property(fc.bigInt({ min: -(2n ** 80n), max: 2n ** 80n }), fc.nat(16), (v, at) => check(v, at)))
  })

  it("refuses a number, as DataView does", () => {
    expect(() => writeU64(new Uint8Array(8), 0, 5 as unknown as bigint)).toThrow(TypeError)
  })

  it("round trips through the writer and the reader", () => {
    const w = new ByteWriter(4)
    w.u8(7)
    for (const v of edges) w.u64le(v).i64le(v)
    const r = new ByteReader(w.copy())
    expect(r.u8()).toBe(7)
    for (const v of edges) {
      expect(r.u64le()).toBe(BigInt.asUintN(64, v))
      expect(r.i64le()).toBe(BigInt.asIntN(64, v))
    }
    r.done()
  })
})
