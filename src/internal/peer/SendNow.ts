import type { PeerError } from "../../peer/PeerError.js"
import type * as Frame from "../../wire/Frame.js"

/**
 * An optional capability of a peer object: `send` without an effect. It
 * queues the message and returns why it could not (as `send` fails), from
 * synchronous code. The peers this package builds have it; the dispatcher
 * uses it to send one message to many peers in one synchronous pass, and
 * falls back to `send` for a peer without it (one a user built).
 *
 * Why: a broadcast to 200 peers ran `send` as an effect per peer, plus a
 * reduce step and a match per peer: ~0.8 KiB of effect objects and several
 * fiber steps per recipient, next to an enqueue that allocates one object.
 *
 * @internal
 */
export const SendNow: unique symbol = Symbol.for("effect-bitcoin-p2p/internal/SendNow")

/** @internal */
export interface SendNow {
  readonly [SendNow]: (message: Frame.Sendable) => PeerError | undefined
}

/** The peer's synchronous send, if it has one. @internal */
export const sendNowOf = (peer: object): SendNow[typeof SendNow] | undefined => (peer as Partial<SendNow>)[SendNow]
