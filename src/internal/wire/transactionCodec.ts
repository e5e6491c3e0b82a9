/**
 * The byte codec of transactions (see `wire/Transaction` for the rules it
 * follows): read and write on the wire cursor, shared by `tx`, `block`,
 * `blocktxn`, `cmpctblock` and Dogecoin's AuxPoW proof.
 */
import type * as ByteCursor from "../../wire/ByteCursor.js"
import type { ByteReader } from "./ByteReader.js"
import { compactSizeLength } from "./ByteWriter.js"
import { DecodeFailure } from "./DecodeFailure.js"
import { OutPointObject, TransactionObject, TxInObject, TxOutObject } from "./plainObjects.js"

// The shapes of `wire/Transaction`, restated so the codec does not import the module it serves
// (that module's `toBytes` and `fromBytes` import this one); the compiler holds them together
// wherever one is passed for the other.
type Serialization = "segwit" | "legacy" | "mweb"
interface TxIn {
  readonly prevout: { readonly hash: Uint8Array; readonly index: number }
  readonly script: Uint8Array
  readonly sequence: number
  readonly witness: ReadonlyArray<Uint8Array>
}
interface TxOut {
  readonly value: bigint
  readonly script: Uint8Array
}
/** A transaction, as `wire/Transaction` defines it. @internal */
export interface Transaction {
  readonly version: number
  readonly inputs: ReadonlyArray<TxIn>
  readonly outputs: ReadonlyArray<TxOut>
  readonly lockTime: number
  readonly mweb?: Uint8Array | undefined
}

/** MWEB flag bit (Litecoin `primitives/transaction.h`). @internal */
export const MWEB_FLAG = 8

/** Smallest possible serialized transaction, used to bound list lengths. @internal */
export const MIN_SIZE = 10

const MIN_INPUT_SIZE = 41
const MIN_OUTPUT_SIZE = 9
const MAX_ITEMS = 1_000_000
const NO_WITNESS: ReadonlyArray<Uint8Array> = Object.freeze([]) as ReadonlyArray<Uint8Array>

const readInputs = (r: ByteCursor.Reader, n: number): Array<TxIn> => {
  const inputs = new Array<TxIn>(n)
  for (let i = 0; i < n; i++) {
    const hash = r.hash()
    const index = r.u32le()
    const script = r.varBytes(r.remaining, "script")
    const sequence = r.u32le()
    inputs[i] = new TxInObject(new OutPointObject(hash, index), script, sequence, NO_WITNESS)
  }
  return inputs
}

const readOutputs = (r: ByteCursor.Reader): Array<TxOut> => {
  const n = r.count(MAX_ITEMS, MIN_OUTPUT_SIZE, "outputs")
  const outputs = new Array<TxOut>(n)
  for (let i = 0; i < n; i++) {
    const value = r.i64le()
    outputs[i] = new TxOutObject(value, r.varBytes(r.remaining, "script"))
  }
  return outputs
}

/**
 * Reads one transaction. With `"mweb"`, a transaction whose MWEB data is not
 * the HogEx marker takes every byte up to the last 4 (its lock time) as that
 * data: MWEB transactions are only ever sent alone, in `tx`, and only to
 * peers that asked for them (LIP-0006), which this library never does.
 *
 * @internal
 */
export const read = (r: ByteCursor.Reader, serialization: Serialization = "segwit"): Transaction => {
  const version = r.i32le()
  let inputs = readInputs(r, r.count(MAX_ITEMS, MIN_INPUT_SIZE, "inputs"))
  let outputs: Array<TxOut>
  let flags = 0
  if (inputs.length === 0) {
    flags = r.u8()
    if (flags !== 0) {
      if (serialization === "legacy") {
        throw new DecodeFailure("InvalidValue", `witness marker (flags ${flags}) on a network without segwit`)
      }
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
  let mweb: Uint8Array | undefined
  if ((flags & MWEB_FLAG) !== 0 && serialization === "mweb") {
    flags ^= MWEB_FLAG
    const start = r.offset
    // OptionalPtr: 0 = none (the HogEx marker), else the MWEB transaction itself.
    // Fewer than 4 bytes left: the lock time read below fails as truncated.
    if (r.u8() !== 0) r.bytesView(Math.max(0, r.remaining - 4), "MWEB transaction")
    mweb = r.bytes.subarray(start, r.offset)
  }
  if (flags !== 0) throw new DecodeFailure("InvalidValue", `unknown transaction optional data (flags ${flags})`)
  const lockTime = r.u32le()
  return mweb === undefined
    ? new TransactionObject(version, inputs, outputs, lockTime)
    : { version, inputs, outputs, lockTime, mweb }
}

/**
 * Checks one transaction as `read` does, failing with the same error at the
 * same place, but builds nothing: no objects, no views. A block is checked
 * this way when it is received and built with `read` when its transactions
 * are first asked for (see `blockCodec`); building it twice cost twice the
 * allocation. `transactionCodec.test` holds the two to the same verdicts.
 *
 * @internal
 */
export const skip = (r: ByteReader, serialization: Serialization = "segwit"): void => {
  r.skip(4, "i32")
  let inputs = r.count(MAX_ITEMS, MIN_INPUT_SIZE, "inputs")
  skipInputs(r, inputs)
  let flags = 0
  if (inputs === 0) {
    flags = r.u8()
    if (flags !== 0) {
      if (serialization === "legacy") {
        throw new DecodeFailure("InvalidValue", `witness marker (flags ${flags}) on a network without segwit`)
      }
      inputs = r.count(MAX_ITEMS, MIN_INPUT_SIZE, "inputs")
      skipInputs(r, inputs)
      skipOutputs(r)
    }
  } else {
    skipOutputs(r)
  }
  if ((flags & 1) !== 0) {
    flags ^= 1
    let any = false
    for (let i = 0; i < inputs; i++) {
      const items = r.count(MAX_ITEMS, 1, "witness items")
      if (items > 0) any = true
      for (let j = 0; j < items; j++) r.skipVarBytes("witness item")
    }
    if (!any) throw new DecodeFailure("InvalidValue", "superfluous witness record")
  }
  if ((flags & MWEB_FLAG) !== 0 && serialization === "mweb") {
    flags ^= MWEB_FLAG
    if (r.u8() !== 0) r.skip(Math.max(0, r.remaining - 4), "MWEB transaction")
  }
  if (flags !== 0) throw new DecodeFailure("InvalidValue", `unknown transaction optional data (flags ${flags})`)
  r.skip(4, "u32")
}

const skipInputs = (r: ByteReader, n: number): void => {
  for (let i = 0; i < n; i++) {
    r.skip(32, "hash")
    r.skip(4, "u32")
    r.skipVarBytes("script")
    r.skip(4, "u32")
  }
}

const skipOutputs = (r: ByteReader): void => {
  const n = r.count(MAX_ITEMS, MIN_OUTPUT_SIZE, "outputs")
  for (let i = 0; i < n; i++) {
    r.skip(8, "i64")
    r.skipVarBytes("script")
  }
}

/** True when any input carries a witness. @internal */
export const hasWitness = (tx: Transaction): boolean => {
  const inputs = tx.inputs
  for (let i = 0; i < inputs.length; i++) if (inputs[i]!.witness.length > 0) return true
  return false
}

/**
 * The bytes `write(w, tx, withWitness)` produces, in one walk over the
 * transaction: what lets the encoder allocate a `tx` frame once, at its size.
 *
 * @internal
 */
export const size = (tx: Transaction, withWitness = true): number => {
  const inputs = tx.inputs
  const outputs = tx.outputs
  const mweb = withWitness ? tx.mweb : undefined
  // version, input count, output count, lock time
  let n = 4 + compactSizeLength(inputs.length) + compactSizeLength(outputs.length) + 4
  let witness = 0
  let segwit = false
  for (let i = 0; i < inputs.length; i++) {
    const input = inputs[i]!
    const script = input.script.length
    n += 32 + 4 + compactSizeLength(script) + script + 4
    const stack = input.witness
    witness += compactSizeLength(stack.length)
    if (stack.length > 0) {
      segwit = true
      for (let j = 0; j < stack.length; j++) witness += compactSizeLength(stack[j]!.length) + stack[j]!.length
    }
  }
  for (let i = 0; i < outputs.length; i++) {
    const script = outputs[i]!.script.length
    n += 8 + compactSizeLength(script) + script
  }
  segwit = segwit && withWitness
  if (segwit) n += witness
  if (segwit || mweb !== undefined) n += 2
  if (mweb !== undefined) n += mweb.length
  return n
}

/** Writes one transaction; with witness data when `withWitness` and it has any. @internal */
export const write = (w: ByteCursor.Writer, tx: Transaction, withWitness = true): void => {
  const segwit = withWitness && hasWitness(tx)
  const mweb = withWitness ? tx.mweb : undefined
  w.i32le(tx.version)
  if (segwit || mweb !== undefined) w.u8(0).u8((segwit ? 1 : 0) | (mweb !== undefined ? MWEB_FLAG : 0))
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
  if (mweb !== undefined) w.bytes(mweb)
  w.u32le(tx.lockTime)
}
