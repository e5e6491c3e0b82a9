import type { PeerError } from "../../peer/PeerError.js"
import type * as Frame from "../../wire/Frame.js"

/**
 * `send` without an effect, for the peers this package builds: queues the
 * message and returns why it could not (as `send` fails), from synchronous
 * code. The dispatcher uses it to send one message to many peers in one
 * synchronous pass, and falls back to `send` for any other peer object.
 *
 * Kept beside the peer object (a `WeakMap`), not on it: an object a user
 * makes from a peer (`{ ...peer, send }`) does not inherit it, so a `send`
 * of the user's own is never bypassed.
 *
 * Why: a broadcast to 200 peers ran `send` as an effect per peer, plus a
 * reduce step and a match per peer: ~0.8 KiB of effect objects and several
 * fiber steps per recipient, next to an enqueue that allocates one object.
 *
 * @internal
 */
export type SendNow = (message: Frame.Sendable) => PeerError | undefined

const byPeer = new WeakMap<object, SendNow>()

/** Records `peer`'s synchronous send. @internal */
export const setSendNow = (peer: object, sendNow: SendNow): void => {
  byPeer.set(peer, sendNow)
}

/** The peer's synchronous send, if it is one this package built. @internal */
export const sendNowOf = (peer: object): SendNow | undefined => byPeer.get(peer)
