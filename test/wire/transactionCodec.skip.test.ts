/**
 * A received block is checked by `TransactionCodec.skip` (which builds
 * nothing) and built by `TransactionCodec.read` when its transactions are
 * first read. What a user relies on: a block that decodes can always be
 * built, and a malformed one fails at decode with the error the builder
 * would give. So the two must agree on every input: same verdict, same
 * error, same end offset.
 */
import { describe, expect, it } from "@effect/vitest"
import * as Arbitrary from "effect/Arbitrary"
import * as FastCheck from "effect/FastCheck"
import { ByteReader } from "../../src/internal/wire/ByteReader.js"
import { DecodeFailure } from "../../src/internal/wire/DecodeFailure.js"
import * as TransactionCodec from "../../src/internal/wire/transactionCodec.js"
import * as Transaction from "../../src/wire/Transaction.js"
import { bytes } from "../support/wire.js"
import { MULTI_WITNESS_TX_HEX } from "./vectors/fixtures.js"

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

const expectSameVerdict = (input: Uint8Array, serialization: Serialization): void => {
  expect(outcome(input, (r) => TransactionCodec.skip(r, serialization))).toBe(
    outcome(input, (r) => void TransactionCodec.read(r, serialization))
  )
}

const witnessTx = bytes(MULTI_WITNESS_TX_HEX)
const serializations: ReadonlyArray<Serialization> = ["segwit", "legacy", "mweb"]

describe("TransactionCodec.skip", () => {
  it("ends where read ends on a segwit transaction, and fails as read fails at every truncation", () => {
    expect(outcome(witnessTx, (r) => TransactionCodec.skip(r))).toBe(`ok at ${witnessTx.length}`)
    for (const serialization of serializations) {
      for (let end = 0; end <= witnessTx.length; end++) expectSameVerdict(witnessTx.subarray(0, end), serialization)
    }
  })

  it("fails as read fails on every single-byte change of a segwit transaction", () => {
    for (let at = 0; at < witnessTx.length; at++) {
      for (const value of [0x00, 0x01, 0x08, 0x09, 0xfd, 0xff]) {
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
})
