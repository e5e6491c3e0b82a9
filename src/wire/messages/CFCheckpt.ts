/**
 * `cfcheckpt` (BIP-0157): filter headers at every 1,000th block up to
 * `stopHash`. Capped at 100,000 entries (a chain of 100 million blocks).
 *
 * @since 0.1.0
 */
import { define } from "../../internal/wire/MessageDef.js"
import { hashList } from "../../internal/wire/sharedShapes.js"
import { Hash32, UInt8 } from "../Fields.js"

/**
 * Most checkpoints in one message.
 *
 * @since 0.1.0
 * @category constants
 */
export const MAX_CHECKPOINTS = 100_000

const filterHeaderList = hashList("filter headers", MAX_CHECKPOINTS)

/**
 * The `cfcheckpt` message.
 *
 * @since 0.1.0
 * @category messages
 */
export const CFCheckpt = define({
  tag: "CFCheckpt",
  command: "cfcheckpt",
  fields: { filterType: UInt8, stopHash: Hash32, filterHeaders: filterHeaderList.schema },
  maxPayload: () => 1 + 32 + 5 + MAX_CHECKPOINTS * 32,
  read: (r, ctx) => ({ filterType: r.u8(), stopHash: r.hash(), filterHeaders: filterHeaderList.read(r, ctx) }),
  write: (w, m, ctx) => {
    filterHeaderList.write(w.u8(m.filterType).bytes(m.stopHash), m.filterHeaders, ctx)
  }
})

/**
 * @since 0.1.0
 * @category models
 */
export type CFCheckpt = ReturnType<typeof CFCheckpt.make>
