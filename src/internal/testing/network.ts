/**
 * The simulated swarm. Each node's address book is built in the swarm's
 * scope (it survives `kill`, as a peers file would) and its network layer in
 * a scope of its own, so one node can be stopped without the others. Each
 * node dials through its own view of the hub, which refuses dials across a
 * partition.
 */
import * as Clock from "effect/Clock"
import * as Context from "effect/Context"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as Exit from "effect/Exit"
import * as Fiber from "effect/Fiber"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import * as Schedule from "effect/Schedule"
import * as Scope from "effect/Scope"
import * as TestClock from "effect/TestClock"
import * as AddressBook from "../../network/AddressBook.js"
import { Connector } from "../../network/Connector.js"
import { Dispatcher } from "../../network/Dispatcher.js"
import * as DnsResolver from "../../network/DnsResolver.js"
import * as Network from "../../network/Network.js"
import type * as NetworkConfig from "../../network/NetworkConfig.js"
import * as Transport from "../../network/Transport.js"
import * as TestNetwork from "../../testing/TestNetwork.js"
import * as ChainParams from "../../wire/ChainParams.js"
import * as NetAddress from "../../wire/NetAddress.js"

export const PORT = 18444

/** 2023-11-14T22:13:20Z: gossip timestamps must look like real ones. */
const START = 1_700_000_000_000
const DEFAULT_TARGET = 4
const DEFAULT_KEY = Uint8Array.from({ length: 32 }, (_, i) => i + 1)

export const hostOf = (i: number): string => `127.0.${1 + Math.floor(i / 250)}.${1 + (i % 250)}`

export const addressOf = (i: number): NetAddress.NetAddressFields => NetAddress.fromHost(hostOf(i), PORT)!

const hostOfKey = (key: string) => key.slice(0, key.lastIndexOf(":"))

/**
 * The nodes node `i` of a new swarm knows at start: its predecessor, and from
 * node 2 on one more earlier node spread over the swarm (a fixed hash of `i`,
 * so it draws nothing from `Random`), as DNS seeds hand a real node addresses
 * from all over the network. With the predecessor alone every node's
 * outbound peers are its ring neighbours (at most 8 apart among 100): a ring
 * lattice a dozen hops across, over which relays, which die out within a few
 * hops under Core's rules, took a 100-node swarm more than 20 simulated
 * minutes to full address knowledge.
 */
export const defaultSeeds = (i: number): ReadonlyArray<number> => {
  if (i <= 1) return i === 0 ? [] : [0]
  const spread = (Math.imul(i, 0x9e3779b1) >>> 0) % (i - 1)
  return [i - 1, spread]
}

export const simulationConfig = (
  i: number,
  overrides: Partial<NetworkConfig.NetworkConfigShape> = {}
): Partial<NetworkConfig.NetworkConfigShape> => ({
  targetOutbound: DEFAULT_TARGET,
  // Every simulated host is on loopback, which is one inbound group: the swarm stands in for
  // distinct hosts, so the per-group cap is lifted to the inbound limit.
  maxInboundPerGroup: 64,
  // The swarm's addresses are loopback ones: relay them as if routable.
  relayUnroutable: true,
  // Relays every 2 simulated seconds, unjittered, so that a swarm converges within simulated minutes.
  addrTrickleSchedule: Schedule.spaced(Duration.seconds(2)),
  // A swarm bootstraps in simulated seconds: a day-long getaddr cache would freeze the first, near-empty answers.
  getAddrCacheLifetime: Duration.seconds(1),
  retrySchedule: Schedule.spaced(Duration.millis(500)),
  // Every simulated minute, jittered (±20%, from the seeded Random): unjittered, every node re-announces
  // in the same instant, each peer's trickle then carries more than the 10 addresses a receiver relays
  // (Core's rule), and relays die after one hop. Real nodes' timers are not in step.
  advertiseSchedule: Schedule.spaced(Duration.minutes(1)).pipe(Schedule.jittered),
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

export const advanceUntil = <E, R>(
  what: string,
  condition: Effect.Effect<boolean, E, R>,
  options: { readonly step?: Duration.DurationInput; readonly limit?: Duration.DurationInput } = {}
): Effect.Effect<number, E | TestNetwork.TestNetworkError, R> =>
  Effect.gen(function*() {
    const step = Duration.toMillis(Duration.decode(options.step ?? Duration.millis(100)))
    const limit = Duration.toMillis(Duration.decode(options.limit ?? Duration.minutes(5)))
    let elapsed = 0
    for (;;) {
      if (yield* condition) return elapsed
      if (elapsed >= limit) {
        return yield* new TestNetwork.TestNetworkError({ reason: "NotReached", detail: `${what} (within ${limit} ms of simulated time)` })
      }
      yield* TestClock.adjust(Duration.millis(step))
      elapsed += step
    }
  })

export const advanceUntilDone = <A, E, R>(
  what: string,
  effect: Effect.Effect<A, E, R>,
  options: { readonly step?: Duration.DurationInput; readonly limit?: Duration.DurationInput } = {}
): Effect.Effect<A, E | TestNetwork.TestNetworkError, R> =>
  Effect.uninterruptibleMask((restore) =>
    Effect.gen(function*() {
      // A daemon: a fiber's end waits for its forked children, so a child whose cleanup never ends would hang
      // the caller's fiber at its end; this one is ended below on every path out but that one.
      const running = yield* Effect.forkDaemon(restore(effect))
      const done = Effect.map(Fiber.poll(running), Option.isSome)
      // Not done within the limit (or this interrupted): it is interrupted, not left to run on with the clock
      // the caller moves next. Its finalizers may wait on the clock too (a close with a grace period):
      // interrupting and waiting for its end, with nobody moving the clock, would wait forever. So the
      // interruption is only sent, and the clock moved on until the program has ended, for at most one more limit.
      const stop = Effect.zipRight(Fiber.interruptFork(running), Effect.either(advanceUntil(`${what}: its cleanup`, done, options)))
      const reached = yield* restore(Effect.either(advanceUntil(what, done, options))).pipe(Effect.onInterrupt(() => stop))
      if (Either.isLeft(reached)) {
        const cleanup = yield* stop
        return yield* new TestNetwork.TestNetworkError({
          reason: "NotReached",
          detail: Either.isRight(cleanup)
            ? reached.left.detail
            : `${reached.left.detail}; interrupted, it had not ended its cleanup within as long again (left running)`
        })
      }
      return yield* Fiber.join(running)
    })
  )

interface Running {
  readonly node: TestNetwork.TestNode
  readonly scope: Scope.CloseableScope
  readonly target: number
}

export const make = (options: TestNetwork.Options): Effect.Effect<TestNetwork.TestNetwork, Transport.TransportError, Scope.Scope> =>
  Effect.gen(function*() {
    if ((yield* Clock.currentTimeMillis) < START) yield* TestClock.setTime(START)
    const swarmScope = yield* Effect.scope
    const hub = Transport.makeHub()
    const running = new Map<number, Running>()
    const books = new Map<number, Context.Context<AddressBook.AddressBook>>()
    const indexOfHost = new Map<string, number>()
    const configs = new Map<number, Partial<NetworkConfig.NetworkConfigShape>>()
    const seedsOf = new Map<number, ReadonlyArray<number>>()
    let groupOf: Map<number, number> | undefined
    let nextIndex = 0

    const apart = (a: number, b: number | undefined) =>
      groupOf !== undefined && b !== undefined && (groupOf.get(a) ?? -1) !== (groupOf.get(b) ?? -1)

    /** What node `self` dials through: the hub, unless the target is across a partition. */
    const transportOf = (self: number): Transport.TransportShape => {
      const base = Transport.makeMemory(hub, hostOf(self))
      return {
        listen: base.listen,
        reachable: base.reachable,
        dial: (address) =>
          apart(self, indexOfHost.get(NetAddress.hostToString(address)))
            ? Effect.fail(new Transport.TransportError({ reason: "Unreachable", address: NetAddress.toString(address) }))
            : base.dial(address)
      }
    }

    const bookOf = (i: number, fresh: boolean) =>
      Effect.gen(function*() {
        const existing = books.get(i)
        if (existing !== undefined && !fresh) return { context: existing, seeded: true }
        const context = yield* Layer.buildWithScope(AddressBook.layerMemory({ allowLocal: true, key: options.key ?? DEFAULT_KEY }), swarmScope)
        books.set(i, context)
        return { context, seeded: false }
      })

    const start = (i: number, fresh: boolean) =>
      Effect.gen(function*() {
        const scope = yield* Scope.fork(swarmScope, undefined as never)
        const { context: bookContext, seeded } = yield* bookOf(i, fresh)
        const book = Context.get(bookContext, AddressBook.AddressBook)
        const seeds = seedsOf.get(i) ?? []
        if (!seeded && seeds.length > 0) {
          const now = Math.floor((yield* Clock.currentTimeMillis) / 1000)
          yield* book.add(seeds.map((s) => ({ ...addressOf(s), time: now })), "user")
        }
        const config = simulationConfig(i, configs.get(i))
        const layer = Network.layer(config).pipe(
          Layer.provideMerge(Layer.succeedContext(bookContext)),
          Layer.provide(Layer.succeed(Transport.Transport, transportOf(i))),
          // No DNS in a simulation: nodes learn each other from their seeds and gossip.
          Layer.provide(DnsResolver.layerNoop)
        )
        const context = yield* Layer.buildWithScope(layer, scope).pipe(Effect.tapError(() => Scope.close(scope, Exit.void)))
        const connector = Context.get(context, Connector)
        const listening = connector.listenAddress
        const node: TestNetwork.TestNode = {
          index: i,
          host: hostOf(i),
          address: addressOf(i),
          key: listening === undefined ? `${hostOf(i)}:-` : NetAddress.toString(listening),
          connector,
          dispatcher: Context.get(context, Dispatcher),
          book,
          context,
          peers: connector.peers,
          outbound: Effect.map(connector.peers, (ps) => ps.filter((p) => p.direction === "outbound").map((p) => p.remote)),
          known: Effect.map(book.entries, (es) => new Set(es.map((e) => e.key))),
          run: (program) => Effect.provide(program, context)
        }
        running.set(i, { node, scope, target: config.targetOutbound ?? DEFAULT_TARGET })
        return node
      })

    const add = (addOptions: {
      readonly seeds?: ReadonlyArray<number>
      readonly config?: Partial<NetworkConfig.NetworkConfigShape>
    } = {}) =>
      Effect.suspend(() => {
        const i = nextIndex++
        indexOfHost.set(hostOf(i), i)
        seedsOf.set(i, addOptions.seeds ?? (i === 0 ? [] : [0]))
        configs.set(i, addOptions.config ?? {})
        return start(i, true)
      })

    const kill = (i: number) =>
      Effect.suspend(() => {
        const r = running.get(i)
        if (r === undefined) return Effect.void
        running.delete(i)
        return Scope.close(r.scope, Exit.void)
      })

    const cutAcrossPartition = () => Effect.forEach(
      Array.from(running.values()),
      ({ node }) =>
        Effect.flatMap(node.peers, (peers) =>
          Effect.forEach(
            peers.filter((p) => apart(node.index, indexOfHost.get(hostOfKey(p.remote)))),
            (p) => p.disconnect("partition"),
            { discard: true }
          )),
      { discard: true }
    )

    for (let i = 0; i < options.nodes; i++) {
      yield* add({
        seeds: options.seeds?.(i) ?? defaultSeeds(i),
        ...(options.config === undefined ? {} : { config: options.config(i) })
      })
    }

    const live = Effect.sync(() => Array.from(running.values()).sort((a, b) => a.node.index - b.node.index))

    return {
      hub,
      nodes: Effect.map(live, (rs) => rs.map((r) => r.node)),
      node: (i) =>
        Effect.suspend(() => {
          const r = running.get(i)
          return r === undefined
            ? Effect.fail(new TestNetwork.TestNetworkError({ reason: "NoSuchNode", detail: `node ${i} is not running` }))
            : Effect.succeed(r.node)
        }),
      kill,
      restart: (i, restartOptions) => Effect.zipRight(kill(i), start(i, restartOptions?.freshBook === true)),
      add,
      join: (program, joinOptions) =>
        Effect.gen(function*() {
          const node = yield* add(joinOptions)
          const fiber = yield* Effect.forkIn(node.run(program), running.get(node.index)!.scope)
          return { node, fiber }
        }),
      partition: (groups) =>
        Effect.suspend(() => {
          groupOf = new Map(groups.flatMap((g, n) => g.map((i) => [i, n] as const)))
          return cutAcrossPartition()
        }),
      heal: Effect.sync(() => {
        groupOf = undefined
      }),
      advanceUntil,
      atOutboundTarget: (target) =>
        Effect.flatMap(live, (rs) =>
          Effect.map(
            Effect.forEach(rs, (r) => Effect.map(r.node.outbound, (keys) => keys.length === (target ?? r.target))),
            (ok) => ok.every(Boolean)
          )),
      fullyKnown: Effect.flatMap(live, (rs) =>
        Effect.map(Effect.forEach(rs, (r) => r.node.known), (known) =>
          known.every((k, a) => rs.every((other, b) => a === b || k.has(other.node.key)))))
    } satisfies TestNetwork.TestNetwork
  })
