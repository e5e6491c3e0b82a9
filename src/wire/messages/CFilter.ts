/**
 * `cfilter` (BIP-0157): one block's compact filter.
 *
 * @since 0.1.0
 */
import { define } from "../../internal/wire/MessageDef.js"
import { Bytes, Hash32, UInt8 } from "../Fields.js"
import { MAX_BLOCK_PAYLOAD } from "./Block.js"

/**
 * The `cfilter` message.
 *
 * @since 0.1.0
 * @category messages
 */
export const CFilter = define({
  tag: "CFilter",
  command: "cfilter",
  fields: { filterType: UInt8, blockHash: Hash32, filter: Bytes },
  maxPayload: () => MAX_BLOCK_PAYLOAD,
  read: (r) => ({ filterType: r.u8(), blockHash: r.hash(), filter: r.varBytes(r.remaining, "filter") }),
  write: (w, m) => {
    w.u8(m.filterType).bytes(m.blockHash).varBytes(m.filter)
  }
})

/**
 * @since 0.1.0
 * @category models
 */
export type CFilter = ReturnType<typeof CFilter.make>
