/**
 * `blocktxn` (BIP-0152): the transactions asked for by a `getblocktxn`.
 *
 * @since 0.1.0
 */
import * as Schema from "effect/Schema"
import { define } from "../../internal/wire/MessageDef.js"
import * as TransactionCodec from "../../internal/wire/transactionCodec.js"
import * as Transaction from "../Transaction.js"
import { Hash32 } from "../Fields.js"
import { MAX_BLOCK_PAYLOAD } from "./Block.js"

/**
 * The `blocktxn` message.
 *
 * @since 0.1.0
 * @category messages
 */
export const BlockTxn = define({
  tag: "BlockTxn",
  command: "blocktxn",
  fields: { blockHash: Hash32, transactions: Schema.Array(Transaction.Transaction) },
  maxPayload: (_, format) => format?.maxBlockPayload ?? MAX_BLOCK_PAYLOAD,
  read: (r, ctx) => {
    const serialization = ctx.format?.transactions
    const blockHash = r.hash()
    const n = r.count(Number.MAX_SAFE_INTEGER, Transaction.MIN_SIZE, "transactions")
    const transactions = new Array<Transaction.Transaction>(n)
    for (let i = 0; i < n; i++) transactions[i] = TransactionCodec.read(r, serialization)
    return { blockHash, transactions }
  },
  write: (w, m) => {
    w.bytes(m.blockHash).compactSize(m.transactions.length)
    for (const tx of m.transactions) TransactionCodec.write(w, tx)
  }
})

/**
 * @since 0.1.0
 * @category models
 */
export type BlockTxn = ReturnType<typeof BlockTxn.make>
