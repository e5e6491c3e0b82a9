/**
 * `getcfcheckpt` (BIP-0157): asks for the filter headers at every 1,000th
 * block up to `stopHash`.
 *
 * @since 0.1.0
 */
import { define } from "../../internal/wire/MessageDef.js"
import { Hash32, UInt8 } from "../Fields.js"

/**
 * The `getcfcheckpt` message.
 *
 * @since 0.1.0
 * @category messages
 */
export const GetCFCheckpt = define({
  tag: "GetCFCheckpt",
  command: "getcfcheckpt",
  fields: { filterType: UInt8, stopHash: Hash32 },
  maxPayload: () => 1 + 32,
  read: (r) => ({ filterType: r.u8(), stopHash: r.hash() }),
  write: (w, m) => {
    w.u8(m.filterType).bytes(m.stopHash)
  }
})

/**
 * @since 0.1.0
 * @category models
 */
export type GetCFCheckpt = ReturnType<typeof GetCFCheckpt.make>
