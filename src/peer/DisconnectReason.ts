/**
 * Why a peer was disconnected, and the error its pending senders, requests
 * and waiters receive. Misbehaviour (`ProtocolViolation`, `DecodeError`) is
 * told apart from ordinary endings so the network layer can ban on it.
 *
 * @since 0.1.0
 */
import * as Data from "effect/Data"
import type { ReceiveError } from "./MessageTransport.js"

/**
 * Rules of the protocol a peer can break.
 *
 * @since 0.1.0
 * @category models
 */
export type ViolationRule =
  | "DuplicateVersion"
  | "DuplicateVerack"
  | "VerackBeforeVersion"
  | "MessageBeforeHandshake"
  | "FeatureAfterVerack"
  | "VersionFirstInbound"

/**
 * The reason a peer ended.
 *
 * @since 0.1.0
 * @category models
 */
export type DisconnectReason = Data.TaggedEnum<{
  /** We asked for it (`peer.disconnect`). */
  LocalRequest: { readonly detail: string }
  /** The scope that owned the peer closed (shutdown). */
  Shutdown: {}
  /**
   * The remote closed the connection, once what it sent before was handled.
   * Before the handshake completed it says how far it got (`detail`): a
   * remote that hangs up on our `version` is most often on another network
   * (magic), banning us, or refusing our version. `reset`: it came as a TCP
   * reset while we were reading (`ECONNRESET`), not an orderly end. That is
   * still the remote closing (a node that disconnects with our bytes unread in
   * its buffer resets: Bitcoin Core and Node both do), so it stays
   * `RemoteClosed`, told apart by this flag.
   */
  RemoteClosed: { readonly reset: boolean; readonly detail?: string | undefined }
  /** The transport failed. */
  SocketError: { readonly cause: unknown }
  /**
   * The remote reset the connection while we were writing to it (`ECONNRESET`,
   * `EPIPE`): it went away abruptly. Not our transport failing, and not
   * misbehaviour. (A reset while reading, with what it sent handled, is
   * `RemoteClosed` with `reset: true`: that is how a peer that disconnects
   * with data in flight closes.)
   */
  RemoteReset: { readonly code: string }
  /** version/verack did not complete in time. */
  HandshakeTimeout: {}
  /** Nothing was received for the idle timeout. */
  IdleTimeout: {}
  /** A request got no reply in time. */
  Stall: { readonly command: string }
  /** A ping got no pong in time. */
  PingTimeout: { readonly nonce: bigint }
  /** The remote broke a protocol rule. */
  ProtocolViolation: { readonly rule: ViolationRule; readonly detail: string }
  /** The remote sent bytes that do not decode (a bad frame, or a failure of the transport's own protocol). */
  DecodeError: { readonly error: ReceiveError }
  /** The remote is ourselves (its version nonce is one we sent). */
  SelfConnection: {}
  /** The remote's protocol version is below our minimum. */
  ObsoleteVersion: { readonly version: number; readonly minimum: number }
  /**
   * Our outbound queue for this peer exceeded its byte bound (the remote is
   * not reading). `queuedBytes`: the queue's charge with the refused message,
   * each message counted with its bookkeeping (see `maxQueuedBytes`).
   */
  QueueOverflow: { readonly queuedBytes: number; readonly limit: number }
  /**
   * More than the read bound (4 MiB) arrived unread: the socket did not stop
   * reading when the peer asked it to (a `Socket` that neither waits for its
   * handler's effect nor offers a pausable stream).
   */
  ReadOverflow: { readonly unreadBytes: number; readonly limit: number }
  /**
   * Before its handshake completed, the remote made us hold more bytes
   * (messages delivered before `verack`, a partial frame, unread bytes) than
   * the per-peer pre-handshake bound (`scope: "peer"`), or all peers together
   * held more than the shared one (`scope: "all"`; `heldBytes` is then the
   * total). An honest peer sends well under 1 KiB before `verack`.
   */
  PreHandshakeOverflow: { readonly heldBytes: number; readonly limit: number; readonly scope: "peer" | "all" }
  /** An exception on our side while handling what the remote sent (a bug: not the remote's fault). */
  Defect: { readonly cause: unknown }
}>

/**
 * Constructors and matchers for `DisconnectReason`.
 *
 * @since 0.1.0
 * @category constructors
 */
export const DisconnectReason = Data.taggedEnum<DisconnectReason>()

/**
 * `RemoteClosed` with what we know of why: the connection ended before the
 * handshake completed.
 *
 * @since 0.1.0
 * @category constructors
 */
export const remoteClosedDuringHandshake = (detail: string, reset = false): DisconnectReason => DisconnectReason.RemoteClosed({ reset, detail })

/**
 * True for reasons that are the remote's fault by protocol (ban candidates).
 *
 * @since 0.1.0
 * @category predicates
 */
export const isMisbehaviour = (r: DisconnectReason): boolean =>
  r._tag === "ProtocolViolation" || r._tag === "DecodeError"

/**
 * A one-line description, for logs.
 *
 * @since 0.1.0
 * @category utils
 */
export const describe = (r: DisconnectReason): string => {
  switch (r._tag) {
    case "LocalRequest":
      return `local request: ${r.detail}`
    case "Stall":
      return `stalled on ${r.command}`
    case "PingTimeout":
      return "no pong"
    case "ProtocolViolation":
      return `protocol violation ${r.rule}: ${r.detail}`
    case "DecodeError":
      return `decode error: ${r.error.message}`
    case "ObsoleteVersion":
      return `protocol version ${r.version} below ${r.minimum}`
    case "ReadOverflow":
      return `${r.unreadBytes} bytes unread, over ${r.limit}: the socket did not stop reading`
    case "PreHandshakeOverflow":
      return r.scope === "peer"
        ? `${r.heldBytes} bytes held before the handshake, over ${r.limit}`
        : `all peers held ${r.heldBytes} bytes before their handshakes, over ${r.limit}`
    case "QueueOverflow":
      return `outbound queue ${r.queuedBytes} bytes over ${r.limit}`
    case "RemoteClosed": {
      const what = r.reset ? "connection reset by the remote" : "remote closed"
      return r.detail === undefined ? what : `${what}: ${r.detail}`
    }
    case "RemoteReset":
      return `connection reset by the remote (${r.code})`
    case "SocketError":
      return `socket error: ${String(r.cause)}`
    case "Defect":
      return `defect: ${String(r.cause)}`
    default:
      return r._tag
  }
}

export {
  /**
   * Kept here for code written before `PeerError` had its own module.
   *
   * @since 0.1.0
   * @category errors
   * @deprecated import it from `PeerError`
   */
  PeerError
} from "./PeerError.js"
