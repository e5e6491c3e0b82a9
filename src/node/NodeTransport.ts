/**
 * The network layer's `Transport` over Node.js TCP: dials with a timeout,
 * listens with one fiber per accepted connection, and pauses a connection
 * while its peer is busy so a fast sender cannot fill our memory.
 *
 * @since 0.1.0
 */
import type * as Socket from "@effect/platform/Socket"
import * as Cause from "effect/Cause"
import * as Context from "effect/Context"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as FiberRef from "effect/FiberRef"
import * as FiberSet from "effect/FiberSet"
import * as Layer from "effect/Layer"
import * as Scope from "effect/Scope"
import * as Net from "node:net"
import { TcpSocket } from "../internal/node/TcpSocket.js"
import { DirectClose } from "../internal/peer/DirectWrite.js"
import * as Transport from "../network/Transport.js"
import * as NetAddress from "../wire/NetAddress.js"

const addressOf = (host: string, port: number): NetAddress.NetAddressFields =>
  NetAddress.fromHost(host, port) ?? { services: 0n, network: NetAddress.NetworkId.IPv4, address: new Uint8Array(4), port }

const ignoreError = (): void => {}

/**
 * Adapts a connected `node:net` socket as the `@effect/platform` `Socket`,
 * thin (see `TcpSocket`): reads pause while the peer is busy, a peer writes
 * to it directly, and a connection costs no scope or fiber of its own. For
 * connections opened by other means than `make`'s dial (a proxy tunnel:
 * `Socks5Transport`). Data already buffered in `conn` (`conn.unshift`) is
 * delivered first. The caller owns `conn` and destroys it when done.
 *
 * @since 0.2.0
 * @category constructors
 */
export const fromNetSocket = (conn: Net.Socket): Effect.Effect<Socket.Socket> => Effect.sync(() => new TcpSocket(conn))

/**
 * What plain TCP can dial: IPv4 and IPv6 (onion, I2P and CJDNS need a proxy or a tunnel).
 *
 * @since 0.1.0
 * @category models
 */
export const reachable: ReadonlySet<number> = new Set([NetAddress.NetworkId.IPv4, NetAddress.NetworkId.IPv6])

/**
 * TCP over Node. Only IPv4 and IPv6 addresses can be dialled.
 *
 * @since 0.1.0
 * @category constructors
 */
export const make = (options: { readonly dialTimeout?: Duration.DurationInput } = {}): Transport.TransportShape => {
  const dialTimeout = Duration.decode(options.dialTimeout ?? Duration.seconds(10))
  // Node's socket timer takes 1 ms to 2^31 - 1 ms; an infinite timeout means no timer at all.
  const timed = Duration.isFinite(dialTimeout)
  const dialTimeoutMillis = Math.max(1, Math.min(2 ** 31 - 1, Math.ceil(Duration.toMillis(dialTimeout))))
  return {
    reachable,
    dial: (address) => {
      // The address as text, for an error only (most dials succeed).
      const label = () => NetAddress.toString(address)
      if (!reachable.has(address.network)) {
        return Effect.fail(new Transport.TransportError({ reason: "Unsupported", address: label() }))
      }
      const host = NetAddress.hostToString(address)
      // Per run of the returned effect (a retried dial runs it again): the connection being made.
      return Effect.suspend(() => {
        let conn: Net.Socket | undefined
        // Connect eagerly (NodeSocket.makeNet would connect only when first read), so an
        // unreachable address is a dial error, not a peer that dies at once. No canceler: the
        // interrupted dial destroys `conn` below, in the step that also sees every other failure
        // (a canceler is another uninterruptible region wrapped around the wait: ~5 Effect
        // operations per dial).
        const connect = Effect.async<TcpSocket, Transport.TransportError>((resume) => {
          const socket = Net.createConnection({ host, port: address.port, noDelay: true })
          conn = socket
          const onError = (cause: Error) => resume(Effect.fail(new Transport.TransportError({ reason: "Unreachable", address: label(), cause })))
          // The socket's own inactivity timer bounds the connect (a real socket: the real clock),
          // rather than `Effect.timeout`, which races two fibers per dial.
          const onTimeout = () => {
            socket.destroy()
            resume(Effect.fail(new Transport.TransportError({ reason: "Timeout", address: label() })))
          }
          socket.once("connect", () => {
            socket.off("error", onError)
            if (timed) socket.setTimeout(0, onTimeout) // clears the timer and removes the listener
            // Made here: its no-op `error` listener guards the connection from now on (a late
            // error must not crash the process, and `onError` would keep this dial alive).
            resume(Effect.succeed(new TcpSocket(socket)))
          })
          socket.on("error", onError)
          if (timed) socket.setTimeout(dialTimeoutMillis, onTimeout)
        })
        // Interruptible while connecting; then, uninterruptibly, either the connection is destroyed
        // (failed, timed out, interrupted, or connected but interrupted before this step ran) or its
        // finalizer is on the scope. On the scope itself (`Scope.addFinalizer`): destroying a socket
        // needs none of the fiber refs `Effect.addFinalizer` captures and restores around it.
        return Effect.uninterruptibleMask((restore) =>
          Effect.matchCauseEffect(restore(connect), {
            onFailure: (cause) => {
              conn?.destroy()
              return Effect.failCause(cause)
            },
            onSuccess: (socket) =>
              Effect.scopeWith((scope) => Effect.as(Scope.addFinalizer(scope, Effect.sync(socket[DirectClose])), socket as Socket.Socket))
          })
        )
      })
    },
    listen: (host, port, handler) =>
      Effect.gen(function*() {
        // One fiber per connection, all interrupted when the listener's scope closes, after the
        // server stopped accepting (finalizers run in reverse order).
        const run = yield* FiberSet.makeRuntime<never, void, never>()
        const server = yield* listenOn(host, port)
        const bound = server.address() as Net.AddressInfo
        server.on("connection", (conn) => {
          if (!server.listening) return void conn.destroy()
          // Made at once: its no-op `error` listener guards the connection from now on.
          const socket = new TcpSocket(conn)
          const remote = addressOf(conn.remoteAddress ?? "0.0.0.0", conn.remotePort ?? 0)
          // The connection ends with its handler: one the handler refuses without running
          // the socket (a banned host, no inbound slot left) must not stay open.
          run(Effect.flatMap(Scope.make(), (scope) => handled(scope, conn, handler({ socket, remote }))))
        })
        return addressOf(bound.address === "::" ? "::1" : bound.address, bound.port)
      })
  }
}

/**
 * Runs a connection's handler in `scope`; when it ends, however, closes the
 * scope, then destroys the connection, then logs a failure of either, and
 * succeeds (the listener's `FiberSet` is not failed by one connection). One
 * uninterruptible exit step: `Effect.scoped`, `ensuring` and `catchAllCause`
 * each cost their own, and `onExit` followed by `ignore` re-raised the exit
 * only to drop it. The handler runs in a fiber of its own (the listener's
 * `FiberSet`), so the scope is set in that fiber's context for good instead
 * of provided around the handler and restored after, which cost ~15 µs per
 * connection, as much as the rest of a refused connection.
 */
const handled = <E>(scope: Scope.CloseableScope, conn: Net.Socket, handler: Effect.Effect<void, E, Scope.Scope>): Effect.Effect<void> => {
  const ended = (exit: Exit.Exit<void, E>): Effect.Effect<void> =>
    // The connection is destroyed however the scope closed (a finalizer that dies included).
    Effect.matchCauseEffect(Scope.close(scope, exit), {
      onFailure: (closed) => {
        conn.destroy()
        return logUnlessInterrupted(Exit.isFailure(exit) ? Cause.sequential(exit.cause, closed) : closed)
      },
      onSuccess: () => {
        conn.destroy()
        return Exit.isFailure(exit) ? logUnlessInterrupted(exit.cause) : Effect.void
      }
    })
  return Effect.uninterruptibleMask((restore) =>
    Effect.matchCauseEffect(
      restore(Effect.zipRight(FiberRef.update(FiberRef.currentContext, Context.add(Scope.Scope, scope)), handler as Effect.Effect<void, E>)),
      { onFailure: (cause) => ended(Exit.failCause(cause)), onSuccess: () => ended(Exit.void) }
    )
  )
}

/** An interruption is the listener's scope closing: not an error. */
const logUnlessInterrupted = (cause: Cause.Cause<unknown>): Effect.Effect<void> =>
  Cause.isInterruptedOnly(cause) ? Effect.void : Effect.logError(cause)

/**
 * A listening `node:net` server that stops accepting when the scope closes
 * (the connections it accepted are their handlers' to close).
 */
const listenOn = (host: string, port: number): Effect.Effect<Net.Server, Transport.TransportError, Scope.Scope> =>
  Effect.acquireRelease(
    Effect.async<Net.Server, Transport.TransportError>((resume) => {
      // `noDelay`: Node sets it on each accepted connection before `connection` (as `setNoDelay` did).
      const server = Net.createServer({ noDelay: true })
      const onError = (cause: Error) =>
        resume(Effect.fail(new Transport.TransportError({ reason: "ListenFailed", address: `${host}:${port}`, cause })))
      server.once("error", onError)
      server.listen(port, host, () => {
        server.off("error", onError)
        // An accept error later (too many open files) must not crash the process; the listener goes on.
        server.on("error", ignoreError)
        resume(Effect.succeed(server))
      })
    }),
    (server) => Effect.sync(() => void server.close())
  )

/**
 * TCP over Node.js as the `Transport` service.
 *
 * @since 0.1.0
 * @category layers
 */
export const layer = (options: { readonly dialTimeout?: Duration.DurationInput } = {}): Layer.Layer<Transport.Transport> =>
  Layer.succeed(Transport.Transport, make(options))

