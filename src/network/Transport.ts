/**
 * How the network layer opens and accepts connections. The peer itself only
 * needs a `Socket`; this service is where sockets come from, so the same
 * network code runs over TCP, a proxy, or an in-memory simulation.
 *
 * - `NodeTransport.layer` (entry point `effect-bitcoin-p2p/node`): TCP on
 *   Node.js, with a dial timeout.
 * - `layerMemory(hub)`: an in-process network of `MemorySocket` pairs, for
 *   deterministic tests with `TestClock` (no I/O at all).
 *
 * @since 0.1.0
 */
import * as Socket from "@effect/platform/Socket"
import * as Context from "effect/Context"
import * as Data from "effect/Data"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Mailbox from "effect/Mailbox"
import type * as Scope from "effect/Scope"
import * as Stream from "effect/Stream"
import * as MemorySocket from "../peer/MemorySocket.js"
import * as NetAddress from "../wire/NetAddress.js"

/**
 * Why a dial or listen failed.
 *
 * @since 0.1.0
 * @category errors
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
 * @category models
 */
export interface Incoming {
  readonly socket: Socket.Socket
  readonly remote: NetAddress.NetAddressFields
}

/**
 * Opens and accepts connections.
 *
 * @since 0.1.0
 * @category models
 */
export interface TransportShape {
  /**
   * The BIP-0155 networks (`NetAddress.NetworkId`) this transport can dial:
   * IPv4 and IPv6 for TCP, onion and I2P for a proxy that reaches them. The
   * connector picks only addresses on these networks; a dial to another
   * fails with `Unsupported`.
   */
  readonly reachable: ReadonlySet<number>
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
 * @category tags
 */
export class Transport extends Context.Tag("effect-bitcoin-p2p/Transport")<Transport, TransportShape>() {}

const addressOf = (host: string, port: number): NetAddress.NetAddressFields =>
  NetAddress.fromHost(host, port) ?? { services: 0n, network: NetAddress.NetworkId.IPv4, address: new Uint8Array(4), port }

/**
 * An in-process network: listeners register by address, dials connect to
 * them through `MemorySocket` pairs. One hub is one simulated internet.
 *
 * @since 0.1.0
 * @category models
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
 * @category constructors
 */
export const makeHub = (): MemoryHub => ({ listeners: new Map(), unreachable: new Set() })

let memoryEphemeralPort = 40000

/**
 * Options of the in-memory transport.
 *
 * @since 0.1.0
 * @category models
 */
export interface MemoryOptions {
  /** The networks it can dial. Default IPv4 and IPv6. */
  readonly reachable?: ReadonlyArray<number> | undefined
}

/**
 * A transport over a `MemoryHub`. `localHost` is the address this node's
 * outgoing connections appear to come from; `reachable` the networks it can
 * dial (default IPv4 and IPv6, as TCP).
 *
 * @since 0.1.0
 * @category constructors
 */
export const makeMemory = (
  hub: MemoryHub,
  localHost = "127.0.0.1",
  options: MemoryOptions = {}
): TransportShape => {
  const reachable: ReadonlySet<number> = new Set(options.reachable ?? [NetAddress.NetworkId.IPv4, NetAddress.NetworkId.IPv6])
  return {
    reachable,
    dial: (address) =>
      Effect.gen(function*() {
        const key = NetAddress.toString(address)
        if (!reachable.has(address.network)) {
          return yield* Effect.fail(new TransportError({ reason: "Unsupported", address: key }))
        }
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
  }
}

/**
 * The in-memory transport as a layer.
 *
 * @since 0.1.0
 * @category layers
 */
export const layerMemory = (hub: MemoryHub, localHost?: string, options?: MemoryOptions): Layer.Layer<Transport> =>
  Layer.succeed(Transport, makeMemory(hub, localHost, options))

/**
 * Which transport dials each network, as Bitcoin Core's `-proxy`, `-onion`
 * and `-onlynet` (see `route`).
 *
 * @since 0.2.0
 * @category models
 */
export interface Routes {
  /**
   * The transport for each BIP-0155 network (`NetAddress.NetworkId`). A
   * network not listed is unreachable: the connector never picks its
   * addresses and a dial fails `Unsupported`. A transport listed for a
   * network it does not itself reach leaves that network unreachable.
   */
  readonly networks: Readonly<Partial<Record<number, TransportShape>>>
  /** Where `listen` goes: direct TCP for an onion service's target port, say. */
  readonly listen: TransportShape
}

/**
 * One transport per network: e.g. IPv4 and IPv6 direct and Tor v3 through a
 * Tor SOCKS port (Core's `-onion` beside direct connections), or every
 * network through one proxy (Core's `-proxy`). `reachable` is the union of
 * the routed networks each transport reaches; a dial goes to its network's
 * transport, and to no other (a clearnet address is never dialled through a
 * transport meant for onions, nor the other way round).
 *
 * @since 0.2.0
 * @category combinators
 */
export const route = (routes: Routes): TransportShape => {
  const byNetwork = new Map<number, TransportShape>()
  for (const [key, transport] of Object.entries(routes.networks)) {
    const network = Number(key)
    if (transport !== undefined && transport.reachable.has(network)) byNetwork.set(network, transport)
  }
  return {
    reachable: new Set(byNetwork.keys()),
    dial: (address) => {
      const transport = byNetwork.get(address.network)
      return transport === undefined
        ? Effect.fail(new TransportError({ reason: "Unsupported", address: NetAddress.toString(address) }))
        : transport.dial(address)
    },
    listen: routes.listen.listen
  }
}

/**
 * `transport` restricted to `networks` (Core's `-onlynet`, repeatable):
 * other networks become unreachable even if the transport could dial them.
 *
 * @since 0.2.0
 * @category combinators
 */
export const onlyNetworks = (transport: TransportShape, networks: Iterable<number>): TransportShape => {
  const allowed: Partial<Record<number, TransportShape>> = {}
  for (const network of networks) allowed[network] = transport
  return route({ networks: allowed, listen: transport })
}
