/**
 * The seam between bytes and messages: how one connection turns received
 * bytes into messages, and messages into bytes.
 *
 * A peer does not frame messages itself. It asks its `MessageTransport`,
 * chosen per connection (`PeerOptions.transport`), and the default is the v1
 * framing every Bitcoin node speaks (magic, command, length, checksum:
 * `Frame.FrameDecoder`). Another transport (BIP-0324's encrypted v2) plugs in
 * without the peer changing:
 *
 * ```text
 *   socket ── bytes ──▶ receive(chunk, out, write) ──▶ Frame.Received[] ──▶ peer rules
 *                                 └──── bytes of its own handshake ──▶ socket
 *   peer rules ── message ──▶ encode / encodePrepared ──▶ bytes ──▶ socket
 * ```
 *
 * The contract, which the peer engine relies on:
 *
 * - `initial()` is asked once, before anything else is written: bytes the
 *   transport must send first (v2: its 64-byte key and garbage; v1: none).
 * - `ready` is false while the transport's own handshake runs. The peer sends
 *   no message before it is true: messages queued meanwhile (our `version`)
 *   are held by the peer, in order, and encoded as soon as `ready` turns true
 *   (the peer checks after every `receive`). v1 is ready at once.
 * - `receive` is synchronous and push-based (sans-I/O): it appends every
 *   message the chunk completes to `out`, calls `write` with bytes of its own
 *   protocol it must answer with (handshake replies), and returns the error
 *   that ends the stream, if any (messages completed before it are in `out`).
 *   It must bound what it buffers before it allocates from a length the
 *   remote sent. After an error it stays failed.
 * - `encode` turns one message into the bytes to write, at the given protocol
 *   version: one array, or `Pieces` written back to back (v2's large
 *   packets, as the cipher made them). `encodePrepared` does the same for a `Frame.Prepared` message,
 *   shared by many peers: v1 reuses the prepared frame as it is; a transport
 *   that re-wraps may take the payload from it (`frame.subarray(24)`).
 *   Encode failures are typed (`WireError`) and nothing is written.
 * - `name` (`"v1"`, `"v2"`) and `sessionId` (v2's session id, once ready)
 *   are shown in `peer.info` and `peer.stats`, with `droppedMessages`.
 * - `shouldReconnectV1`, when present, tells the connector after a failed
 *   outbound connection whether to dial again over v1 (BIP-0324's rule).
 *
 * A transport is a small mutable object owned by one connection: `make`
 * is called once per peer. It holds no socket, fiber or clock.
 *
 * @since 0.2.0
 */
import * as Data from "effect/Data"
import type * as Either from "effect/Either"
import type { ChainParams } from "../wire/ChainParams.js"
import type * as Frame from "../wire/Frame.js"
import type * as Message from "../wire/Message.js"
import type { WireError } from "../wire/WireError.js"
import type * as internalPieces from "../internal/peer/pieces.js"
import * as internal from "../internal/peer/v1Transport.js"

/**
 * A failure of the transport's own protocol (not of a message's encoding):
 * a v2 handshake that does not complete, a packet that fails to decrypt.
 * A peer that gets one disconnects with `DecodeError`, as for a bad frame.
 *
 * @since 0.2.0
 * @category errors
 */
export class MessageTransportError extends Data.TaggedError("MessageTransportError")<{
  /** `Refused`: our own admission control turned the handshake down (not the remote's fault). */
  readonly reason: "Handshake" | "Decrypt" | "TooLarge" | "Refused" | "Other"
  /** The transport's name (`"v2"`). */
  readonly transport: string
  readonly detail?: string | undefined
  readonly cause?: unknown
}> {
  override get message(): string {
    return `${this.transport} transport ${this.reason}${this.detail === undefined ? "" : `: ${this.detail}`}`
  }
}

/**
 * What ends a transport's stream of received bytes.
 *
 * @since 0.2.0
 * @category errors
 */
export type ReceiveError = WireError | MessageTransportError

/**
 * Bytes to write as several arrays back to back, never joined into one
 * buffer (`pieces`, `byteLength` in all): what `encode` may return for a
 * large message (v2: its encrypted length and header, the ciphertext in the
 * pieces the cipher returned, the tag). Joining a 1 MB packet would cost a
 * copy and one more megabyte for the garbage collector. A socket of
 * `NodeTransport` takes them in one gathered write; another socket gets them
 * joined.
 *
 * @since 0.2.0
 * @category models
 */
export type Pieces = internalPieces.Pieces

/**
 * One connection's framing: received bytes to messages, messages to bytes.
 * See the module documentation for the contract.
 *
 * @since 0.2.0
 * @category models
 */
export interface MessageTransport {
  /** `"v1"`, `"v2"`, … shown in `peer.info` and `peer.stats`. */
  readonly name: string
  /** An id of the session both sides know (v2, once ready); undefined for v1. */
  readonly sessionId: Uint8Array | undefined
  /** Whether messages may flow (the transport's own handshake, if any, completed). */
  readonly ready: boolean
  /** Bytes received and held, not yet part of a message (counted against the peer's read bound). */
  readonly bufferedBytes: number
  /**
   * Bytes still to arrive before the message being received completes, when
   * the transport knows (v1: once a frame's header has passed its checks);
   * absent or 0 otherwise. A chunk shorter than this must complete nothing
   * in `receive` (it is only held, within the message's checked length): the
   * peer then takes it even while it waits for its turn to decode, instead of
   * queueing it as unread bytes (which past a bound pauses the socket).
   */
  readonly awaitingBytes?: number | undefined
  /** Bytes to write before anything else; asked once, when the peer starts. */
  readonly initial: () => Uint8Array | undefined
  /**
   * Takes a received chunk: completed messages are appended to `out`; bytes
   * the transport must answer with are passed to `write`; the returned error,
   * if any, ends the stream.
   */
  readonly receive: (
    chunk: Uint8Array,
    out: Array<Frame.Received>,
    write: (bytes: Uint8Array) => void
  ) => ReceiveError | undefined
  /** The bytes for one message at protocol `version`: one array, or `Pieces`. */
  readonly encode: (message: Message.NetworkMessage, version: number) => Either.Either<Uint8Array | Pieces, WireError>
  /** The bytes for a message prepared once for many peers. */
  readonly encodePrepared: (prepared: Frame.Prepared, version: number) => Either.Either<Uint8Array | Pieces, WireError>
  /** The payload size of bytes this transport just encoded (for the per-command counters; asked right after `encode`). */
  readonly payloadSize: (bytes: Uint8Array | Pieces) => number
  /**
   * Messages received whole and authentic but dropped without a disconnect
   * (v2: an unknown short message id, as Bitcoin Core does). Absent: none.
   */
  readonly droppedMessages?: number | undefined
  /**
   * Whether a failed outbound connection should be retried over v1, asked
   * by the connector once the peer ended, with the bytes the socket took
   * (`PeerStats.bytesSent`). Absent: never (v1 itself).
   */
  readonly shouldReconnectV1?: ((bytesSent: number) => boolean) | undefined
}

/**
 * What a transport is made from, per connection.
 *
 * @since 0.2.0
 * @category models
 */
export interface TransportContext {
  /** The network's magic, frame cap and wire format (header and transaction serialization). */
  readonly params: Pick<ChainParams, "magic" | "maxMessageSize" | "format">
  /** Which side opened the connection (v2: the initiator sends its key first). */
  readonly direction: "outbound" | "inbound"
  /** The protocol version in force, read before each message is decoded. */
  readonly version: () => number
}

/**
 * Makes a connection's transport; given to `Peer.make` as `PeerOptions.transport`.
 *
 * @since 0.2.0
 * @category models
 */
export type Factory = (context: TransportContext) => MessageTransport

/**
 * The v1 transport: plain frames (magic, command, length, double-SHA256
 * checksum) decoded by `Frame.FrameDecoder`. No handshake of its own, ready
 * at once, no session id. The default.
 *
 * The transport it makes is a class instance: its `bufferedBytes` getter
 * lives on the prototype, so a wrapper must forward each member explicitly
 * (a getter for each getter, as the network's connector does); one made by
 * spreading it (`{ ...inner, receive }`) copies only own properties and
 * reads `bufferedBytes` as `undefined`.
 *
 * @since 0.2.0
 * @category constructors
 */
export const v1: Factory = internal.v1
