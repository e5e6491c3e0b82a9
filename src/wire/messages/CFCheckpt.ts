/**
 * `cfcheckpt` (BIP-0157): filter headers at every 1,000th block up to
 * `stopHash`. Capped at 100,000 entries (a chain of 100 million blocks).
 *
 * @since 0.1.0
 */
import { define } from "../../internal/wire/MessageDef.js"
import { readHashes, writeHashes } from "../../internal/wire/sharedShapes.js"
import { Hash32, ListMax, UInt8 } from "../Fields.js"

/** Most checkpoints in one message. @since 0.1.0 */
export const MAX_CHECKPOINTS = 100_000

/** The `cfcheckpt` message. @since 0.1.0 */
export const CFCheckpt = define({
  tag: "CFCheckpt",
  command: "cfcheckpt",
  fields: { filterType: UInt8, stopHash: Hash32, filterHeaders: ListMax(Hash32, MAX_CHECKPOINTS) },
  maxPayload: () => 1 + 32 + 5 + MAX_CHECKPOINTS * 32,
  read: (r) => ({ filterType: r.u8(), stopHash: r.hash(), filterHeaders: readHashes(r, MAX_CHECKPOINTS, "filter headers") }),
  write: (w, m) => {
    writeHashes(w.u8(m.filterType).bytes(m.stopHash), m.filterHeaders)
  }
})

/** @since 0.1.0 */
export type CFCheckpt = ReturnType<typeof CFCheckpt.make>
