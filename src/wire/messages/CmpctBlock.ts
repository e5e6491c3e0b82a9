/**
 * `cmpctblock` (BIP-0152): a header, a nonce for short-id hashing, the 6-byte
 * short ids of the block's transactions, and a few prefilled transactions
 * (at least the coinbase) with their absolute positions. Positions travel
 * differentially encoded; they are decoded to absolute indexes here.
 *
 * @since 0.1.0
 */
import * as Arbitrary from "effect/Arbitrary"
import * as Schema from "effect/Schema"
import * as BlockHeader from "../BlockHeader.js"
import * as Indexes from "../../internal/wire/DifferentialIndexes.js"
import { define } from "../../internal/wire/MessageDef.js"
import * as TransactionCodec from "../../internal/wire/transactionCodec.js"
import * as Transaction from "../Transaction.js"
import { UInt48, UInt64 } from "../Fields.js"
import { MAX_BLOCK_PAYLOAD } from "./Block.js"
import * as WireFormat from "../WireFormat.js"

/**
 * A prefilled transaction and its absolute index in the block.
 *
 * @since 0.1.0
 * @category schemas
 */
export const PrefilledTx = Schema.Struct({ index: Schema.Number, tx: Transaction.Transaction })
/**
 * @since 0.1.0
 * @category models
 */
export type PrefilledTx = typeof PrefilledTx.Type

const PrefilledList = Schema.Array(PrefilledTx).pipe(
  Schema.filter((xs) => Schema.is(Indexes.IncreasingIndexes)(xs.map((p) => p.index))),
  Schema.annotations({
    arbitrary: () => (fc) =>
      fc
        .uniqueArray(fc.integer({ min: 0, max: Indexes.MAX_INDEX }), { maxLength: 3 })
        .chain((ix) =>
          fc.array(Arbitrary.make(Transaction.Transaction), { minLength: ix.length, maxLength: ix.length }).map((txs) =>
            ix.sort((a, b) => a - b).map((index, i) => ({ index, tx: txs[i]! }))
          )
        )
  })
)

/**
 * The `cmpctblock` message.
 *
 * @since 0.1.0
 * @category messages
 */
export const CmpctBlock = define({
  tag: "CmpctBlock",
  command: "cmpctblock",
  fields: {
    header: BlockHeader.BlockHeader,
    nonce: UInt64,
    shortIds: Schema.Array(UInt48),
    prefilled: PrefilledList
  },
  maxPayload: (_, format) => format?.maxBlockPayload ?? MAX_BLOCK_PAYLOAD,
  read: (r, ctx) => {
    const format = ctx.format ?? WireFormat.bitcoin
    const header = format.header.read(r)
    const nonce = r.u64le()
    const nShort = r.count(Number.MAX_SAFE_INTEGER, 6, "short ids")
    const shortIds = new Array<number>(nShort)
    for (let i = 0; i < nShort; i++) shortIds[i] = r.u48le()
    const nPre = r.count(Number.MAX_SAFE_INTEGER, 1 + Transaction.MIN_SIZE, "prefilled transactions")
    const prefilled = new Array<PrefilledTx>(nPre)
    let previous = -1
    for (let i = 0; i < nPre; i++) {
      previous = Indexes.readNext(r, previous)
      prefilled[i] = { index: previous, tx: TransactionCodec.read(r, format.transactions) }
    }
    return { header, nonce, shortIds, prefilled }
  },
  write: (w, m, ctx) => {
    ;(ctx.format ?? WireFormat.bitcoin).header.write(w, m.header)
    w.u64le(m.nonce).compactSize(m.shortIds.length)
    for (const id of m.shortIds) w.u48le(id)
    w.compactSize(m.prefilled.length)
    let previous = -1
    for (const p of m.prefilled) {
      Indexes.writeNext(w, p.index, previous)
      previous = p.index
      TransactionCodec.write(w, p.tx)
    }
  }
})

/**
 * @since 0.1.0
 * @category models
 */
export type CmpctBlock = ReturnType<typeof CmpctBlock.make>
