/**
 * Transactions, with BIP-0144 witness serialization, and their ids.
 *
 * Decoding follows Bitcoin Core's rules exactly: an empty input list followed
 * by a non-zero byte is the segwit marker and flag; the flag must be 1; a
 * witness section whose stacks are all empty is rejected ("superfluous
 * witness record"). Script and witness bytes are views into the payload.
 *
 * Serialization differs by family (`Serialization`, set per network in
 * `ChainParams.format`): Bitcoin Cash and Dogecoin have no segwit, so a
 * marker there is an error; Litecoin adds an MWEB flag bit (8) whose data is
 * kept as opaque bytes (`mweb`) and written back unchanged.
 *
 * @since 0.1.0
 */
import * as Arbitrary from "effect/Arbitrary"
import * as Schema from "effect/Schema"
import { ByteReader } from "../internal/wire/ByteReader.js"
import { ByteWriter } from "../internal/wire/ByteWriter.js"
import * as codec from "../internal/wire/transactionCodec.js"
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

const baseFields = {
  version: Int32,
  inputs: Schema.Array(TxIn).pipe(Schema.minItems(1)),
  outputs: Schema.Array(TxOut),
  lockTime: UInt32
}

/**
 * A transaction. At least one input: a transaction without inputs cannot be
 * told apart from the segwit marker on the wire. `mweb` is Litecoin's MWEB
 * data (LIP-0003) as received, from its presence byte, present only when the
 * MWEB flag was set: 1 then one MWEB transaction, read field by field as
 * Litecoin reads it (it has no length prefix); or any other byte alone, the
 * null MWEB transaction of a HogEx (Litecoin writes 0; it reads any byte but
 * 1 as null). Written back unchanged, and only if Litecoin would read it back
 * so. (Arbitraries leave it out.)
 *
 * @since 0.1.0
 * @category schemas
 */
export const Transaction = Schema.Struct({ ...baseFields, mweb: Schema.optional(Bytes) }).annotations({
  identifier: "Transaction",
  arbitrary: () => () => Arbitrary.make(Schema.Struct(baseFields))
})
/**
 * @since 0.1.0
 * @category models
 */
export type Transaction = typeof Transaction.Type

/**
 * How a network serializes transactions:
 * - `"segwit"`: BIP-0144 marker, flag and witnesses (Bitcoin, LBRY).
 * - `"legacy"`: no segwit; a marker is an error (Bitcoin Cash, Dogecoin).
 * - `"mweb"`: segwit plus Litecoin's MWEB flag (8); MWEB data kept as opaque bytes.
 *
 * @since 0.1.0
 * @category models
 */
export type Serialization = "segwit" | "legacy" | "mweb"

/**
 * MWEB flag bit (Litecoin `primitives/transaction.h`).
 *
 * @since 0.1.0
 * @category constants
 */
export const MWEB_FLAG = codec.MWEB_FLAG

/**
 * Smallest possible serialized transaction, used to bound list lengths.
 *
 * @since 0.1.0
 * @category constants
 */
export const MIN_SIZE = codec.MIN_SIZE

/**
 * True when any input carries a witness (the transaction serializes with BIP-0144 marker and flag).
 *
 * @since 0.1.0
 * @category predicates
 */
export const hasWitness: (tx: Transaction) => boolean = codec.hasWitness

/**
 * Serialized bytes; with witness data when `withWitness` (default) and the transaction has any.
 *
 * @since 0.1.0
 * @category encoding
 */
export const toBytes = (tx: Transaction, withWitness = true): Uint8Array => {
  const w = new ByteWriter(256)
  codec.write(w, tx, withWitness)
  return w.finish()
}

/**
 * Decodes a whole serialized transaction (`serialization` as the network's,
 * default `"segwit"`); throws on malformed input or trailing bytes.
 *
 * @since 0.1.0
 * @category constructors
 */
export const fromBytes = (bytes: Uint8Array, serialization: Serialization = "segwit"): Transaction => {
  const r = new ByteReader(bytes)
  const tx = codec.read(r, serialization)
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
 * Litecoin's MWEB data is left out, as Litecoin leaves it out (primitives/transaction.cpp
 * `ComputeWitnessHash`: the serialization with `SERIALIZE_NO_MWEB`, so a HogEx's is its txid).
 * (Before 0.2.0 it was hashed in: an MWEB transaction's wtxid was not Litecoin's.)
 *
 * @since 0.1.0
 * @category utils
 */
export const wtxid = (tx: Transaction): Uint8Array =>
  sha256d(toBytes(tx.mweb === undefined ? tx : { version: tx.version, inputs: tx.inputs, outputs: tx.outputs, lockTime: tx.lockTime }, true))
