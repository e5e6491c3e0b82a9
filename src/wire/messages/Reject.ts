/**
 * `reject` (BIP-0061, deprecated but still sent by some nodes): the command
 * rejected, a code, a reason, and for `block` / `tx` rejections the 32-byte
 * hash of the rejected object (decoded when exactly 32 bytes follow).
 *
 * @since 0.1.0
 */
import * as Schema from "effect/Schema"
import { define } from "../../internal/wire/MessageDef.js"
import { Hash32, UInt8, VarString } from "../Fields.js"

/**
 * Reject codes (BIP-0061).
 *
 * @since 0.1.0
 * @category schemas
 */
export const RejectCode = {
  Malformed: 0x01,
  Invalid: 0x10,
  Obsolete: 0x11,
  Duplicate: 0x12,
  Nonstandard: 0x40,
  Dust: 0x41,
  InsufficientFee: 0x42,
  Checkpoint: 0x43
} as const

/**
 * Longest reason string accepted, in bytes.
 *
 * @since 0.1.0
 * @category constants
 */
export const MAX_REASON = 256

/**
 * The `reject` message.
 *
 * @since 0.1.0
 * @category messages
 */
export const Reject = define({
  tag: "Reject",
  command: "reject",
  fields: {
    message: VarString(12),
    code: UInt8,
    reason: VarString(MAX_REASON),
    hash: Schema.optional(Hash32)
  },
  maxPayload: () => 1 + 12 + 1 + 3 + MAX_REASON + 32,
  read: (r) => {
    const message = r.varString(12, "rejected command")
    const code = r.u8()
    const reason = r.varString(MAX_REASON, "reason")
    return r.remaining === 32 ? { message, code, reason, hash: r.hash() } : { message, code, reason }
  },
  write: (w, m) => {
    w.varString(m.message, 12, "rejected command").u8(m.code).varString(m.reason, MAX_REASON, "reason")
    if (m.hash !== undefined) w.bytes(m.hash)
  }
})

/**
 * @since 0.1.0
 * @category models
 */
export type Reject = ReturnType<typeof Reject.make>
