/**
 * A block: header and transactions, plus the merkle root computation that
 * ties them together.
 *
 * @since 0.1.0
 */
import * as Schema from "effect/Schema"
import * as BlockHeader from "./BlockHeader.js"
import { ByteReader } from "../internal/wire/ByteReader.js"
import { ByteWriter } from "../internal/wire/ByteWriter.js"
import { sha256d } from "./Hash.js"
import * as Transaction from "./Transaction.js"

/**
 * A full block.
 *
 * @since 0.1.0
 * @category schemas
 */
export const Block = Schema.Struct({
  header: BlockHeader.BlockHeader,
  transactions: Schema.Array(Transaction.Transaction)
}).annotations({ identifier: "Block" })

/**
 * @since 0.1.0
 * @category models
 */
export type Block = typeof Block.Type

/** The bytes a block was read from, kept by a block `read` built (not enumerable: not part of its value). */
const Source: unique symbol = Symbol.for("effect-bitcoin-p2p/Block/Source")

interface SourceBytes {
  readonly count: number
  /** The serialized transactions, as received (a view, no copy). */
  readonly transactions: Uint8Array
  /** Whether `transactions` has been read (and handed out) yet. */
  built: boolean
}

/**
 * Reads a block. Every transaction is checked here (a malformed one fails
 * the read, as it must), but the block handed out holds only the header and
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
 * @internal
 */
export const read = (r: ByteReader): Block => {
  const header = BlockHeader.read(r)
  const n = r.count(Number.MAX_SAFE_INTEGER, Transaction.MIN_SIZE, "transactions")
  const start = r.offset
  for (let i = 0; i < n; i++) Transaction.read(r)
  const source: SourceBytes = { count: n, transactions: r.bytes.subarray(start, r.offset), built: false }
  let transactions: ReadonlyArray<Transaction.Transaction> | undefined
  const block = { header } as { header: BlockHeader.BlockHeader; transactions: ReadonlyArray<Transaction.Transaction> }
  Object.defineProperty(block, "transactions", {
    enumerable: true,
    get: () => {
      if (transactions === undefined) {
        const tr = new ByteReader(source.transactions)
        const txs = new Array<Transaction.Transaction>(source.count)
        for (let i = 0; i < source.count; i++) txs[i] = Transaction.read(tr)
        transactions = txs
        source.built = true
      }
      return transactions
    }
  })
  Object.defineProperty(block, Source, { value: source })
  return block
}

/** @internal */
export const write = (w: ByteWriter, b: Block): void => {
  BlockHeader.write(w, b.header)
  const source = (b as { readonly [Source]?: SourceBytes })[Source]
  // Never looked into, so unchanged: its bytes as received are its serialization
  // (reading accepts only canonical encodings).
  if (source !== undefined && !source.built) {
    w.compactSize(source.count)
    w.bytes(source.transactions)
    return
  }
  w.compactSize(b.transactions.length)
  for (const tx of b.transactions) Transaction.write(w, tx)
}

/**
 * Serialized bytes (with witness data).
 *
 * @since 0.1.0
 * @category encoding
 */
export const toBytes = (b: Block): Uint8Array => {
  const w = new ByteWriter(1024)
  write(w, b)
  return w.finish()
}

/**
 * Decodes a whole serialized block; throws on malformed input or trailing bytes.
 * The block keeps a view of `bytes` (its transactions are built from them when
 * first read, and scripts and hashes are views too): do not change `bytes` afterwards.
 *
 * @since 0.1.0
 * @category constructors
 */
export const fromBytes = (bytes: Uint8Array): Block => {
  const r = new ByteReader(bytes)
  const b = read(r)
  r.done()
  return b
}

/**
 * The merkle root of a list of hashes (txids), duplicating the last hash of
 * an odd level as Bitcoin does. The root of an empty list is all zeros.
 *
 * @since 0.1.0
 * @category utils
 */
export const merkleRoot = (hashes: ReadonlyArray<Uint8Array>): Uint8Array => {
  if (hashes.length === 0) return new Uint8Array(32)
  let level = hashes.slice()
  const pair = new Uint8Array(64)
  while (level.length > 1) {
    const next: Array<Uint8Array> = []
    for (let i = 0; i < level.length; i += 2) {
      pair.set(level[i]!, 0)
      pair.set(level[i + 1] ?? level[i]!, 32)
      next.push(sha256d(pair))
    }
    level = next
  }
  return level[0]!
}

/**
 * The block hash (its header's hash).
 *
 * @since 0.1.0
 * @category predicates
 */
export const hash = (b: Block): Uint8Array => BlockHeader.hash(b.header)

/**
 * The merkle root computed from the block's transactions (compare with `header.merkleRoot`).
 *
 * @since 0.1.0
 * @category utils
 */
export const computeMerkleRoot = (b: Block): Uint8Array => merkleRoot(b.transactions.map(Transaction.txid))
