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
