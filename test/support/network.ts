/**
 * Shared helpers of the network layer tests: in-memory nodes on a
 * `Transport.MemoryHub` (each in a scope of its own, so a test can kill one,
 * with a book layer or listen address of the test's choosing), and raw
 * listeners and dials. Addresses, settings and the clock driver are the
 * public kit's (`TestNetwork`); a whole swarm is `TestNetwork.make`.
 *
 * Every address is a loopback one (`127.x.y.z`): in the address book each
 * loopback host:port is a network group of its own, so a swarm on one
 * machine is not limited to one outbound peer.
 */
import * as Context from "effect/Context"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Layer from "effect/Layer"
import * as Mailbox from "effect/Mailbox"
import * as Scope from "effect/Scope"
import * as Stream from "effect/Stream"
import * as TestClock from "effect/TestClock"
import * as AddressBook from "../../src/network/AddressBook.js"
import { Connector, type PeerEvent } from "../../src/network/Connector.js"
import { Dispatcher } from "../../src/network/Dispatcher.js"
import * as DnsResolver from "../../src/network/DnsResolver.js"
import * as MemorySocket from "../../src/peer/MemorySocket.js"
import * as NetAddress from "../../src/wire/NetAddress.js"
import * as Network from "../../src/network/Network.js"
import type * as NetworkConfig from "../../src/network/NetworkConfig.js"
import * as Transport from "../../src/network/Transport.js"
import * as TestNetwork from "../../src/testing/TestNetwork.js"

import { KEY } from "./addressBook.js"

/** The clock start and bucketing key the address book tests use too. */
export { KEY, START } from "./addressBook.js"

/** Node addresses, the port and the settings of the public kit's `TestNetwork`: one definition for both. */
export const PORT = TestNetwork.PORT
export const hostOf = TestNetwork.hostOf
export const addressOf = TestNetwork.addressOf

/** `host:port` of simulated node `i`. */
export const keyOf = (i: number): string => `${hostOf(i)}:${PORT}`

/** A running node and the handles a test needs. */
export interface SimNode {
  readonly index: number
  readonly host: string
  readonly key: string
  readonly scope: Scope.CloseableScope
  readonly connector: Connector["Type"]
  readonly dispatcher: Dispatcher["Type"]
  readonly book: AddressBook.AddressBookShape
  readonly context: Context.Context<Network.Services | AddressBook.AddressBook>
}

/** Settings of simulated nodes: those of `TestNetwork` (4 outbound slots retried every 500 ms, coarse trickle and stall timers). */
export const simConfig = TestNetwork.simulationConfig

/**
 * Starts node `i` on `hub` in a scope of its own (closed with the test's
 * scope, or earlier by `stop`). `seeds` go into its book before the
 * connector starts picking, as a peers file or DNS seed would.
 */
export const startNode = <E = never>(
  hub: Transport.MemoryHub,
  i: number,
  options: {
    readonly seeds?: ReadonlyArray<NetAddress.NetAddressFields>
    readonly config?: Partial<NetworkConfig.NetworkConfigShape>
    readonly book?: Layer.Layer<AddressBook.AddressBook, E>
    /** Listen and dial-from host instead of `hostOf(i)`. */
    readonly host?: string
    /** Listen port instead of `PORT`. */
    readonly port?: number
    /** Services replacing the defaults. */
    readonly replace?: Network.Replacements
    /** The networks this node's transport reaches (default IPv4 and IPv6). */
    readonly reachable?: ReadonlyArray<number>
    /** The seeder's resolver (default: `DnsResolver.layerNoop`, which knows no name). */
    readonly dns?: Layer.Layer<DnsResolver.DnsResolver>
  } = {}
): Effect.Effect<SimNode, Transport.TransportError | E, Scope.Scope> =>
  Effect.gen(function*() {
    const scope = yield* Scope.make()
    yield* Effect.addFinalizer(() => Scope.close(scope, Exit.void))
    const bookLayer = options.book ?? AddressBook.layerMemory({ allowLocal: true, key: KEY })
    // The book is built first (and seeded) so the connector's first pick already sees the seeds.
    const bookContext = yield* Layer.buildWithScope(bookLayer, scope)
    const book = Context.get(bookContext, AddressBook.AddressBook)
    const now = Math.floor((yield* TestClock.currentTimeMillis) / 1000)
    if (options.seeds !== undefined && options.seeds.length > 0) {
      yield* book.add(options.seeds.map((s) => ({ ...s, time: now })), "user")
    }
    const host = options.host ?? hostOf(i)
    const config = simConfig(i, { listen: { host, port: options.port ?? PORT }, ...options.config })
    const network = Network.layer(config, options.replace).pipe(
      Layer.provideMerge(Layer.succeedContext(bookContext)),
      Layer.provide(Transport.layerMemory(hub, host, { reachable: options.reachable })),
      Layer.provide(options.dns ?? DnsResolver.layerNoop)
    )
    const context = yield* Layer.buildWithScope(network, scope)
    const listening = Context.get(context, Connector).listenAddress
    return {
      index: i,
      host,
      key: listening === undefined ? `${host}:-` : NetAddress.toString(listening),
      scope,
      connector: Context.get(context, Connector),
      dispatcher: Context.get(context, Dispatcher),
      book,
      context
    }
  })

/** Closes a node's scope: its listener, peers and fibers end. */
export const stop = (node: SimNode): Effect.Effect<void> => Scope.close(node.scope, Exit.void)

/**
 * Moves the `TestClock` in `step`s until `done` holds or `limit` has passed;
 * returns the simulated milliseconds it took, or dies with `what`.
 */
export const advanceUntil = (
  what: string,
  done: Effect.Effect<boolean>,
  options: { readonly step?: Duration.DurationInput; readonly limit?: Duration.DurationInput } = {}
): Effect.Effect<number> => Effect.orDie(TestNetwork.advanceUntil(what, done, options))

/** Keys of the peers a node is connected to, by direction. */
export const peerKeys = (node: SimNode, direction?: "outbound" | "inbound") =>
  Effect.map(node.connector.peers, (peers) => peers.filter((p) => direction === undefined || p.direction === direction).map((p) => p.remote))

/** Every event a node's connector publishes from now on, collected as they come. */
export const collectEvents = (node: Pick<SimNode, "connector">): Effect.Effect<Array<PeerEvent>, never, Scope.Scope> =>
  Effect.gen(function*() {
    const events: Array<PeerEvent> = []
    const stream = yield* node.connector.subscribeEvents
    yield* Effect.forkScoped(Stream.runForEach(stream, (e) => Effect.sync(() => events.push(e))))
    return events
  })

/**
 * Opens a raw connection to the listener at `key` as if dialled from
 * `from` (a `host:port` of our choosing); returns our end of the socket pair.
 */
export const dialRaw = (hub: Transport.MemoryHub, key: string, from: NetAddress.NetAddressFields) =>
  Effect.gen(function*() {
    const listener = hub.listeners.get(key)
    if (listener === undefined) return yield* Effect.dieMessage(`nothing listens on ${key}`)
    const [ours, theirs] = yield* MemorySocket.makePair()
    if (!listener.unsafeOffer({ socket: theirs, remote: from })) return yield* Effect.dieMessage(`${key} refused the offer`)
    return ours
  })

/**
 * Listens on `key` by hand: every connection dialled there is queued,
 * nothing is answered. The listener goes away with the scope.
 */
export const listenRaw = (hub: Transport.MemoryHub, key: string) =>
  Effect.acquireRelease(
    Effect.gen(function*() {
      const mailbox = yield* Mailbox.make<Transport.Incoming>()
      hub.listeners.set(key, mailbox)
      return mailbox
    }),
    (mailbox) => Effect.sync(() => {
      hub.listeners.delete(key)
      mailbox.unsafeDone(Exit.void)
    })
  )
