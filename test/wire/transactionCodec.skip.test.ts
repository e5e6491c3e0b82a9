/**
 * A received block is checked by `TransactionCodec.skipFast` (which builds
 * nothing: the raw-byte walk `endOf`, and `skip` where that gives up) and
 * built by `TransactionCodec.read` when its transactions are first read.
 * What a user relies on: a block that decodes can always be built, and a
 * malformed one fails at decode with the error the builder would give. So
 * `skip` and `skipFast` must agree with `read` on every input (same verdict,
 * same error, same end offset), and `endOf` may only give up or end where
 * `read` ends.
 */
import { describe, expect, it } from "@effect/vitest"
import * as Arbitrary from "effect/Arbitrary"
import * as FastCheck from "effect/FastCheck"
import { ByteReader } from "../../src/internal/wire/ByteReader.js"
import { DecodeFailure } from "../../src/internal/wire/DecodeFailure.js"
import * as TransactionCodec from "../../src/internal/wire/transactionCodec.js"
import * as Transaction from "../../src/wire/Transaction.js"
import { bytes, concat } from "../support/wire.js"
import { MULTI_WITNESS_TX_FIELDS, MULTI_WITNESS_TX_HEX } from "./vectors/fixtures.js"

type Serialization = Transaction.Serialization

/** What reading `input` with `run` ends in: the offset reached, or the error's rule and detail. */
const outcome = (input: Uint8Array, run: (r: ByteReader) => void): string => {
  const r = new ByteReader(input)
  try {
    run(r)
    return `ok at ${r.offset}`
  } catch (e) {
    if (e instanceof DecodeFailure) return `${e.rule}: ${e.detail}`
    throw e
  }
}

/** What the raw-byte walk ends in: as `outcome` when it ends, else "gave up". */
const walkOutcome = (input: Uint8Array, serialization: Serialization): string => {
  const end = TransactionCodec.endOf(input, 0, input.length, serialization)
  return end === TransactionCodec.GAVE_UP ? "gave up" : `ok at ${end}`
}

const expectSameVerdict = (input: Uint8Array, serialization: Serialization): void => {
  const byRead = outcome(input, (r) => void TransactionCodec.read(r, serialization))
  expect(outcome(input, (r) => TransactionCodec.skip(r, serialization))).toBe(byRead)
  expect(outcome(input, (r) => TransactionCodec.skipFast(r, serialization))).toBe(byRead)
  const walked = walkOutcome(input, serialization)
  if (walked !== "gave up") expect(walked).toBe(byRead)
}

const witnessTx = bytes(MULTI_WITNESS_TX_HEX)
const serializations: ReadonlyArray<Serialization> = ["segwit", "legacy", "mweb"]

describe("TransactionCodec.skip, skipFast and endOf", () => {
  it("ends where read ends on a segwit transaction, and fails as read fails at every truncation", () => {
    expect(outcome(witnessTx, (r) => TransactionCodec.skip(r))).toBe(`ok at ${witnessTx.length}`)
    for (const serialization of serializations) {
      for (let end = 0; end <= witnessTx.length; end++) expectSameVerdict(witnessTx.subarray(0, end), serialization)
    }
  })

  it("fails as read fails on every single-byte change of a segwit transaction", () => {
    for (let at = 0; at < witnessTx.length; at++) {
      for (const value of [0x00, 0x01, 0x08, 0x09, 0xfd, 0xfe, 0xff]) {
        const changed = Uint8Array.from(witnessTx)
        changed[at] = value
        for (const serialization of serializations) expectSameVerdict(changed, serialization)
      }
    }
  })

  it("agrees with read on arbitrary transactions, truncated anywhere", () => {
    FastCheck.assert(
      FastCheck.property(Arbitrary.make(Transaction.Transaction), FastCheck.nat(), (tx, cut) => {
        const encoded = Transaction.toBytes(tx)
        expectSameVerdict(encoded, "segwit")
        expectSameVerdict(encoded.subarray(0, cut % (encoded.length + 1)), "segwit")
      }),
      { numRuns: 200 }
    )
  })

  it("agrees with read on arbitrary bytes", () => {
    FastCheck.assert(
      FastCheck.property(FastCheck.uint8Array({ maxLength: 200 }), FastCheck.constantFrom(...serializations), (input, s) => {
        expectSameVerdict(input, s)
      }),
      { numRuns: 500 }
    )
  })
  it("endOf walks every well-formed transaction without MWEB data itself, to its end", () => {
    FastCheck.assert(
      FastCheck.property(Arbitrary.make(Transaction.Transaction), (tx) => {
        const plain = tx.mweb === undefined ? tx : { ...tx, mweb: undefined }
        const encoded = Transaction.toBytes(plain)
        expect(walkOutcome(encoded, "segwit")).toBe(`ok at ${encoded.length}`)
        expect(walkOutcome(encoded, "mweb")).toBe(`ok at ${encoded.length}`)
        const legacy = Transaction.toBytes(plain, false)
        if (legacy[4] !== 0) expect(walkOutcome(legacy, "legacy")).toBe(`ok at ${legacy.length}`)
      }),
      { numRuns: 200 }
    )
  })

  it("agree with read on 3- and 5-byte CompactSizes (long scripts, a 64 KiB witness item, 253 outputs), truncated around each", () => {
    const tx: Transaction.Transaction = {
      version: 2,
      inputs: [
        { prevout: { hash: new Uint8Array(32).fill(1), index: 0 }, script: new Uint8Array(300).fill(2), sequence: 0, witness: [new Uint8Array(0x1_0000).fill(3), new Uint8Array(253).fill(4), new Uint8Array(0)] },
        { prevout: { hash: new Uint8Array(32).fill(5), index: 1 }, script: new Uint8Array(0), sequence: 0, witness: [] }
      ],
      outputs: Array.from({ length: 253 }, (_, i) => ({ value: BigInt(i), script: new Uint8Array(i === 0 ? 0xfd : 1).fill(6) })),
      lockTime: 7
    }
    const encoded = Transaction.toBytes(tx)
    expect(walkOutcome(encoded, "segwit")).toBe(`ok at ${encoded.length}`)
    // Every cut outside the long runs of one byte value, where all the structure is.
    const cuts: Array<number> = []
    for (let end = 0; end <= encoded.length; end++) {
      const inRun = end > 8 && end < encoded.length - 8 && encoded.subarray(end - 8, end + 8).every((b) => b === encoded[end])
      if (!inRun) cuts.push(end)
    }
    expect(cuts.length).toBeLessThan(5_000)
    for (const end of cuts) for (const serialization of serializations) expectSameVerdict(encoded.subarray(0, end), serialization)
  })

  it("agree with read on a non-canonical CompactSize in every counted field", () => {
    const f = MULTI_WITNESS_TX_FIELDS
    /** `field`'s leading CompactSize `n` (one byte) re-encoded in the wider form `prefix`. */
    const widen = (field: string, prefix: "fd" | "fe" | "ff"): string =>
      prefix + field.slice(0, 2) + "00".repeat(prefix === "fd" ? 1 : prefix === "fe" ? 3 : 7) + field.slice(2)
    const [itemCount, sig, key] = [f.witness.slice(0, 2), f.witness.slice(2, 2 + 2 + 70 * 2), f.witness.slice(2 + 2 + 70 * 2)]
    for (const prefix of ["fd", "fe", "ff"] as const) {
      const variants = [
        { ...f, inputCount: widen(f.inputCount, prefix) },
        { ...f, scriptSig: widen(f.scriptSig, prefix) },
        { ...f, outputCount: widen(f.outputCount, prefix) },
        { ...f, pkScript: widen(f.pkScript, prefix) },
        { ...f, witness: widen(itemCount, prefix) + sig + key },
        { ...f, witness: itemCount + widen(sig, prefix) + key },
        { ...f, witness: itemCount + sig + widen(key, prefix) }
      ]
      for (const v of variants) {
        const hex = [v.version, v.marker, v.flag, v.inputCount, v.prevHash, v.prevIndex, v.scriptSig, v.sequence, v.outputCount, v.value, v.pkScript, v.witness, v.lockTime].join("")
        expect(outcome(bytes(hex), (r) => void TransactionCodec.read(r))).toMatch(/^(NonCanonicalCompactSize|CountTooLarge)/)
        for (const serialization of serializations) expectSameVerdict(bytes(hex), serialization)
      }
    }
  })

  it("agree with read at the edges of each CompactSize form: 252 and 0xffff written wide fail, 253 and 0x10000 pass", () => {
    const f = MULTI_WITNESS_TX_FIELDS
    /**
     * The fixture with its output script replaced by `length` bytes behind the CompactSize `prefix`.
     * The script ends in 01 00, a witness of one empty item: a walk that took a 5-byte CompactSize
     * for a 3-byte one (2 bytes short) would read it as the witness and end in the lock time.
     */
    const withScript = (prefix: string, length: number): Uint8Array => {
      const script = new Uint8Array(length).fill(0x51)
      script.set([0x01, 0x00], length - 2)
      return concat(
        bytes(f.version, f.marker, f.flag, f.inputCount, f.prevHash, f.prevIndex, f.scriptSig, f.sequence, f.outputCount, f.value, prefix),
        script,
        bytes(f.witness, f.lockTime)
      )
    }
    const cases = [
      { tx: withScript("fdfc00", 252), verdict: /^NonCanonicalCompactSize/ },
      { tx: withScript("fdfd00", 253), verdict: /^ok/ },
      { tx: withScript("feffff0000", 0xffff), verdict: /^NonCanonicalCompactSize/ },
      { tx: withScript("fe00000100", 0x1_0000), verdict: /^ok/ }
    ]
    for (const { tx, verdict } of cases) {
      expect(outcome(tx, (r) => TransactionCodec.skipFast(r))).toMatch(verdict)
      for (const serialization of serializations) expectSameVerdict(tx, serialization)
    }
  })

  it("agree with read on the output cap: 1,000,001 outputs fail however many bytes follow", () => {
    const f = MULTI_WITNESS_TX_FIELDS
    const outputs = 1_000_001
    const count = new Uint8Array([0xfe, outputs & 0xff, (outputs >>> 8) & 0xff, (outputs >>> 16) & 0xff, 0])
    // Each output: an 8-byte value and an empty script (its length, 0).
    const tx = concat(bytes(f.version, f.marker, f.flag, f.inputCount, f.prevHash, f.prevIndex, f.scriptSig, f.sequence), count, new Uint8Array(outputs * 9), bytes(f.witness, f.lockTime))
    expect(outcome(tx, (r) => TransactionCodec.skipFast(r))).toMatch(/^CountTooLarge: outputs/)
    expectSameVerdict(tx, "segwit")
  })

  it("agree with read on the witness item cap: 1,000,000 empty items pass, one more fails", () => {
    const f = MULTI_WITNESS_TX_FIELDS
    /** The fixture with `items` empty witness items (5-byte CompactSize count). */
    const withItems = (items: number): Uint8Array => {
      const count = new Uint8Array([0xfe, items & 0xff, (items >>> 8) & 0xff, (items >>> 16) & 0xff, 0])
      const head = bytes(f.version, f.marker, f.flag, f.inputCount, f.prevHash, f.prevIndex, f.scriptSig, f.sequence, f.outputCount, f.value, f.pkScript)
      return concat(head, count, new Uint8Array(items), bytes(f.lockTime))
    }
    const atCap = withItems(1_000_000)
    expect(outcome(atCap, (r) => TransactionCodec.skipFast(r))).toBe(`ok at ${atCap.length}`)
    expectSameVerdict(atCap, "segwit")
    const overCap = withItems(1_000_001)
    expect(outcome(overCap, (r) => TransactionCodec.skipFast(r))).toMatch(/^CountTooLarge: witness items/)
    expectSameVerdict(overCap, "segwit")
  })
})
