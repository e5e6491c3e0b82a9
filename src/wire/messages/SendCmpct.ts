/**
 * `sendcmpct` (BIP-0152): whether the sender wants new blocks announced as
 * `cmpctblock` (high-bandwidth mode), and the compact block version (1, or 2
 * for witness).
 *
 * @since 0.1.0
 */
import * as Schema from "effect/Schema"
import { define } from "../../internal/wire/MessageDef.js"
import { UInt64 } from "../Fields.js"

/**
 * The `sendcmpct` message.
 *
 * @since 0.1.0
 * @category messages
 */
export const SendCmpct = define({
  tag: "SendCmpct",
  command: "sendcmpct",
  fields: { announce: Schema.Boolean, version: UInt64 },
  maxPayload: () => 9,
  read: (r) => ({ announce: r.bool(), version: r.u64le() }),
  write: (w, m) => {
    w.bool(m.announce).u64le(m.version)
  }
})

/**
 * @since 0.1.0
 * @category models
 */
export type SendCmpct = ReturnType<typeof SendCmpct.make>
