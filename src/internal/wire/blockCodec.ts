/**
 * The byte codec of blocks: a block read here keeps its transactions' bytes
 * and builds the transaction objects only when first asked for (see `read`).
 */
import type * as BlockHeader from "../../wire/BlockHeader.js"
import type * as Transaction from "../../wire/Transaction.js"
import * as WireFormat from "../../wire/WireFormat.js"
import { ByteReader } from "./ByteReader.js"
import type { ByteWriter } from "./ByteWriter.js"
import * as TransactionCodec from "./transactionCodec.js"

/** A block, as `wire/Block` defines it (restated: that module's `toBytes` and `fromBytes` import this one). */
interface Block {
  readonly header: BlockHeader.BlockHeader
  readonly transactions: ReadonlyArray<Transaction.Transaction>
}

/** The bytes a block was read from, kept by a block `read` built (not enumerable: not part of its value). */
const Source: unique symbol = Symbol.for("effect-bitcoin-p2p/Block/Source")

interface SourceBytes {
  readonly count: number
  readonly serialization: Transaction.Serialization
  /** The serialized transactions, as received (a view, no copy). */
  readonly transactions: Uint8Array
  /** Whether `transactions` has been read (and handed out) yet. */
  built: boolean
}

/**
 * Reads a block. Every transaction is checked here (a malformed one fails
 * the read, as it must; checked without building anything, by
 * `TransactionCodec.skip`), but the block handed out holds only the header and
 * the transactions' bytes; its `transactions` are built from those bytes
 * when first read, once.
 *
 * Why: a 1 MB block is some 60,000 objects. Kept for a moment after its
 * delivery (a subscriber's buffer, a queue, the stream that delivers it),
 * they survive young-generation collections and are copied into the old
 * generation, which cost more than everything else of receiving a block;
 * the objects built just to check the block die young and cost little. A
 * block that is relayed without being looked into is re-encoded by copying
 * its bytes.
 *
 * Header and transactions are read as `format` says (Bitcoin's by default).
 *
 * @internal
 */
export const read = (r: ByteReader, format: WireFormat.WireFormat = WireFormat.bitcoin): Block => {
  const header = format.header.read(r)
  const serialization = format.transactions
  const n = r.count(Number.MAX_SAFE_INTEGER, TransactionCodec.MIN_SIZE, "transactions")
  const start = r.offset
  for (let i = 0; i < n; i++) TransactionCodec.skip(r, serialization)
  const source: SourceBytes = { count: n, serialization, transactions: r.bytes.subarray(start, r.offset), built: false }
  let transactions: ReadonlyArray<Transaction.Transaction> | undefined
  const block = { header } as { header: BlockHeader.BlockHeader; transactions: ReadonlyArray<Transaction.Transaction> }
  Object.defineProperty(block, "transactions", {
    enumerable: true,
    get: () => {
      if (transactions === undefined) {
        const tr = new ByteReader(source.transactions)
        const txs = new Array<Transaction.Transaction>(source.count)
        for (let i = 0; i < source.count; i++) txs[i] = TransactionCodec.read(tr, source.serialization)
        transactions = txs
        source.built = true
      }
      return transactions
    }
  })
  Object.defineProperty(block, Source, { value: source })
  return block
}

/** Writes a block; one read by `read` and never looked into is written from its bytes as received. @internal */
export const write = (w: ByteWriter, b: Block, format: WireFormat.WireFormat = WireFormat.bitcoin): void => {
  format.header.write(w, b.header)
  const source = (b as { readonly [Source]?: SourceBytes })[Source]
  // Never looked into, so unchanged: its bytes as received are its serialization
  // (reading accepts only canonical encodings).
  if (source !== undefined && !source.built) {
    w.compactSize(source.count)
    w.bytes(source.transactions)
    return
  }
  w.compactSize(b.transactions.length)
  for (const tx of b.transactions) TransactionCodec.write(w, tx)
}
