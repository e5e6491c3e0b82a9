/**
 * The one error of the v2 transport, with a `reason` per way a remote can
 * break it. Defined here so the session can raise it; `peer/V2Transport.ts`
 * is its public home.
 *
 * @internal
 */
import * as Data from "effect/Data"

/**
 * Why a v2 session failed. Every one is the remote's doing and ends the
 * connection.
 *
 * @since 0.1.0
 */
export type V2TransportErrorReason =
  /** No garbage terminator within 4095 bytes of garbage (4111 bytes in all). */
  | "NoGarbageTerminator"
  /** A packet did not authenticate: tampered, replayed, reordered, dropped, or keyed for another network. */
  | "BadTag"
  /** A packet announced contents above the network's message cap. */
  | "OversizedPacket"
  /** The connection ended inside the remote's 64-byte public key. */
  | "TruncatedKey"
  /** The connection ended inside the garbage or a packet. */
  | "TruncatedPacket"
  /** A packet's message type is malformed: empty contents, or a 12-byte command that is not NUL-padded printable ASCII. */
  | "BadMessageType"
  /** As responder: the key bytes look like a v1 `version` header with another network's magic. */
  | "V1WrongNetwork"
  /** As initiator: the remote answered our key with a v1 `version` header (a v1 node that speaks first). */
  | "V1Remote"
  /** As responder: admission control refused the handshake (too many at once or too fast). */
  | "HandshakeRefused"
  /** Bytes arrived after the session had already failed or handed over to v1. */
  | "Closed"

/**
 * A typed failure of a v2 session.
 *
 * @since 0.1.0
 */
export class V2TransportError extends Data.TaggedError("V2TransportError")<{
  readonly reason: V2TransportErrorReason
  readonly detail?: string | undefined
}> {
  override get message(): string {
    return this.detail === undefined ? this.reason : `${this.reason} ${this.detail}`
  }
}
