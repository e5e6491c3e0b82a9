import type { PeerError } from "../../peer/PeerError.js"
import type * as Frame from "../../wire/Frame.js"

/**
 * `send` without an effect, for the peers this package builds: queues the
 * message and returns why it could not (as `send` fails), from synchronous
 * code. The dispatcher uses it to send one message to many peers in one
 * synchronous pass, and falls back to `send` for any other peer object.
 *
 * Kept on the peer object as a non-enumerable symbol property, read as an
 * own property only: an object a user makes from a peer (`{ ...peer, send }`,
 * or `Object.create(peer, …)`) does not have it, so a `send` of the user's
 * own is never bypassed. Not in a `WeakMap` keyed by the peer,
 * as it was: measured, that entry (its value a closure over the whole peer)
 * kept every short-lived peer alive through V8's young-generation
 * collections, until a full one (a start + close loop: ~3.9 MB of each
 * ~13 MB scavenged survived and was promoted; ~0.34 MB without it and the
 * finalizer's `uninterruptible` wrapper, each of which alone kept it at
 * ~3.9 MB).
 *
 * Why: a broadcast to 200 peers ran `send` as an effect per peer, plus a
 * reduce step and a match per peer: ~0.8 KiB of effect objects and several
 * fiber steps per recipient, next to an enqueue that allocates one object.
 *
 * @internal
 */
export type SendNow = (message: Frame.Sendable) => PeerError | undefined

const SEND_NOW: unique symbol = Symbol("effect-bitcoin-p2p/SendNow")

/** Records `peer`'s synchronous send. @internal */
export const setSendNow = (peer: object, sendNow: SendNow): void => {
  Object.defineProperty(peer, SEND_NOW, { value: sendNow })
}

/**
 * The peer's synchronous send, if it is one this package built: an own
 * property only, so an object made with the peer as its prototype
 * (`Object.create(peer, { send })`) is reached through its own `send`.
 * @internal
 */
export const sendNowOf = (peer: object): SendNow | undefined =>
  Object.hasOwn(peer, SEND_NOW) ? (peer as { readonly [SEND_NOW]: SendNow })[SEND_NOW] : undefined
