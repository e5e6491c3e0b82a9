/**
 * The network layer's `Transport` over Node.js TCP: dials with a timeout,
 * listens with one fiber per accepted connection, and pauses a connection
 * while its peer is busy so a fast sender cannot fill our memory.
 *
 * @since 0.1.0
 */
import * as NodeSocket from "@effect/platform-node/NodeSocket"
import * as NodeSocketServer from "@effect/platform-node/NodeSocketServer"
import * as Socket from "@effect/platform/Socket"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Net from "node:net"
import { DirectWrite } from "../internal/peer/DirectWrite.js"
import * as Transport from "../network/Transport.js"
import * as NetAddress from "../wire/NetAddress.js"

const addressOf = (host: string, port: number): NetAddress.NetAddressFields =>
  NetAddress.fromHost(host, port) ?? { services: 0n, network: NetAddress.NetworkId.IPv4, address: new Uint8Array(4), port }

const ignoreError = (): void => {}


/**
 * Backpressure for a Node socket: while an effect returned by the `run`
 * handler is pending, the connection is paused (no more reads, so TCP pushes
 * back on the sender), at once, in the data callback. (`NodeSocket` alone
 * runs such effects concurrently and keeps reading; a peer then pauses the
 * stream itself from its effect, so the read bound holds either way.)
 *
 * Also offers `DirectWrite`, so a peer writes without a fiber per write. A
 * write to a connection that has ended fails through its callback; the
 * no-op error listener keeps a late write error (after `NodeSocket` stopped
 * listening) from becoming an uncaught exception: the callback reports it.
 */
const pausing = (socket: Socket.Socket, conn: Net.Socket): Socket.Socket & DirectWrite => {
  conn.on("error", ignoreError)
  let pending = 0
  const wrap = (handler: (data: any) => Effect.Effect<any, any, any> | void) => (data: any) => {
    const result = handler(data)
    if (!Effect.isEffect(result)) return result
    if (pending++ === 0) conn.pause()
    return Effect.ensuring(result, Effect.sync(() => {
      if (--pending === 0) conn.resume()
    }))
  }
  const direct: Socket.Socket & DirectWrite = {
    [Socket.TypeId]: Socket.TypeId,
    run: (handler, options) => socket.run(wrap(handler), options),
    runRaw: (handler, options) => socket.runRaw(wrap(handler), options),
    writer: socket.writer,
    [DirectWrite]: (bytes, done) => {
      if (conn.destroyed || conn.writableEnded) return done(new Error("socket closed"))
      conn.write(bytes, done)
    }
  }
  return direct
}

/**
 * Adapts a connected `node:net` socket: reads pause while the peer is busy
 * (see the module doc), and a peer writes to it directly. For connections
 * opened by other means than `make`'s dial (a proxy tunnel: `Socks5Transport`).
 * Data already buffered in `conn` (`conn.unshift`) is delivered first. The
 * caller owns `conn` and destroys it when done.
 *
 * @since 0.2.0
 * @category constructors
 */
export const fromNetSocket = (conn: Net.Socket): Effect.Effect<Socket.Socket> =>
  Effect.map(NodeSocket.fromDuplex(Effect.succeed(conn)), (socket) => pausing(socket, conn))

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
      const label = NetAddress.toString(address)
      if (!reachable.has(address.network)) {
        return Effect.fail(new Transport.TransportError({ reason: "Unsupported", address: label }))
      }
      // Connect eagerly (NodeSocket.makeNet would connect only when first read), so
      // an unreachable address is a dial error, not a peer that dies at once.
      const connect = Effect.async<Net.Socket, Transport.TransportError>((resume) => {
        const conn = Net.createConnection({ host: NetAddress.hostToString(address), port: address.port, noDelay: true })
        const onError = (cause: Error) => resume(Effect.fail(new Transport.TransportError({ reason: "Unreachable", address: label, cause })))
        conn.once("connect", () => {
          // An error after connect must not crash the process either (`pausing` keeps a no-op
          // listener); this one would keep the finished dial fiber alive as long as the connection.
          conn.off("error", onError)
          conn.on("error", ignoreError)
          if (timed) conn.setTimeout(0, onTimeout) // clears the timer and removes the listener
          resume(Effect.succeed(conn))
        })
        conn.on("error", onError)
        // The socket's own inactivity timer bounds the connect (a real socket: the real clock),
        // rather than `Effect.timeout`, which races two fibers per dial.
        const onTimeout = () => {
          conn.destroy()
          resume(Effect.fail(new Transport.TransportError({ reason: "Timeout", address: label })))
        }
        if (timed) conn.setTimeout(dialTimeoutMillis, onTimeout)
        return Effect.sync(() => conn.destroy())
      })
      // Interruptible while connecting; the finalizer is registered before anything can interrupt again.
      const open = Effect.uninterruptibleMask((restore) =>
        Effect.tap(restore(connect), (conn) => Effect.addFinalizer(() => Effect.sync(() => conn.destroy())))
      )
      return Effect.flatMap(open, fromNetSocket)
    },
    listen: (host, port, handler) =>
      Effect.gen(function*() {
        const server = yield* NodeSocketServer.make({ host, port }).pipe(
          Effect.mapError((cause) => new Transport.TransportError({ reason: "ListenFailed", address: `${host}:${port}`, cause }))
        )
        const bound = server.address._tag === "TcpAddress" ? server.address : { hostname: host, port }
        yield* server.run((socket) =>
          Effect.gen(function*() {
            const conn = yield* Effect.serviceOption(NodeSocket.NetSocket)
            if (conn._tag === "Some") {
              conn.value.setNoDelay(true)
              // The connection ends with its handler: one the handler refuses without running
              // the socket (a banned host, no inbound slot left) must not stay open.
              yield* Effect.addFinalizer(() => Effect.sync(() => conn.value.destroy()))
            }
            const remote = conn._tag === "Some"
              ? addressOf(conn.value.remoteAddress ?? "0.0.0.0", conn.value.remotePort ?? 0)
              : addressOf("0.0.0.0", 0)
            yield* handler({ socket: conn._tag === "Some" ? pausing(socket, conn.value) : socket, remote })
          }).pipe(Effect.scoped)
        ).pipe(Effect.ignoreLogged, Effect.forkScoped)
        return addressOf(bound.hostname === "::" ? "::1" : bound.hostname, bound.port)
      })
  }
}

/**
 * TCP over Node.js as the `Transport` service.
 *
 * @since 0.1.0
 * @category layers
 */
export const layer = (options: { readonly dialTimeout?: Duration.DurationInput } = {}): Layer.Layer<Transport.Transport> =>
  Layer.succeed(Transport.Transport, make(options))

