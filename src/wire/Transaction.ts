/**
 * Transactions, with BIP-0144 witness serialization, and their ids.
 *
 * Decoding follows Bitcoin Core's rules exactly: an empty input list followed
 * by a non-zero byte is the segwit marker and flag; the flag must be 1; a
 * witness section whose stacks are all empty is rejected ("superfluous
 * witness record"). Script and witness bytes are views into the payload.
 *
 * @since 0.1.0
 */
import * as Schema from "effect/Schema"
import { ByteReader } from "../internal/wire/ByteReader.js"
import { ByteWriter } from "../internal/wire/ByteWriter.js"
import { DecodeFailure } from "../internal/wire/DecodeFailure.js"
import { sha256d } from "./Hash.js"
import { Bytes, Hash32, Int32, Int64, UInt32 } from "./Fields.js"

/**
 * A reference to an output of an earlier transaction.
 *
 * @since 0.1.0
 * @category schemas
 */
export const OutPoint = Schema.Struct({ hash: Hash32, index: UInt32 }).annotations({ identifier: "OutPoint" })
/**
 * @since 0.1.0
 * @category models
 */
export type OutPoint = typeof OutPoint.Type

/**
 * A transaction input with its witness stack (empty when none).
 *
 * @since 0.1.0
 * @category schemas
 */
export const TxIn = Schema.Struct({
  prevout: OutPoint,
  script: Bytes,
  sequence: UInt32,
  witness: Schema.Array(Bytes)
}).annotations({ identifier: "TxIn" })
/**
 * @since 0.1.0
 * @category models
 */
export type TxIn = typeof TxIn.Type

/**
 * A transaction output: value in satoshis and locking script.
 *
 * @since 0.1.0
 * @category schemas
 */
export const TxOut = Schema.Struct({ value: Int64, script: Bytes }).annotations({ identifier: "TxOut" })
/**
 * @since 0.1.0
 * @category models
 */
export type TxOut = typeof TxOut.Type

/**
 * A transaction. At least one input: a transaction without inputs cannot be
 * told apart from the segwit marker on the wire.
 *
 * @since 0.1.0
 * @category schemas
 */
export const Transaction = Schema.Struct({
  version: Int32,
  inputs: Schema.Array(TxIn).pipe(Schema.minItems(1)),
  outputs: Schema.Array(TxOut),
  lockTime: UInt32
}).annotations({ identifier: "Transaction" })
/**
 * @since 0.1.0
 * @category models
 */
export type Transaction = typeof Transaction.Type

/**
 * Smallest possible serialized transaction, used to bound list lengths.
 *
 * @since 0.1.0
 * @category constants
 */
export const MIN_SIZE = 10

const MIN_INPUT_SIZE = 41
const MIN_OUTPUT_SIZE = 9
const MAX_ITEMS = 1_000_000
const NO_WITNESS: ReadonlyArray<Uint8Array> = Object.freeze([]) as ReadonlyArray<Uint8Array>

const readInputs = (r: ByteReader, n: number): Array<TxIn> => {
  const inputs = new Array<TxIn>(n)
  for (let i = 0; i < n; i++) {
    const hash = r.hash()
    const index = r.u32le()
    const script = r.varBytes(r.remaining, "script")
    const sequence = r.u32le()
    inputs[i] = { prevout: { hash, index }, script, sequence, witness: NO_WITNESS }
  }
  return inputs
}

const readOutputs = (r: ByteReader): Array<TxOut> => {
  const n = r.count(MAX_ITEMS, MIN_OUTPUT_SIZE, "outputs")
  const outputs = new Array<TxOut>(n)
  for (let i = 0; i < n; i++) outputs[i] = { value: r.i64le(), script: r.varBytes(r.remaining, "script") }
  return outputs
}

/** @internal */
export const read = (r: ByteReader): Transaction => {
  const version = r.i32le()
  let inputs = readInputs(r, r.count(MAX_ITEMS, MIN_INPUT_SIZE, "inputs"))
  let outputs: Array<TxOut>
  let flags = 0
  if (inputs.length === 0) {
    flags = r.u8()
    if (flags !== 0) {
      inputs = readInputs(r, r.count(MAX_ITEMS, MIN_INPUT_SIZE, "inputs"))
      outputs = readOutputs(r)
    } else {
      outputs = []
    }
  } else {
    outputs = readOutputs(r)
  }
  if ((flags & 1) !== 0) {
    flags ^= 1
    let any = false
    for (let i = 0; i < inputs.length; i++) {
      const items = r.count(MAX_ITEMS, 1, "witness items")
      if (items > 0) {
        any = true
        const stack = new Array<Uint8Array>(items)
        for (let j = 0; j < items; j++) stack[j] = r.varBytes(r.remaining, "witness item")
        // The input was built just above by `readInputs` and is not shared yet: fill its
        // witness in place rather than copying the object (same shape, no allocation).
        ;(inputs[i] as { witness: ReadonlyArray<Uint8Array> }).witness = stack
      }
    }
    if (!any) throw new DecodeFailure("InvalidValue", "superfluous witness record")
  }
  if (flags !== 0) throw new DecodeFailure("InvalidValue", `unknown transaction optional data (flags ${flags})`)
  const lockTime = r.u32le()
  return { version, inputs, outputs, lockTime }
}

/**
 * True when any input carries a witness (the transaction serializes with BIP-0144 marker and flag).
 *
 * @since 0.1.0
 * @category predicates
 */
export const hasWitness = (tx: Transaction): boolean => tx.inputs.some((i) => i.witness.length > 0)

/** @internal */
export const write = (w: ByteWriter, tx: Transaction, withWitness = true): void => {
  const segwit = withWitness && hasWitness(tx)
  w.i32le(tx.version)
  if (segwit) w.u8(0).u8(1)
  w.compactSize(tx.inputs.length)
  for (const i of tx.inputs) w.bytes(i.prevout.hash).u32le(i.prevout.index).varBytes(i.script).u32le(i.sequence)
  w.compactSize(tx.outputs.length)
  for (const o of tx.outputs) w.i64le(o.value).varBytes(o.script)
  if (segwit) {
    for (const i of tx.inputs) {
      w.compactSize(i.witness.length)
      for (const item of i.witness) w.varBytes(item)
    }
  }
  w.u32le(tx.lockTime)
}

/**
 * Serialized bytes; with witness data when `withWitness` (default) and the transaction has any.
 *
 * @since 0.1.0
 * @category encoding
 */
export const toBytes = (tx: Transaction, withWitness = true): Uint8Array => {
  const w = new ByteWriter(256)
  write(w, tx, withWitness)
  return w.finish()
}

/**
 * Decodes a whole serialized transaction; throws on malformed input or trailing bytes.
 *
 * @since 0.1.0
 * @category constructors
 */
export const fromBytes = (bytes: Uint8Array): Transaction => {
  const r = new ByteReader(bytes)
  const tx = read(r)
  r.done()
  return tx
}

/**
 * The txid: double SHA-256 of the serialization without witness data.
 *
 * @since 0.1.0
 * @category utils
 */
export const txid = (tx: Transaction): Uint8Array => sha256d(toBytes(tx, false))

/**
 * The wtxid (BIP-0141): double SHA-256 of the full serialization. Equals the txid when there is no witness.
 *
 * @since 0.1.0
 * @category utils
 */
export const wtxid = (tx: Transaction): Uint8Array => sha256d(toBytes(tx, true))
