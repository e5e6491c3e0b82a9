/**
 * The byte codec of blocks: a block read here keeps its transactions' bytes
 * and builds the transaction objects only when first asked for (see `read`).
 */
import type * as BlockHeader from "../../wire/BlockHeader.js"
import type * as Transaction from "../../wire/Transaction.js"
import * as WireFormat from "../../wire/WireFormat.js"
import { ByteReader } from "./ByteReader.js"
import type { ByteWriter } from "./ByteWriter.js"
import { EncodeFailure } from "./EncodeFailure.js"
import { Stamp } from "./plainObjects.js"
import * as MwebCodec from "./mwebCodec.js"
import * as TransactionCodec from "./transactionCodec.js"

/** A block, as `wire/Block` defines it (restated: that module's `toBytes` and `fromBytes` import this one). */
interface Block {
  readonly header: BlockHeader.BlockHeader
  readonly transactions: ReadonlyArray<Transaction.Transaction>
  readonly mweb?: Uint8Array | undefined
}

interface SourceBytes {
  readonly count: number
  readonly serialization: Transaction.Serialization
  /** The serialized transactions, as received (a view, no copy). */
  readonly transactions: Uint8Array
}

/**
 * The bytes a block was read from and its transactions once built, held in
 * private fields of the block itself (not properties: not part of its value,
 * not copied by a spread). Its `transactions` is one shared accessor over
 * them: a getter closure per block put every block in dictionary mode, and
 * (measured) made every built block outlive young-generation collections:
 * with only minor GCs, 16 built 1 MB blocks promoted 64 MB, against one
 * block's 4 MB for the same transactions built outside that accessor.
 */
class BlockSource extends Stamp {
  readonly #source: SourceBytes
  #transactions: ReadonlyArray<Transaction.Transaction> | undefined = undefined

  private constructor(target: object, source: SourceBytes) {
    super(target)
    this.#source = source
  }

  static make(header: BlockHeader.BlockHeader, source: SourceBytes, mweb: Uint8Array | undefined): Block {
    const block = { header }
    new BlockSource(block, source)
    Object.defineProperty(block, "transactions", transactionsProperty)
    if (mweb !== undefined) (block as { mweb?: Uint8Array }).mweb = mweb
    return block as Block
  }

  static transactionsOf(block: object): ReadonlyArray<Transaction.Transaction> {
    const self = block as BlockSource
    if (self.#transactions === undefined) {
      const source = self.#source
      const tr = new ByteReader(source.transactions)
      const txs = new Array<Transaction.Transaction>(source.count)
      for (let i = 0; i < source.count; i++) txs[i] = TransactionCodec.read(tr, source.serialization)
      self.#transactions = txs
    }
    return self.#transactions
  }

  /** The bytes of a block read by `read` whose transactions were never built, else `undefined`. */
  static unread(block: object): SourceBytes | undefined {
    return #source in block && (block as BlockSource).#transactions === undefined ? (block as BlockSource).#source : undefined
  }
}

const transactionsProperty: PropertyDescriptor = {
  enumerable: true,
  configurable: false,
  get(this: object) {
    return BlockSource.transactionsOf(this)
  }
}

/**
 * Reads a block. Every transaction is checked here (a malformed one fails
 * the read, as it must; checked without building anything, by
 * `TransactionCodec.skipFast`), but the block handed out holds only the header and
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
  if (serialization !== "mweb") {
    for (let i = 0; i < n; i++) TransactionCodec.skipFast(r, serialization)
    return BlockSource.make(header, { count: n, serialization, transactions: r.bytes.subarray(start, r.offset) }, undefined)
  }
  // Whether the last is a flagged HogEx, as the transaction reader found it (its presence
  // byte read as Litecoin reads it), not guessed again from the bytes.
  let lastIsHogEx = false
  for (let i = 0; i < n; i++) lastIsHogEx = TransactionCodec.skipFast(r, serialization)
  const transactions = r.bytes.subarray(start, r.offset)
  // Litecoin primitives/block.h: after a flagged HogEx last of two or more, the extension
  // block. It has no length prefix: only its structure says where it ends, so it is walked
  // (mwebCodec); whatever follows it is left for the caller's trailing-bytes check.
  let mweb: Uint8Array | undefined
  if (n >= 2 && lastIsHogEx) {
    const from = r.offset
    MwebCodec.skipExtensionBlock(r)
    mweb = r.bytes.subarray(from, r.offset)
  }
  return BlockSource.make(header, { count: n, serialization, transactions }, mweb)
}

/** Writes a block; one read by `read` and never looked into is written from its bytes as received. @internal */
export const write = (w: ByteWriter, b: Block, format: WireFormat.WireFormat = WireFormat.bitcoin): void => {
  format.header.write(w, b.header)
  const source = BlockSource.unread(b)
  // Never looked into, so unchanged: its bytes as received are its serialization
  // (reading accepts only canonical encodings, and found its extension block, if any).
  if (source !== undefined) {
    w.compactSize(source.count)
    w.bytes(source.transactions)
  } else {
    w.compactSize(b.transactions.length)
    for (const tx of b.transactions) TransactionCodec.write(w, tx)
    if (format.transactions === "mweb") checkExtension(b)
  }
  if (b.mweb === undefined) return
  if (format.transactions !== "mweb") throw new EncodeFailure("an MWEB extension block on a network without MWEB")
  w.bytes(b.mweb)
}

/** Refuses a block Litecoin could not read back: extension block iff a flagged HogEx is last of two or more. */
const checkExtension = (b: Block): void => {
  const txs = b.transactions
  const hogExLast = txs.length >= 2 && TransactionCodec.isHogEx(txs[txs.length - 1])
  if (hogExLast && b.mweb === undefined) throw new EncodeFailure("a flagged HogEx last needs the block's MWEB extension block")
  if (!hogExLast && b.mweb !== undefined) throw new EncodeFailure("an MWEB extension block needs a flagged HogEx as the last of two or more transactions")
  if (b.mweb === undefined) return
  MwebCodec.checkWhole(b.mweb, 0, MwebCodec.skipExtensionBlock, "MWEB extension block")
}
