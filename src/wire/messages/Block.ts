/**
 * `block`: a full block with its transactions (witness serialization when
 * any transaction has a witness). Header and transactions as the network's
 * wire format says; capped by its largest block. On Litecoin, a block in the
 * MWEB serialization carries its extension block in `mweb` (see `Block`).
 *
 * @since 0.1.0
 */
import * as Arbitrary from "effect/Arbitrary"
import * as Schema from "effect/Schema"
import * as Block from "../Block.js"
import * as BlockHeader from "../BlockHeader.js"
import * as BlockCodec from "../../internal/wire/blockCodec.js"
import { define } from "../../internal/wire/MessageDef.js"
import * as WireFormat from "../WireFormat.js"

/**
 * Bitcoin's largest block (4,000,000 weight units serialize to at most 4,000,000
 * bytes); other networks' caps are in their `ChainParams.format`.
 *
 * @since 0.1.0
 * @category constants
 */
export const MAX_BLOCK_PAYLOAD = WireFormat.BITCOIN_MAX_BLOCK_PAYLOAD

/**
 * The `block` message.
 *
 * @since 0.1.0
 * @category messages
 */
export const BlockMessage = define({
  tag: "Block",
  command: "block",
  fields: { header: BlockHeader.BlockHeader, transactions: Block.Block.fields.transactions, mweb: Block.Block.fields.mweb },
  // Arbitrary blocks are Bitcoin's: no MWEB extension block.
  annotations: {
    arbitrary: () => () =>
      Arbitrary.make(Schema.TaggedStruct("Block", { header: BlockHeader.BlockHeader, transactions: Block.Block.fields.transactions }))
  },
  maxPayload: (_, format) => format?.maxBlockPayload ?? MAX_BLOCK_PAYLOAD,
  read: (r, ctx) => BlockCodec.read(r, ctx.format),
  write: (w, m, ctx) => BlockCodec.write(w, m, ctx.format)
})

/**
 * @since 0.1.0
 * @category models
 */
export type BlockMessage = ReturnType<typeof BlockMessage.make>
