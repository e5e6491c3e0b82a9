/**
 * `block`: a full block with its transactions (witness serialization when
 * any transaction has a witness). Capped by the chain's maximum message size.
 *
 * @since 0.1.0
 */
import * as Block from "../Block.js"
import * as BlockHeader from "../BlockHeader.js"
import { define } from "../../internal/wire/MessageDef.js"

/**
 * Bitcoin's largest block (4,000,000 weight units serialize to at most 4,000,000 bytes).
 *
 * @since 0.1.0
 * @category constants
 */
export const MAX_BLOCK_PAYLOAD = 4_000_000

/**
 * The `block` message.
 *
 * @since 0.1.0
 * @category messages
 */
export const BlockMessage = define({
  tag: "Block",
  command: "block",
  fields: { header: BlockHeader.BlockHeader, transactions: Block.Block.fields.transactions },
  maxPayload: () => MAX_BLOCK_PAYLOAD,
  read: (r) => Block.read(r),
  write: (w, m) => Block.write(w, m)
})

/**
 * @since 0.1.0
 * @category models
 */
export type BlockMessage = ReturnType<typeof BlockMessage.make>
