/**
 * A simulated network: N nodes, each running the real network layer
 * (`Network.layer` over an in-memory `AddressBook`) on one shared
 * `Transport.MemoryHub`, in one process and under `TestClock`. Nothing
 * happens between two clock moves but what the messages themselves cause, so
 * a run is the same every time for the same `Random` seed.
 *
 * Node `i` listens on its own loopback host (`127.0.<1 + ⌊i/250⌋>.<1 + i mod 250>`,
 * port 18444) and starts knowing its seeds (by default: node `i - 1` and one
 * earlier node spread over the swarm, as DNS seeds would give). In the
 * address book each loopback host:port is a network group of its own, so
 * nodes of one machine are not limited to one outbound peer among them.
 *
 * - `advanceUntil(what, condition)` moves the clock in steps until a
 *   condition holds, and says how much simulated time it took;
 *   `TestNetwork.advanceUntilDone(what, program)` until a program of yours
 *   (a crawl, a request with a timeout) completes;
 * - `kill(i)` / `restart(i)` stop a node (its peers see `RemoteClosed`) and
 *   start it again at the same address, with its address book by default;
 * - `partition([[0, 1], [2, 3]])` cuts connections between groups and makes
 *   dials across them fail until `heal`;
 * - `node(i).book`, `.connector`, `.dispatcher` inspect a node; `join(program)`
 *   runs your own program as one more node of the swarm.
 *
 * Settings suit a simulation: 4 outbound slots retried every 500 ms, our
 * address re-announced every simulated minute, and the trickle and stall
 * timers (unused here) every 10 minutes, because every `TestClock` wake-up
 * of hundreds of peers costs real time. `config(i)` overrides any of them.
 *
 * @since 0.1.0
 */
import type * as Context from "effect/Context"
import * as Data from "effect/Data"
import type * as Duration from "effect/Duration"
import type * as Effect from "effect/Effect"
import type * as Fiber from "effect/Fiber"
import type * as Scope from "effect/Scope"
import * as internal from "../internal/testing/network.js"
import type * as AddressBook from "../network/AddressBook.js"
import type { Connector } from "../network/Connector.js"
import type { Dispatcher } from "../network/Dispatcher.js"
import type * as Network from "../network/Network.js"
import type * as NetworkConfig from "../network/NetworkConfig.js"
import type * as Transport from "../network/Transport.js"
import type * as Peer from "../peer/Peer.js"
import type * as NetAddress from "../wire/NetAddress.js"

/**
 * A condition was not reached within its limit of simulated time.
 *
 * @since 0.1.0
 * @category errors
 */
export class TestNetworkError extends Data.TaggedError("TestNetworkError")<{
  readonly reason: "NotReached" | "NoSuchNode"
  readonly detail: string
}> {
  override get message(): string {
    return `${this.reason}: ${this.detail}`
  }
}

/**
 * The services a node's program runs with: those of `Network.layer` and the
 * node's address book.
 *
 * @since 0.1.0
 * @category models
 */
export type Services = Network.Services | AddressBook.AddressBook

/**
 * One running node.
 *
 * @since 0.1.0
 * @category models
 */
export interface TestNode {
  readonly index: number
  /** Its loopback host. */
  readonly host: string
  /** Its listen address. */
  readonly address: NetAddress.NetAddressFields
  /** `host:port`, as peers' `remote` and address book keys spell it. */
  readonly key: string
  readonly connector: Connector["Type"]
  readonly dispatcher: Dispatcher["Type"]
  readonly book: AddressBook.AddressBookShape
  readonly context: Context.Context<Services>
  /** Connected peers (handshake complete). */
  readonly peers: Effect.Effect<ReadonlyArray<Peer.Peer>>
  /** `host:port` of its outbound peers. */
  readonly outbound: Effect.Effect<ReadonlyArray<string>>
  /** Keys (`host:port`) of every address in its book. */
  readonly known: Effect.Effect<ReadonlySet<string>>
  /** Runs `program` with this node's services. */
  readonly run: <A, E, R>(program: Effect.Effect<A, E, R>) => Effect.Effect<A, E, Exclude<R, Services>>
}

/**
 * How to build the swarm.
 *
 * @since 0.1.0
 * @category models
 */
export interface Options {
  /** How many nodes start. */
  readonly nodes: number
  /** Indexes of the nodes node `i` knows at start. Default: `defaultSeeds(i)`. */
  readonly seeds?: (index: number) => ReadonlyArray<number>
  /** Network settings of node `i`, over the simulation defaults. */
  readonly config?: (index: number) => Partial<NetworkConfig.NetworkConfigShape>
  /** The address book's bucketing key (fixed by default, so placement is the same every run). */
  readonly key?: Uint8Array
}

/**
 * The swarm.
 *
 * @since 0.1.0
 * @category models
 */
export interface TestNetwork {
  readonly hub: Transport.MemoryHub
  /** The running nodes, by index. */
  readonly nodes: Effect.Effect<ReadonlyArray<TestNode>>
  /** Node `i`, if it runs. */
  readonly node: (index: number) => Effect.Effect<TestNode, TestNetworkError>
  /** Stops node `i`: its listener, peers and fibers end. */
  readonly kill: (index: number) => Effect.Effect<void>
  /** Starts node `i` again at its address; its address book is kept unless `freshBook`. */
  readonly restart: (index: number, options?: { readonly freshBook?: boolean }) => Effect.Effect<TestNode, Transport.TransportError>
  /** Starts one more node knowing `seeds` (default: node 0). */
  readonly add: (options?: {
    readonly seeds?: ReadonlyArray<number>
    readonly config?: Partial<NetworkConfig.NetworkConfigShape>
  }) => Effect.Effect<TestNode, Transport.TransportError>
  /**
   * Runs your program as one more node of the swarm (with `add`'s options),
   * forked in that node's scope: it ends when the node is killed or the
   * swarm's scope closes.
   */
  readonly join: <A, E>(
    program: Effect.Effect<A, E, Services>,
    options?: { readonly seeds?: ReadonlyArray<number>; readonly config?: Partial<NetworkConfig.NetworkConfigShape> }
  ) => Effect.Effect<{ readonly node: TestNode; readonly fiber: Fiber.RuntimeFiber<A, E> }, Transport.TransportError>
  /**
   * Splits the swarm: nodes of different groups are disconnected now and
   * cannot dial each other until `heal`. Nodes in no group form one more.
   */
  readonly partition: (groups: ReadonlyArray<ReadonlyArray<number>>) => Effect.Effect<void>
  /** Ends the partition. */
  readonly heal: Effect.Effect<void>
  /**
   * Moves the `TestClock` in `step`s (default 100 ms) until `condition` holds,
   * at most `limit` (default 5 minutes); returns the simulated milliseconds.
   */
  readonly advanceUntil: <E, R>(
    what: string,
    condition: Effect.Effect<boolean, E, R>,
    options?: { readonly step?: Duration.DurationInput; readonly limit?: Duration.DurationInput }
  ) => Effect.Effect<number, E | TestNetworkError, R>
  /** Whether every running node has `target` outbound peers (default: its `targetOutbound`). */
  readonly atOutboundTarget: (target?: number) => Effect.Effect<boolean>
  /** Whether every running node's book holds every other running node's address. */
  readonly fullyKnown: Effect.Effect<boolean>
}

/**
 * Starts the swarm in the current scope (closing it stops every node). Sets
 * the `TestClock` to 2023-11-14 if it is earlier: the address book distrusts
 * gossip stamped before 1973.
 *
 * @since 0.1.0
 * @category constructors
 */
export const make: (options: Options) => Effect.Effect<TestNetwork, Transport.TransportError, Scope.Scope> = internal.make

/**
 * The loopback host of node `i`.
 *
 * @since 0.1.0
 * @category utils
 */
export const hostOf: (index: number) => string = internal.hostOf

/**
 * The listen address of node `i`.
 *
 * @since 0.1.0
 * @category utils
 */
export const addressOf: (index: number) => NetAddress.NetAddressFields = internal.addressOf

/**
 * The nodes node `i` knows at start by default: its predecessor and, from
 * node 2 on, one earlier node spread over the swarm (a fixed function of
 * `i`), as DNS seeds would give. With the predecessor alone the outbound
 * peers form a ring lattice many hops across, over which Core's relay rules
 * spread addresses too slowly for a big swarm to reach full knowledge.
 *
 * @since 0.3.0
 * @category utils
 */
export const defaultSeeds: (index: number) => ReadonlyArray<number> = internal.defaultSeeds

/**
 * The port every node listens on (regtest's).
 *
 * @since 0.1.0
 * @category constants
 */
export const PORT: number = internal.PORT

/**
 * Moves the `TestClock` in steps until `condition` holds (see
 * `TestNetwork.advanceUntil`); usable without a swarm, e.g. with `TestPeer`.
 *
 * @since 0.1.0
 * @category utils
 */
export const advanceUntil: <E, R>(
  what: string,
  condition: Effect.Effect<boolean, E, R>,
  options?: { readonly step?: Duration.DurationInput; readonly limit?: Duration.DurationInput }
) => Effect.Effect<number, E | TestNetworkError, R> = internal.advanceUntil

/**
 * Runs `effect` while moving the `TestClock` in steps (as `advanceUntil`)
 * until it completes, and returns its result (or its failure); fails with
 * `NotReached` (`what`), interrupting it, when `limit` passes first. For a
 * program whose waits are on the clock (a request's timeout, a retry, a
 * peer's trickle): run directly under `TestClock`, nothing moves the clock
 * for it and it waits forever.
 *
 * Interrupted, the program's finalizers may wait on the clock too (a close
 * with a grace period): the clock goes on moving until it has ended, for at
 * most `limit` again; a cleanup longer than that is left running (it no longer
 * holds up the caller) and the error's detail says so.
 *
 * ```ts
 * const census = yield* TestNetwork.advanceUntilDone("the crawl", crawl(transport, seeds), { step: "1 second" })
 * ```
 *
 * @since 0.2.0
 * @category utils
 */
export const advanceUntilDone: <A, E, R>(
  what: string,
  effect: Effect.Effect<A, E, R>,
  options?: { readonly step?: Duration.DurationInput; readonly limit?: Duration.DurationInput }
) => Effect.Effect<A, E | TestNetworkError, R> = internal.advanceUntilDone

/**
 * The settings a swarm node runs with (see the module doc), over `overrides`.
 *
 * @since 0.1.0
 * @category utils
 */
export const simulationConfig: (
  index: number,
  overrides?: Partial<NetworkConfig.NetworkConfigShape>
) => Partial<NetworkConfig.NetworkConfigShape> = internal.simulationConfig
