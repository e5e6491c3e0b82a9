/**
 * How the network layer opens and accepts connections. The peer itself only
 * needs a `Socket`; this service is where sockets come from, so the same
 * network code runs over TCP, a proxy, or an in-memory simulation.
 *
 * - `layerTcp`: Node TCP via `@effect/platform-node` (`NodeSocket.makeNet`,
 *   `NodeSocketServer`), with a dial timeout.
 * - `layerMemory(hub)`: an in-process network of `MemorySocket` pairs, for
 *   deterministic tests with `TestClock` (no I/O at all).
 *
 * @since 0.1.0
 */
import * as NodeSocket from "@effect/platform-node/NodeSocket"
import * as NodeSocketServer from "@effect/platform-node/NodeSocketServer"
import * as Socket from "@effect/platform/Socket"
import * as Context from "effect/Context"
import * as Data from "effect/Data"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Mailbox from "effect/Mailbox"
import type * as Scope from "effect/Scope"
import * as Stream from "effect/Stream"
import * as Net from "node:net"
import { DirectWrite } from "./internal/DirectWrite.js"
import * as MemorySocket from "./MemorySocket.js"
import * as NetAddress from "./NetAddress.js"

/**
 * Why a dial or listen failed.
 *
 * @since 0.1.0
 */
export class TransportError extends Data.TaggedError("TransportError")<{
  readonly reason: "Unreachable" | "Timeout" | "ListenFailed" | "Unsupported"
  readonly address: string
  readonly cause?: unknown
}> {
  override get message(): string {
    return `${this.reason} ${this.address}${this.cause === undefined ? "" : `: ${String(this.cause)}`}`
  }
}

/**
 * An accepted connection and where it came from.
 *
 * @since 0.1.0
 */
export interface Incoming {
  readonly socket: Socket.Socket
  readonly remote: NetAddress.NetAddressFields
}

/**
 * Opens and accepts connections.
 *
 * @since 0.1.0
 */
export interface TransportShape {
  /** Connects; the connection lives until the scope closes. */
  readonly dial: (address: NetAddress.NetAddressFields) => Effect.Effect<Socket.Socket, TransportError, Scope.Scope>
  /**
   * Listens on `host:port` (port 0: any free port). Returns the bound address
   * and runs `handler` for each accepted connection in a fiber of its own, so a
   * failing connection never affects the listener or the others. The
   * connection is closed when `handler` returns.
   */
  readonly listen: (
    host: string,
    port: number,
    handler: (incoming: Incoming) => Effect.Effect<void, never, Scope.Scope>
  ) => Effect.Effect<NetAddress.NetAddressFields, TransportError, Scope.Scope>
}

/**
 * The transport service.
 *
 * @since 0.1.0
 */
export class Transport extends Context.Tag("effect-bitcoin-p2p/Transport")<Transport, TransportShape>() {}

const ignoreError = (): void => {}

const addressOf = (host: string, port: number): NetAddress.NetAddressFields =>
  NetAddress.fromHost(host, port) ?? { services: 0n, network: NetAddress.NetworkId.IPv4, address: new Uint8Array(4), port }

/**
 * Backpressure for a Node socket: while an effect returned by the `run`
 * handler is pending, the connection is paused (no more reads, so TCP pushes
 * back on the sender). `NodeSocket` alone runs such effects concurrently and
 * keeps reading, which lets a fast sender fill our memory.
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
 * TCP over Node. Only IPv4 and IPv6 addresses can be dialled.
 *
 * @since 0.1.0
 */
export const makeTcp = (options: { readonly dialTimeout?: Duration.DurationInput } = {}): TransportShape => {
  const dialTimeout = Duration.decode(options.dialTimeout ?? Duration.seconds(10))
  // Node's socket timer takes 1 ms to 2^31 - 1 ms; an infinite timeout means no timer at all.
  const timed = Duration.isFinite(dialTimeout)
  const dialTimeoutMillis = Math.max(1, Math.min(2 ** 31 - 1, Math.ceil(Duration.toMillis(dialTimeout))))
  return {
    dial: (address) => {
      const label = NetAddress.toString(address)
      if (address.network !== NetAddress.NetworkId.IPv4 && address.network !== NetAddress.NetworkId.IPv6) {
        return Effect.fail(new TransportError({ reason: "Unsupported", address: label }))
      }
      // Connect eagerly (NodeSocket.makeNet would connect only when first read), so
      // an unreachable address is a dial error, not a peer that dies at once.
      const connect = Effect.async<Net.Socket, TransportError>((resume) => {
        const conn = Net.createConnection({ host: NetAddress.hostToString(address), port: address.port, noDelay: true })
        const onError = (cause: Error) => resume(Effect.fail(new TransportError({ reason: "Unreachable", address: label, cause })))
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
          resume(Effect.fail(new TransportError({ reason: "Timeout", address: label })))
        }
        if (timed) conn.setTimeout(dialTimeoutMillis, onTimeout)
        return Effect.sync(() => conn.destroy())
      })
      // Interruptible while connecting; the finalizer is registered before anything can interrupt again.
      const open = Effect.uninterruptibleMask((restore) =>
        Effect.tap(restore(connect), (conn) => Effect.addFinalizer(() => Effect.sync(() => conn.destroy())))
      )
      return Effect.flatMap(open, (conn) => Effect.map(NodeSocket.fromDuplex(Effect.succeed(conn)), (socket) => pausing(socket, conn)))
    },
    listen: (host, port, handler) =>
      Effect.gen(function*() {
        const server = yield* NodeSocketServer.make({ host, port }).pipe(
          Effect.mapError((cause) => new TransportError({ reason: "ListenFailed", address: `${host}:${port}`, cause }))
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
 * The TCP transport as a layer.
 *
 * @since 0.1.0
 */
export const layerTcp = (options: { readonly dialTimeout?: Duration.DurationInput } = {}): Layer.Layer<Transport> =>
  Layer.succeed(Transport, makeTcp(options))

/**
 * An in-process network: listeners register by address, dials connect to
 * them through `MemorySocket` pairs. One hub is one simulated internet.
 *
 * @since 0.1.0
 */
export interface MemoryHub {
  readonly listeners: Map<string, Mailbox.Mailbox<Incoming>>
  /** Addresses (host:port) whose dials should fail, to simulate unreachable nodes. */
  readonly unreachable: Set<string>
}

/**
 * A fresh, empty hub.
 *
 * @since 0.1.0
 */
export const makeHub = (): MemoryHub => ({ listeners: new Map(), unreachable: new Set() })

let memoryEphemeralPort = 40000

/**
 * A transport over a `MemoryHub`. `localHost` is the address this node's
 * outgoing connections appear to come from.
 *
 * @since 0.1.0
 */
export const makeMemory = (hub: MemoryHub, localHost = "127.0.0.1"): TransportShape => ({
  dial: (address) =>
    Effect.gen(function*() {
      const key = NetAddress.toString(address)
      const listener = hub.listeners.get(key)
      if (listener === undefined || hub.unreachable.has(key)) {
        return yield* Effect.fail(new TransportError({ reason: "Unreachable", address: key }))
      }
      const [ours, theirs] = yield* MemorySocket.makePair()
      const remote = addressOf(localHost, memoryEphemeralPort++)
      const accepted = listener.unsafeOffer({ socket: theirs, remote })
      if (!accepted) return yield* Effect.fail(new TransportError({ reason: "Unreachable", address: key }))
      return ours
    }),
  listen: (host, port, handler) =>
    Effect.gen(function*() {
      const address = addressOf(host, port === 0 ? memoryEphemeralPort++ : port)
      const key = NetAddress.toString(address)
      if (hub.listeners.has(key)) return yield* Effect.fail(new TransportError({ reason: "ListenFailed", address: key }))
      const mailbox = yield* Mailbox.make<Incoming>()
      hub.listeners.set(key, mailbox)
      yield* Effect.addFinalizer(() => Effect.sync(() => {
        hub.listeners.delete(key)
        mailbox.unsafeDone(Effect.void as never)
      }))
      // As over TCP, the connection ends with its handler: one refused without being run
      // (a banned host, no inbound slot left) must not stay open until the dialer times out.
      const close = (socket: Socket.Socket) =>
        Effect.scoped(Effect.flatMap(socket.writer, (write) => Effect.ignore(write(new Socket.CloseEvent(1000)))))
      yield* Mailbox.toStream(mailbox).pipe(
        Stream.runForEach((incoming) => Effect.forkScoped(Effect.ensuring(Effect.scoped(handler(incoming)), close(incoming.socket)))),
        Effect.forkScoped
      )
      return address
    })
})

/**
 * The in-memory transport as a layer.
 *
 * @since 0.1.0
 */
export const layerMemory = (hub: MemoryHub, localHost?: string): Layer.Layer<Transport> =>
  Layer.succeed(Transport, makeMemory(hub, localHost))
