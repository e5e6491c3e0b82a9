/**
 * Shared helpers of the network layer tests: in-memory nodes on a
 * `Transport.MemoryHub` (each in a scope of its own, so a test can kill one),
 * a clock driver for `TestClock`, and waiting helpers.
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
import * as Schedule from "effect/Schedule"
import * as Scope from "effect/Scope"
import * as Stream from "effect/Stream"
import * as TestClock from "effect/TestClock"
import * as AddressBook from "../../src/network/AddressBook.js"
import * as ChainParams from "../../src/wire/ChainParams.js"
import { Connector, type PeerEvent } from "../../src/network/Connector.js"
import { Dispatcher } from "../../src/network/Dispatcher.js"
import * as DnsResolver from "../../src/network/DnsResolver.js"
import * as MemorySocket from "../../src/peer/MemorySocket.js"
import * as NetAddress from "../../src/wire/NetAddress.js"
import * as Network from "../../src/network/Network.js"
import type * as NetworkConfig from "../../src/network/NetworkConfig.js"
import * as Transport from "../../src/network/Transport.js"

/** 2023-11-14T22:13:20Z: gossip timestamps must look like real ones (the book distrusts times before 1973). */
export const START = 1_700_000_000_000

/** The regtest P2P port; every simulated node listens on it, on its own loopback host. */
export const PORT = 18444

/** A fixed bucketing key, so bucket placement is the same on every run. */
export const KEY = Uint8Array.from({ length: 32 }, (_, i) => i + 1)

/** The loopback host of simulated node `i`: 127.0.<hi>.<lo>, never 127.0.0.1 (left for ad-hoc clients). */
export const hostOf = (i: number): string => `127.0.${1 + Math.floor(i / 250)}.${1 + (i % 250)}`

/** The listen address of simulated node `i`. */
export const addressOf = (i: number): NetAddress.NetAddressFields => NetAddress.fromHost(hostOf(i), PORT)!

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

/**
 * Settings of simulated nodes: regtest, 4 outbound slots retried every
 * 500 ms. The trickle and stall timers, which these tests do not use, tick
 * every 10 minutes instead of every 10–15 s: each `TestClock` wake-up costs
 * a few milliseconds of real time, and a swarm has hundreds of peers.
 */
export const simConfig = (i: number, overrides: Partial<NetworkConfig.NetworkConfigShape> = {}): Partial<NetworkConfig.NetworkConfigShape> => ({
  targetOutbound: 4,
  // Every simulated host is on loopback, which is one inbound group: the swarm stands in for
  // distinct hosts, so the per-group cap is lifted to the inbound limit.
  maxInboundPerGroup: 64,
  // The swarm's addresses are loopback ones: relay them as if routable.
  relayUnroutable: true,
  // Relays every 2 simulated seconds, unjittered, so that a swarm converges within the tests' budgets.
  addrTrickleSchedule: Schedule.spaced(Duration.seconds(2)),
  // A swarm bootstraps in simulated seconds: a day-long getaddr cache would freeze the first, near-empty answers.
  getAddrCacheLifetime: Duration.seconds(1),
  retrySchedule: Schedule.spaced(Duration.millis(500)),
  // Re-announce our address every simulated minute (about daily by default) so a swarm converges quickly.
  advertiseSchedule: Schedule.spaced(Duration.minutes(1)),
  listen: { host: hostOf(i), port: PORT },
  ...overrides,
  peer: {
    params: ChainParams.regtest,
    userAgentName: `sim-${i}`,
    trickleSchedule: Schedule.spaced(Duration.minutes(10)),
    stallTickInterval: Duration.minutes(10),
    ...overrides.peer
  }
})

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
 * returns the simulated milliseconds it took, or fails with `what`.
 */
export const advanceUntil = (
  what: string,
  done: Effect.Effect<boolean>,
  options: { readonly step?: Duration.DurationInput; readonly limit?: Duration.DurationInput } = {}
): Effect.Effect<number> =>
  Effect.gen(function*() {
    const step = Duration.toMillis(Duration.decode(options.step ?? Duration.millis(100)))
    const limit = Duration.toMillis(Duration.decode(options.limit ?? Duration.minutes(5)))
    let elapsed = 0
    for (;;) {
      if (yield* done) return elapsed
      if (elapsed >= limit) return yield* Effect.dieMessage(`not reached within ${limit} ms of simulated time: ${what}`)
      yield* TestClock.adjust(Duration.millis(step))
      elapsed += step
    }
  })

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
