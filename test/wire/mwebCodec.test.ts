/**
 * The MWEB walk's VARINT and its size: Litecoin's extension block comes from
 * any peer that sends an unrequested `block`, and a kernel may hold one
 * VARINT per peg-out, so the walk must read every VARINT exactly as
 * serialize.h's ReadVarInt does (same values, same refusals, read before
 * checked) and get through a block full of them.
 */
import { describe, expect, it } from "@effect/vitest"
import * as FastCheck from "effect/FastCheck"
import { ByteReader } from "../../src/internal/wire/ByteReader.js"
import { DecodeFailure } from "../../src/internal/wire/DecodeFailure.js"
import * as MwebCodec from "../../src/internal/wire/mwebCodec.js"
import { bytes, concat } from "../support/wire.js"

const U64_MAX = 2n ** 64n - 1n
const I64_MAX = 2n ** 63n - 1n

/** serialize.h WriteVarInt: base 128, most significant group first, one subtracted from all but the last. */
const varInt = (value: bigint): Uint8Array => {
  const out: Array<number> = []
  let n = value
  for (;;) {
    out.unshift(Number(n & 0x7fn) | (out.length > 0 ? 0x80 : 0))
    if (n <= 0x7fn) break
    n = (n >> 7n) - 1n
  }
  return Uint8Array.from(out)
}

/**
 * serialize.h ReadVarInt, restated in bigint as Litecoin writes it: the
 * value and how many bytes it took, "too large" past `max`, or "truncated".
 */
const referenceVarInt = (b: Uint8Array, max: bigint): string => {
  let n = 0n
  for (let i = 0; ; i++) {
    if (i >= b.length) return "truncated"
    const ch = b[i]!
    if (n > max >> 7n) return "too large"
    n = (n << 7n) | BigInt(ch & 0x7f)
    if ((ch & 0x80) === 0) return `${n} in ${i + 1}`
    if (n === max) return "too large"
    n++
  }
}

/** An extension block whose output MMR size (a uint64 VARINT) is `field`, otherwise empty. */
const withMmrSize = (field: Uint8Array) => concat(bytes("01", "00", "11".repeat(160)), field, bytes("00", "00", "00", "00"))
/** An extension block of one kernel with one peg-out (amount: an int64 VARINT) to script 51. */
const withPegOut = (amount: Uint8Array) =>
  concat(bytes("01", "00", "11".repeat(160), "00", "00", "00", "00", "01", "04", "01"), amount, bytes("0151", "22".repeat(97)))

/** What walking `ext` ends in: where, or the error's reason. */
const walk = (ext: Uint8Array): string => {
  const r = new ByteReader(ext)
  try {
    MwebCodec.skipExtensionBlock(r)
    return `ok, ${r.remaining} left`
  } catch (e) {
    if (e instanceof DecodeFailure) return e.rule
    throw e
  }
}

describe("MWEB VARINTs, read as serialize.h ReadVarInt reads them", () => {
  it("every width up to the type's limit is accepted, one past it refused (uint64 and int64)", () => {
    const values = [0n, 127n, 128n, 16511n, 16512n, 2n ** 32n - 1n, 2n ** 32n, 2n ** 45n - 1n, 2n ** 45n, 2n ** 45n + 1n, 2n ** 52n, 2n ** 53n - 1n, 2n ** 53n, 2n ** 53n + 1n, 2n ** 56n, 2n ** 60n + 2n ** 32n - 1n, I64_MAX - 1n, I64_MAX]
    for (const v of [...values, 2n ** 63n, U64_MAX - 1n, U64_MAX]) expect(walk(withMmrSize(varInt(v))), `uint64 ${v}`).toBe("ok, 0 left")
    for (const v of values) expect(walk(withPegOut(varInt(v))), `int64 ${v}`).toBe("ok, 0 left")
    // One past: 2^63 as an int64 peg-out, 2^64 (10 bytes, read past its type) as a uint64.
    expect(walk(withPegOut(varInt(2n ** 63n)))).toBe("InvalidValue")
    expect(walk(withPegOut(varInt(U64_MAX)))).toBe("InvalidValue")
    expect(walk(withMmrSize(bytes("81fefefefefefefefe00")))).toBe("InvalidValue")
    expect(walk(withMmrSize(bytes("80fefefefefefefefe7f")))).toBe("ok, 0 left") // 2^64 - 1
    // Endless continuations: refused once past the type, whatever follows; cut short, truncated.
    expect(walk(withMmrSize(bytes("ff".repeat(100))))).toBe("InvalidValue")
    expect(walk(withMmrSize(bytes("80".repeat(100))))).toBe("InvalidValue")
    expect(walk(bytes("01", "ff", "ff"))).toBe("Truncated")
  })

  it("any bytes: the same verdict and the same length as the reference reading", () => {
    FastCheck.assert(
      FastCheck.property(
        FastCheck.array(FastCheck.oneof(FastCheck.integer({ min: 0, max: 255 }), FastCheck.constantFrom(0x80, 0xfe, 0xff, 0x7f, 0x81)), { maxLength: 11 }),
        (field) => {
          const b = Uint8Array.from(field)
          const expected = referenceVarInt(b, U64_MAX)
          if (expected === "too large") expect(walk(withMmrSize(b))).toBe("InvalidValue")
          else if (expected === "truncated") expect(walk(concat(bytes("01", "00", "11".repeat(160)), b))).toBe("Truncated")
          // A value: its bytes, and no more, are the field (the walk ends exactly at the block's end).
          else expect(walk(withMmrSize(b.subarray(0, Number(expected.split(" in ")[1]))))).toBe("ok, 0 left")
          // The same bytes as an int64 (a peg-out amount).
          const asInt64 = referenceVarInt(b, I64_MAX)
          if (asInt64 === "too large") expect(walk(withPegOut(b))).toBe("InvalidValue")
          else if (asInt64 !== "truncated") {
            expect(walk(withPegOut(b.subarray(0, Number(asInt64.split(" in ")[1]))))).toBe("ok, 0 left")
          }
        }
      ),
      { numRuns: 5000 }
    )
  })

  it("any value's encoding: read whole up to its type's limit, refused past it", () => {
    FastCheck.assert(
      FastCheck.property(FastCheck.oneof(FastCheck.bigInt({ min: 0n, max: U64_MAX }), FastCheck.bigInt({ min: 2n ** 44n, max: 2n ** 54n })), (v) => {
        expect(walk(withMmrSize(varInt(v)))).toBe("ok, 0 left")
        expect(walk(withPegOut(varInt(v)))).toBe(v <= I64_MAX ? "ok, 0 left" : "InvalidValue")
      }),
      { numRuns: 3000 }
    )
  })

  it("a 4 MB extension block of peg-outs is walked to its end (one VARINT each, 1 and 9 bytes)", () => {
    const le32 = (n: number) => bytes(n.toString(16).padStart(8, "0").match(/../g)!.reverse().join(""))
    for (const amount of [bytes("00"), varInt(I64_MAX)]) {
      const pegOut = concat(amount, bytes("0151"))
      const count = Math.floor(3_990_000 / pegOut.length)
      const body = new Uint8Array(pegOut.length * count)
      for (let i = 0; i < count; i++) body.set(pegOut, i * pegOut.length)
      const ext = concat(bytes("01", "00", "11".repeat(160), "00", "00", "00", "00", "01", "04", "fe"), le32(count), body, bytes("22".repeat(97)))
      expect(ext.length).toBeGreaterThan(3_900_000)
      expect(walk(ext)).toBe("ok, 0 left")
      // And it is read, not skipped: the last peg-out's script cut short is truncated.
      expect(walk(ext.subarray(0, ext.length - 98))).toBe("Truncated")
    }
  })
})

describe("an MWEB transaction (mw::Transaction), walked to its end", () => {
  /** Kernel offset, stealth offset, no inputs, no outputs, one kernel with a fee of 5. */
  const TX = bytes("aa".repeat(32), "bb".repeat(32), "00", "00", "01", "0105", "22".repeat(33), "33".repeat(64))

  it("ends where its last kernel ends; cut anywhere, truncated; no kernel, refused", () => {
    const r = new ByteReader(concat(TX, bytes("00000000")))
    MwebCodec.skipMwebTransaction(r)
    expect(r.offset).toBe(TX.length)
    for (let cut = 0; cut < TX.length; cut++) {
      expect(() => MwebCodec.skipMwebTransaction(new ByteReader(TX.subarray(0, cut))), `cut at ${cut}`).toThrow(/need|items/)
    }
    const noKernel = bytes("aa".repeat(32), "bb".repeat(32), "00", "00", "00")
    expect(() => MwebCodec.skipMwebTransaction(new ByteReader(noKernel))).toThrow("without kernels")
  })

  it("presence: only 1 announces one (serialize.h OptionalPtr)", () => {
    expect(MwebCodec.PRESENT).toBe(1)
    for (const p of ["00", "02", "ff"]) expect(walk(bytes(p)), p).toBe("ok, 0 left")
    expect(walk(bytes("01"))).toBe("Truncated")
  })
})
