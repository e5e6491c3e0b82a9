/**
 * The error of a peer's operations: the peer is gone (and why), a request
 * timed out, a message could not be encoded, the outbound queue is full, or a
 * subscriber fell behind. One tagged error for the peer boundary, told apart
 * by its `reason`.
 *
 * @since 0.2.0
 */
import * as Data from "effect/Data"
import { type DisconnectReason, describe } from "./DisconnectReason.js"

/**
 * The error of peer operations: the peer is gone (with why), a request timed
 * out, a message could not be encoded, a subscriber fell behind, or the
 * negotiated protocol version has no such operation (`Unsupported`: `ping`
 * with a peer before BIP-0031, which never answers one).
 *
 * @since 0.1.0
 * @category errors
 */
export class PeerError extends Data.TaggedError("PeerError")<{
  readonly reason: "Disconnected" | "RequestTimeout" | "EncodeFailed" | "QueueFull" | "SubscriberLagged" | "Unsupported"
  readonly disconnect?: DisconnectReason | undefined
  readonly command?: string | undefined
  readonly detail?: string | undefined
}> {
  override get message(): string {
    const d = this.disconnect === undefined ? "" : ` (${describe(this.disconnect)})`
    return `${this.reason}${this.command === undefined ? "" : ` ${this.command}`}${d}${this.detail === undefined ? "" : `: ${this.detail}`}`
  }
}
