import type * as Socket from "@effect/platform/Socket"
import type * as Effect from "effect/Effect"
import type * as Exit from "effect/Exit"
import type * as Fiber from "effect/Fiber"
import type { Pieces } from "./pieces.js"

/**
 * An optional capability of a `Socket`: writing without a fiber, the way
 * Node's `socket.write(bytes, callback)` does. A peer uses it when present
 * (the sockets of `NodeTransport` have it) and the socket's Effect
 * `writer` otherwise: forking a fiber for each write was most of the cost
 * of a small message.
 *
 * A write the socket takes at once returns `true` and never calls `done`:
 * on Node a write with a callback costs a `process.nextTick` and an object
 * for every write, while one without costs neither when the kernel takes
 * the bytes at once (the usual case for a small message).
 *
 * @internal
 */
export const DirectWrite: unique symbol = Symbol.for("effect-bitcoin-p2p/DirectWrite")

/** @internal */
export interface DirectWrite {
  /**
   * Writes `bytes` (`Pieces`: back to back, in one gathered write). Returns
   * `true` when the socket took them at once (`done` is then not called);
   * otherwise `done` is called once the socket took them, with the error if
   * it could not.
   */
  readonly [DirectWrite]: (bytes: Uint8Array | Pieces, done: (error?: Error | null) => void) => boolean
}

/**
 * An optional capability of a `Socket` beside `DirectWrite`: closing the
 * connection at once, from synchronous code. A peer's cleanup uses it when
 * present, instead of writing a `CloseEvent` through the Effect `writer`
 * raced against the read loop's end (two forked fibers per closing peer).
 *
 * @internal
 */
export const DirectClose: unique symbol = Symbol.for("effect-bitcoin-p2p/DirectClose")

/** @internal */
export interface DirectClose {
  /** Closes the connection (no orderly FIN wait: bytes not yet sent may be dropped, as a `CloseEvent` does). */
  readonly [DirectClose]: () => void
}

/**
 * An optional capability of a `Socket`: its read loop run from callbacks,
 * with no fiber. `run` semantics (the handler in the data callback; an
 * effect it returns pauses reading until done, started with `runFork`;
 * how the connection ended as an `Exit`), told to `onEnd` once, unless
 * the returned function detaches first. A peer uses it when present: the
 * read fiber was one of the two an idle peer held, and a fiber (with its
 * runtime) per connection was much of a short connection's cost.
 *
 * @internal
 */
export const DirectRead: unique symbol = Symbol.for("effect-bitcoin-p2p/DirectRead")

/** @internal */
export interface DirectRead {
  readonly [DirectRead]: (
    handler: (data: Uint8Array) => Effect.Effect<void> | void,
    runFork: (effect: Effect.Effect<void>) => Fiber.RuntimeFiber<void>,
    onEnd: (exit: Exit.Exit<void, Socket.SocketError>) => void
  ) => () => void
}
