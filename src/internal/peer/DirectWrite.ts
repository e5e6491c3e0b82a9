/**
 * An optional capability of a `Socket`: writing without a fiber, the way
 * Node's `socket.write(bytes, callback)` does. A peer uses it when present
 * (the sockets of `Transport.makeTcp` have it) and the socket's Effect
 * `writer` otherwise: forking a fiber for each write was most of the cost
 * of a small message.
 *
 * @internal
 */
export const DirectWrite: unique symbol = Symbol.for("effect-bitcoin-p2p/DirectWrite")

/** @internal */
export interface DirectWrite {
  /** Writes `bytes`; `done` is called once the socket took them, with the error if it could not. */
  readonly [DirectWrite]: (bytes: Uint8Array, done: (error?: Error | null) => void) => void
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
