/**
 * The byte codec of transactions (see `wire/Transaction` for the rules it
 * follows): read and write on the wire cursor, shared by `tx`, `block`,
 * `blocktxn`, `cmpctblock` and Dogecoin's AuxPoW proof.
 */
import type * as ByteCursor from "../../wire/ByteCursor.js"
import { ByteReader } from "./ByteReader.js"
import { compactSizeLength } from "./ByteWriter.js"
import { DecodeFailure } from "./DecodeFailure.js"
import { EncodeFailure } from "./EncodeFailure.js"
import * as MwebCodec from "./mwebCodec.js"
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
 * Reads one transaction. With `"mweb"` and the MWEB flag, its MWEB data is
 * read as Litecoin reads it (an OptionalPtr, `MwebCodec.PRESENT`): a presence
 * byte of 1 and one MWEB transaction, walked to its end; any other byte
 * alone is the null transaction that makes it a HogEx. Kept as received.
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
    if (r.u8() === MwebCodec.PRESENT) {
      // Walked on a reader of its own (`r` may be any ByteCursor.Reader), then taken as one view.
      const walk = new ByteReader(r.bytes, r.offset, r.offset + r.remaining)
      MwebCodec.skipMwebTransaction(walk)
      r.bytesView(walk.offset - r.offset, "MWEB transaction")
    } else if (outputs.length === 0) throw missingHogExOutput()
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
 * same place, but builds nothing: no objects, no views. A received block is
 * checked this way (through `skipFast`, which leaves to this whatever its
 * raw-byte walk does not know) and built with `read` when its transactions
 * are first asked for (see `blockCodec`); building it twice cost twice the
 * allocation. `transactionCodec.skip.test` holds them to the same verdicts.
 * Returns whether it is a flagged HogEx (MWEB flag, null MWEB transaction):
 * what tells a block reader an extension block follows.
 *
 * @internal
 */
export const skip = (r: ByteReader, serialization: Serialization = "segwit"): boolean => {
  r.skip(4, "i32")
  let inputs = r.count(MAX_ITEMS, MIN_INPUT_SIZE, "inputs")
  skipInputs(r, inputs)
  let outputs = 0
  let flags = 0
  if (inputs === 0) {
    flags = r.u8()
    if (flags !== 0) {
      if (serialization === "legacy") {
        throw new DecodeFailure("InvalidValue", `witness marker (flags ${flags}) on a network without segwit`)
      }
      inputs = r.count(MAX_ITEMS, MIN_INPUT_SIZE, "inputs")
      skipInputs(r, inputs)
      outputs = skipOutputs(r)
    }
  } else {
    outputs = skipOutputs(r)
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
  let hogEx = false
  if ((flags & MWEB_FLAG) !== 0 && serialization === "mweb") {
    flags ^= MWEB_FLAG
    if (r.u8() === MwebCodec.PRESENT) MwebCodec.skipMwebTransaction(r)
    else if (outputs === 0) throw missingHogExOutput()
    else hogEx = true
  }
  if (flags !== 0) throw new DecodeFailure("InvalidValue", `unknown transaction optional data (flags ${flags})`)
  r.skip(4, "u32")
  return hogEx
}

const skipInputs = (r: ByteReader, n: number): void => {
  for (let i = 0; i < n; i++) {
    r.skip(32, "hash")
    r.skip(4, "u32")
    r.skipVarBytes("script")
    r.skip(4, "u32")
  }
}

const skipOutputs = (r: ByteReader): number => {
  const n = r.count(MAX_ITEMS, MIN_OUTPUT_SIZE, "outputs")
  for (let i = 0; i < n; i++) {
    r.skip(8, "i64")
    r.skipVarBytes("script")
  }
  return n
}

/**
 * Litecoin refuses a null MWEB transaction (the HogEx marker) in a transaction
 * without outputs: a HogEx always has its output (Litecoin
 * primitives/transaction.h UnserializeTransaction, "Missing HogEx output").
 */
const missingHogExOutput = (): DecodeFailure => new DecodeFailure("InvalidValue", MISSING_HOGEX_OUTPUT)

const MISSING_HOGEX_OUTPUT = "a flagged HogEx (null MWEB transaction) without outputs"

/** What `endOf` returns when it leaves a transaction to `skip`. @internal */
export const GAVE_UP = -1

/**
 * Where the transaction at `at` ends (no byte at or past `end` is read), or
 * `GAVE_UP`. The received block's check, fast: `skip` was ~15% of the CPU
 * of receiving a 1 MB block (profile, issue 15); this walks the raw bytes
 * with one local offset, ~2.5x cheaper per transaction.
 *
 * It knows only what blocks are made of: canonical CompactSizes, no flags but
 * the segwit one. On anything else (a check that would fail, a 9-byte
 * CompactSize, a count past its cap, a flag it does not know, truncation)
 * it gives up and the caller re-walks the transaction with `skip`, which
 * fails with the exact error `read` gives, or accepts what this does not
 * know (Litecoin's MWEB data). So it needs no error of its own and may give
 * up loosely; only an end it returns must be `skip`'s, and
 * `transactionCodec.skip.test` holds it to that. Allocates nothing.
 *
 * The one-byte CompactSize (every count and nearly every length in a block)
 * is read inline at each field, on purpose: through a helper function, which
 * V8 did not inline here, the walk cost 2.3x as much. Wider ones go to
 * `wideCompactSize`. Every byte read is checked against `end` first; an
 * offset that runs past `end` after a length fails the next such check or
 * the last one.
 *
 * @internal
 */
export const endOf = (b: Uint8Array, at: number, end: number, serialization: Serialization): number => {
  let o = at + 4 // version
  if (o >= end) return GAVE_UP
  let inputs = b[o]!
  if (inputs < 0xfd) o++
  else {
    inputs = wideCompactSize(b, o, end)
    if (inputs < 0) return GAVE_UP
    o += inputs <= 0xffff ? 3 : 5
  }
  let witness = false
  if (inputs === 0) {
    // The segwit marker, then its flag byte; or an empty transaction: 0 outputs, lock time.
    if (o + 1 >= end) return GAVE_UP
    const flags = b[o]!
    if (flags === 0) return o + 5 <= end ? o + 5 : GAVE_UP
    if (flags !== 1 || serialization === "legacy") return GAVE_UP
    witness = true
    inputs = b[++o]! // within `end`: checked above
    if (inputs < 0xfd) o++
    else {
      inputs = wideCompactSize(b, o, end)
      if (inputs < 0) return GAVE_UP
      o += inputs <= 0xffff ? 3 : 5
    }
  }
  if (inputs > MAX_ITEMS || inputs * MIN_INPUT_SIZE > end - o) return GAVE_UP
  for (let i = 0; i < inputs; i++) {
    o += 36 // outpoint
    if (o >= end) return GAVE_UP
    const n = b[o]!
    if (n < 0xfd) o += 1 + n + 4 // script, sequence
    else {
      const wide = wideCompactSize(b, o, end)
      if (wide < 0) return GAVE_UP
      o += (wide <= 0xffff ? 3 : 5) + wide + 4
    }
  }
  if (o >= end) return GAVE_UP
  let outputs = b[o]!
  if (outputs < 0xfd) o++
  else {
    outputs = wideCompactSize(b, o, end)
    if (outputs < 0) return GAVE_UP
    o += outputs <= 0xffff ? 3 : 5
  }
  if (outputs > MAX_ITEMS || outputs * MIN_OUTPUT_SIZE > end - o) return GAVE_UP
  for (let i = 0; i < outputs; i++) {
    o += 8 // value
    if (o >= end) return GAVE_UP
    const n = b[o]!
    if (n < 0xfd) o += 1 + n // script
    else {
      const wide = wideCompactSize(b, o, end)
      if (wide < 0) return GAVE_UP
      o += (wide <= 0xffff ? 3 : 5) + wide
    }
  }
  if (witness) {
    let any = 0
    for (let i = 0; i < inputs; i++) {
      if (o >= end) return GAVE_UP
      let items = b[o]!
      if (items < 0xfd) o++
      else {
        items = wideCompactSize(b, o, end)
        if (items < 0 || items > MAX_ITEMS) return GAVE_UP
        o += items <= 0xffff ? 3 : 5
      }
      // More items than bytes left is not checked here: the walk runs out of bytes.
      any |= items
      for (let j = 0; j < items; j++) {
        if (o >= end) return GAVE_UP
        const n = b[o]!
        if (n < 0xfd) o += 1 + n
        else {
          const wide = wideCompactSize(b, o, end)
          if (wide < 0) return GAVE_UP
          o += (wide <= 0xffff ? 3 : 5) + wide
        }
      }
    }
    if (any === 0) return GAVE_UP // superfluous witness record
  }
  return o + 4 <= end ? o + 4 : GAVE_UP // lock time
}

/**
 * The 3- or 5-byte CompactSize at `o` (its first byte is 0xfd or more), or
 * `GAVE_UP`: truncated, non-canonical, the 9-byte form (always refused), or
 * more than the bytes from `o` to `end` (too much for any count or length
 * there; and it keeps every offset a small integer). Its width follows from
 * its value, as it is canonical: 3 bytes up to 0xffff, else 5.
 */
const wideCompactSize = (b: Uint8Array, o: number, end: number): number => {
  const first = b[o]!
  let v: number
  if (first === 0xfd) {
    if (o + 3 > end) return GAVE_UP
    v = b[o + 1]! | (b[o + 2]! << 8)
    if (v < 0xfd) return GAVE_UP
  } else if (first === 0xfe) {
    if (o + 5 > end) return GAVE_UP
    v = (b[o + 1]! | (b[o + 2]! << 8) | (b[o + 3]! << 16) | (b[o + 4]! << 24)) >>> 0
    if (v <= 0xffff) return GAVE_UP
  } else {
    return GAVE_UP
  }
  return v > end - o ? GAVE_UP : v
}

/**
 * Checks one transaction as `skip` does (same verdict, same error, same
 * answer: whether it is a flagged HogEx), through `endOf` and, where that
 * gives up, `skip`. (`endOf` gives up on the MWEB flag, so what it walks is
 * never a HogEx.)
 *
 * @internal
 */
export const skipFast = (r: ByteReader, serialization: Serialization = "segwit"): boolean => {
  const next = endOf(r.bytes, r.offset, r.end, serialization)
  if (next === GAVE_UP) return skip(r, serialization)
  r.offset = next
  return false
}

/**
 * Whether a transaction object is a flagged HogEx: its MWEB data is the null
 * MWEB transaction, one byte that is not `MwebCodec.PRESENT`.
 *
 * @internal
 */
export const isHogEx = (tx: Transaction | undefined): boolean =>
  tx?.mweb !== undefined && isNullMweb(tx.mweb)

const isNullMweb = (mweb: Uint8Array): boolean => mweb.length === 1 && mweb[0] !== MwebCodec.PRESENT

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
  // What `read` refuses is never written (Litecoin would refuse it too).
  if (mweb !== undefined) checkMweb(mweb, tx.outputs.length)
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

/**
 * Refuses MWEB data Litecoin would not read back as this transaction's: it
 * has no length prefix, so it must be one presence byte (the null MWEB
 * transaction, in a transaction with outputs) or `PRESENT` and one MWEB
 * transaction, and nothing more.
 */
const checkMweb = (mweb: Uint8Array, outputs: number): void => {
  if (mweb.length === 0) throw new EncodeFailure("empty MWEB data (not even its presence byte)")
  if (mweb[0] !== MwebCodec.PRESENT) {
    if (mweb.length !== 1) throw new EncodeFailure(`${mweb.length - 1} bytes after a null MWEB transaction`)
    if (outputs === 0) throw new EncodeFailure(MISSING_HOGEX_OUTPUT)
    return
  }
  MwebCodec.checkWhole(mweb, 1, MwebCodec.skipMwebTransaction, "MWEB transaction")
}
