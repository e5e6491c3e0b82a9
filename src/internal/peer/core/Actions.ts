import type { DisconnectReason } from "../../../peer/DisconnectReason.js"
import type { HandshakeInfo } from "../../../peer/Peer.js"
import type { PeerError } from "../../../peer/PeerError.js"
import type * as Message from "../../../wire/Message.js"
import type { StallHandle } from "./Requests.js"

/**
 * What the protocol core asks its engine to do. The core calls these while it
 * handles an event, in order; the engine carries them out (a socket write, a
 * resumed fiber, a timer) or, in a unit test, records them.
 *
 * A sink of actions rather than an array returned per event: a received
 * message is the hot path, and most produce one action (deliver) or none, so
 * the core allocates nothing to describe them.
 *
 * `R` is the engine's handle for a waiting request (its resume callback);
 * the core only stores it and hands it back.
 *
 * @internal
 */
export interface Actions<R> {
  /**
   * Queue `message` for writing (encoded at the negotiated version). Returns
   * why it could not be queued (the peer ended, encoding failed, the queue is
   * full); the core decides what that means. `stall`: the request's stall
   * handle, whose deadline is set once the frame is written.
   */
  readonly send: (message: Message.NetworkMessage, stall?: StallHandle) => PeerError | undefined
  /** Publish a received message (`bytes` on the wire, header included) to subscribers. */
  readonly deliver: (message: Message.NetworkMessage, bytes: number) => void
  /** The version/verack handshake completed. */
  readonly handshakeComplete: (info: HandshakeInfo) => void
  /** A request got its reply. */
  readonly completeRequest: (request: R, value: unknown) => void
  /** A request failed (timed out). */
  readonly failRequest: (request: R, error: PeerError) => void
  /** A request's matcher threw: that request dies, the peer goes on. */
  readonly dieRequest: (request: R, cause: unknown) => void
  /** The outstanding ping was answered after `millis`. */
  readonly pingAnswered: (millis: number) => void
  /** Call `timer` again no later than `at` (milliseconds, the engine's clock). */
  readonly wakeAt: (at: number) => void
  /** The peer ends, for `reason` (the first one only: called once). */
  readonly disconnect: (reason: DisconnectReason) => void
}
