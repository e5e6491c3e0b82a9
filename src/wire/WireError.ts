/**
 * The one error of the wire layer. Every way a frame or payload can be wrong
 * has its own `reason`, with the command and the expected / actual values
 * where they apply, so the peer can disconnect with a precise cause and the
 * network layer can decide on a ban.
 *
 * @since 0.1.0
 */
import * as Data from "effect/Data"

/**
 * Why a frame or payload was refused, in the order the checks run.
 *
 * @since 0.1.0
 * @category models
 */
export type WireErrorReason =
  /** The header announces a payload above the network's frame cap. */
  | "OversizedFrame"
  /** The frame does not start with this network's magic. */
  | "BadMagic"
  /** The command field is not printable ASCII followed by NUL padding. */
  | "BadCommand"
  /** The payload is above the cap for this command at the negotiated version. */
  | "OversizedPayload"
  /** The checksum does not match the payload. */
  | "BadChecksum"
  /** The payload ended before a field did. */
  | "Truncated"
  /** A CompactSize used more bytes than needed. */
  | "NonCanonicalCompactSize"
  /** A list count or byte length is above its protocol limit. */
  | "CountTooLarge"
  /** A field holds a value the protocol does not allow. */
  | "InvalidValue"
  /** Bytes were left after the payload was decoded. */
  | "TrailingBytes"
  /** A message could not be encoded (a value out of range for its field). */
  | "EncodeFailed"

/**
 * A typed failure to decode (or encode) wire data.
 *
 * @since 0.1.0
 * @category errors
 */
export class WireError extends Data.TaggedError("WireError")<{
  readonly reason: WireErrorReason
  readonly command?: string | undefined
  readonly expected?: string | number | undefined
  readonly actual?: string | number | undefined
  readonly detail?: string | undefined
}> {
  override get message(): string {
    const parts: Array<string> = [this.reason]
    if (this.command !== undefined) parts.push(`command=${this.command}`)
    if (this.expected !== undefined) parts.push(`expected=${this.expected}`)
    if (this.actual !== undefined) parts.push(`actual=${this.actual}`)
    if (this.detail !== undefined) parts.push(this.detail)
    return parts.join(" ")
  }
}
