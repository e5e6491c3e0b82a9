/**
 * The address book: every peer address we know, where it came from, how our
 * attempts to reach it went, and which hosts are banned. Modelled on Bitcoin
 * Core's addrman (and btcd's addrmgr):
 *
 * - two tables, **new** (heard of) and **tried** (we completed a handshake),
 *   each a fixed grid of buckets × slots; an address's slot is chosen by a
 *   keyed hash of its network group and its source's group, with a secret key
 *   made at creation and persisted, so one operator cannot fill the book;
 * - terrible entries (stamped in the future, unseen for 30 days, 3 attempts
 *   without success, 10 failures and no success for a week) give way first;
 *   gossip never touches the tried table;
 * - `select` draws one address for an outbound connection, biased towards
 *   tried, recently seen and rarely failing ones; `sample` answers `getaddr`;
 * - gossip from each peer is rate limited by a token bucket;
 * - bans expire on the `Clock` and are saved with the book.
 *
 * Times on entries are Unix **seconds** (the unit of `addr` messages); ban
 * times are Unix **milliseconds**. All time comes from `Clock` and all chance
 * from `Random`, so `TestClock` and a seeded `Random` make tests exact.
 *
 * @since 0.1.0
 */
import type * as FileSystem from "@effect/platform/FileSystem"
import * as Context from "effect/Context"
import * as Data from "effect/Data"
import type * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import type * as Option from "effect/Option"
import type * as ChainParams from "../wire/ChainParams.js"
import type { DnsResolver } from "./DnsResolver.js"
import * as netGroupInternal from "../internal/addressBook/netGroup.js"
import * as persist from "../internal/addressBook/persist.js"
import * as seeding from "../internal/addressBook/seeding.js"
import * as service from "../internal/addressBook/service.js"

/**
 * Where an address came from: a DNS seed, the peers file, a peer's `addr` /
 * `addrv2` (`peer:<peer key>`, the key being the peer's `host:port`), the user
 * (an API call), or a manual connection.
 *
 * @since 0.1.0
 * @category models
 */
export type Source = "dns" | "file" | "user" | "manual" | `peer:${string}`

/**
 * An address with a network id (BIP-0155) and a port; what the book keys on.
 *
 * @since 0.1.0
 * @category models
 */
export interface AddressLike {
  readonly network: number
  readonly address: Uint8Array
  readonly port: number
}

/**
 * An address to add: `services` defaults to none and `time` (Unix seconds,
 * when the address was last seen, as gossiped) to now.
 * `NetAddress.TimedNetAddressFields` fits.
 *
 * @since 0.1.0
 * @category models
 */
export interface AddressInput extends AddressLike {
  readonly services?: bigint
  readonly time?: number
}

/**
 * A snapshot of one address book entry.
 *
 * @since 0.1.0
 * @category models
 */
export interface Entry extends AddressLike {
  /** `NetAddress.toString(address)`: the book's key for this address. */
  readonly key: string
  readonly services: bigint
  /** When the network last vouched for it (gossip time or our own contact), Unix seconds. */
  readonly lastSeen: number
  /** Our last connection attempt, Unix seconds; 0 = never. */
  readonly lastAttempt: number
  /** Our last completed handshake, Unix seconds; 0 = never. */
  readonly lastSuccess: number
  /** Attempts since the last success. */
  readonly attempts: number
  /** Failed attempts since the last success. */
  readonly failures: number
  readonly source: Source
  /** In the tried table (a handshake completed), rather than new. */
  readonly tried: boolean
  /** `netGroup(address)`. */
  readonly group: string
}

/**
 * A ban on a host (every port of it).
 *
 * @since 0.1.0
 * @category models
 */
export interface Ban {
  readonly network: number
  readonly address: Uint8Array
  readonly reason: string
  /** Unix milliseconds. */
  readonly createdAt: number
  /** Unix milliseconds. */
  readonly expiresAt: number
}

/**
 * What an `add` did: entries created, entries refreshed, addresses dropped
 * because their slot was held (`collided`), refused (`ignored`: invalid,
 * unroutable without `allowLocal`, banned) or over the peer's rate limit.
 *
 * @since 0.1.0
 * @category models
 */
export interface AddSummary {
  readonly added: number
  readonly updated: number
  readonly collided: number
  readonly ignored: number
  readonly rateLimited: number
}

/**
 * Filters for `select`.
 *
 * @since 0.1.0
 * @category models
 */
export interface SelectOptions {
  /** Keys (`Entry.key`) not to return, e.g. peers we are connected to. */
  readonly excludeKeys?: Iterable<string> | undefined
  /** Network groups not to return: the connector keeps one outbound per group. */
  readonly excludeGroups?: Iterable<string> | undefined
  /** Skip banned hosts (default `true`). */
  readonly excludeBanned?: boolean | undefined
  /** Only these BIP-0155 networks (e.g. no Tor without a proxy). */
  readonly networks?: Iterable<number> | undefined
  /** Only entries advertising all of these service bits. */
  readonly requiredServices?: bigint | undefined
  /** Only the new table (feeler connections). */
  readonly newOnly?: boolean | undefined
}

/**
 * Counters for monitoring.
 *
 * @since 0.1.0
 * @category models
 */
export interface Stats {
  readonly size: number
  readonly new: number
  readonly tried: number
  /** Buckets × slots of both tables: the most entries the book can hold. */
  readonly capacity: number
  readonly bans: number
  /** Gossiped addresses dropped by the per-peer rate limit since start. */
  readonly rateLimited: number
  /** Good addresses that stayed in new because their tried slot held a live entry. */
  readonly triedCollisions: number
}

/**
 * Table geometry. Core's defaults; smaller sizes suit tests and embedded use.
 *
 * @since 0.1.0
 * @category models
 */
export interface TableOptions {
  /** Default 1024. */
  readonly newBuckets?: number
  /** Default 256. */
  readonly triedBuckets?: number
  /** Slots per bucket; default 64. */
  readonly bucketSize?: number
  /** New buckets one source group can reach; default 64. */
  readonly newBucketsPerSourceGroup?: number
  /** Tried buckets one address group can reach; default 8. */
  readonly triedBucketsPerGroup?: number
}

/**
 * Options shared by every constructor.
 *
 * @since 0.1.0
 * @category models
 */
export interface Options {
  /**
   * Accept valid but unroutable addresses: loopback, private and link-local
   * ranges (default `false`). Needed for regtest swarms on one machine.
   */
  readonly allowLocal?: boolean | undefined
  /** The 32-byte bucketing key of a new book (default: 32 bytes from Web Crypto). A loaded book keeps its own. */
  readonly key?: Uint8Array | undefined
  readonly tables?: TableOptions | undefined
  /** Per-peer gossip limit: tokens refilled per second (default 0.1) and bucket size (default 1000), as in Core. */
  readonly rateLimit?: { readonly perSecond?: number | undefined; readonly burst?: number | undefined } | undefined
}

/**
 * Options of the persistent book.
 *
 * @since 0.1.0
 * @category models
 */
export interface PersistentOptions extends Options {
  /** The JSON file; its directory must exist. */
  readonly path: string
  /** How often to save a changed book (default 15 minutes, as Core). */
  readonly saveInterval?: Duration.DurationInput | undefined
}

/**
 * Why the book could not load or save, or a peers file could not be read.
 *
 * @since 0.1.0
 * @category errors
 */
export class AddressBookError extends Data.TaggedError("AddressBookError")<{
  readonly reason: "LoadFailed" | "SaveFailed" | "PeersFileFailed"
  readonly path: string
  readonly cause?: unknown
}> {
  override get message(): string {
    const cause = this.cause instanceof Error ? `: ${this.cause.message}` : ""
    return `${this.reason} ${this.path}${cause}`
  }
}

/**
 * The address book's operations. Addresses are identified by
 * `NetAddress.toString` (`host:port`); bans by host.
 *
 * @since 0.1.0
 * @category models
 */
export interface AddressBookShape {
  /** Adds addresses from a trusted or seeding source (no rate limit). */
  readonly add: (addresses: Iterable<AddressInput>, source: Source) => Effect.Effect<AddSummary>
  /**
   * Adds gossip from a peer. A token bucket per peer limits how many are
   * processed; the rest are dropped and counted. Gossiped times in the
   * future or before 1973 become "5 days ago", others get a 2-hour penalty.
   * `relayOnly` more addresses of the same message are relayed but not
   * stored (networks we cannot reach): they cost tokens as well, after
   * `addresses`, and count in `rateLimited` when dropped, so that the caller
   * relays only `addresses.length + relayOnly - rateLimited` of them.
   */
  readonly addFromPeer: (peerKey: string, addresses: ReadonlyArray<AddressInput>, relayOnly?: number) => Effect.Effect<AddSummary>
  /** Drops the rate-limit state of a disconnected peer. */
  readonly forgetPeer: (peerKey: string) => Effect.Effect<void>
  readonly get: (address: AddressLike) => Effect.Effect<Option.Option<Entry>>
  readonly remove: (address: AddressLike) => Effect.Effect<boolean>
  /** We are about to connect: one more attempt. */
  readonly markAttempt: (address: AddressLike) => Effect.Effect<void>
  /** The address answered (the peer is alive): refresh `lastSeen`. */
  readonly markConnected: (address: AddressLike) => Effect.Effect<void>
  /** Handshake completed: reset failures, move to the tried table. */
  readonly markGood: (address: AddressLike) => Effect.Effect<void>
  /** The connection or handshake failed. */
  readonly markFailed: (address: AddressLike) => Effect.Effect<void>
  /**
   * Clears service bits of a known address: the connector clears
   * `NODE_P2P_V2` when a v2 attempt met a v1 node (as Bitcoin Core), so the
   * next connection goes straight to v1. Gossip may set the bits again.
   */
  readonly clearServices: (address: AddressLike, services: bigint) => Effect.Effect<void>
  /** One address for an outbound connection, or `None` if nothing qualifies. */
  readonly select: (options?: SelectOptions) => Effect.Effect<Option.Option<Entry>>
  /** For `getaddr`: random, non-terrible, unbanned, at most `max` (default 1000) and 23% of the book. */
  readonly sample: (max?: number) => Effect.Effect<ReadonlyArray<Entry>>
  /** Every entry (for inspection; O(size)). */
  readonly entries: Effect.Effect<ReadonlyArray<Entry>>
  readonly ban: (host: Omit<AddressLike, "port">, duration: Duration.DurationInput, reason: string) => Effect.Effect<void>
  readonly unban: (host: Omit<AddressLike, "port">) => Effect.Effect<void>
  readonly isBanned: (host: Omit<AddressLike, "port">) => Effect.Effect<boolean>
  /** Bans still in force. */
  readonly bans: Effect.Effect<ReadonlyArray<Ban>>
  readonly size: Effect.Effect<number>
  readonly stats: Effect.Effect<Stats>
  /** Writes the book now (a no-op for `layerMemory`). */
  readonly save: Effect.Effect<void, AddressBookError>
}

/**
 * The address book service.
 *
 * @since 0.1.0
 * @category tags
 */
export class AddressBook extends Context.Tag("effect-bitcoin-p2p/AddressBook")<AddressBook, AddressBookShape>() {}

/**
 * The network group of an address: `ipv4:a.b` (/16), `ipv6:xxxx:xxxx` (/32;
 * 6to4 and Teredo by their embedded IPv4, Hurricane Electric by /36),
 * `tor:<4 bits>`, `i2p:<4 bits>`, `cjdns:<4 bits>`; `local:<host:port>` for
 * loopback and `unroutable:<host>` for other non-routable addresses (each its
 * own group, so a local swarm is not limited to one outbound), `invalid`
 * otherwise. Addresses in one group are assumed to share an operator.
 *
 * @since 0.1.0
 * @category utils
 */
export const netGroup: (address: AddressLike) => string = netGroupInternal.netGroup

/**
 * Valid and reachable on the public network: not loopback, private,
 * link-local, documentation, multicast or reserved. Tor v3, I2P and CJDNS
 * addresses are routable.
 *
 * @since 0.1.0
 * @category predicates
 */
export const isRoutable: (address: AddressLike) => boolean = netGroupInternal.isRoutable

/**
 * Well-formed: a known, connectable network with the right length, a port
 * (I2P excepted), not `0.0.0.0`/`::`/broadcast.
 *
 * @since 0.1.0
 * @category predicates
 */
export const isValid: (address: AddressLike) => boolean = netGroupInternal.isValid

/**
 * Builds an in-memory book.
 *
 * @since 0.1.0
 * @category constructors
 */
export const make: (options?: Options) => Effect.Effect<AddressBookShape> = (options = {}) =>
  Effect.map(service.make(options), (book) => book.service)

/**
 * An in-memory book, for tests and short-lived tools.
 *
 * @since 0.1.0
 * @category layers
 */
export const layerMemory = (options: Options = {}): Layer.Layer<AddressBook> => Layer.effect(AddressBook, make(options))

/**
 * A book persisted to `options.path`: loaded at start (a missing file is an
 * empty book, a corrupt one is moved aside), saved every `saveInterval` when
 * changed and when the layer's scope closes, atomically.
 *
 * @since 0.1.0
 * @category layers
 */
export const layer = (options: PersistentOptions): Layer.Layer<AddressBook, AddressBookError, FileSystem.FileSystem> =>
  Layer.scoped(
    AddressBook,
    persist.make(options, (reason, cause) => new AddressBookError({ reason, path: options.path, cause }))
  )

/**
 * Loads a peers file (one `host:port` per line, `[ipv6]:port` for IPv6, a
 * bare host takes `defaultPort`, `#` starts a comment) into the book with
 * source `file`. Malformed lines are skipped with a warning.
 *
 * @since 0.1.0
 * @category seeding
 */
export const loadPeersFile = (
  path: string,
  options: { readonly defaultPort?: number | undefined } = {}
): Effect.Effect<AddSummary, AddressBookError, AddressBook | FileSystem.FileSystem> =>
  Effect.flatMap(AddressBook, (book) =>
    seeding.loadPeersFile(book, path, options.defaultPort).pipe(
      Effect.mapError((cause) => new AddressBookError({ reason: "PeersFileFailed", path, cause }))
    ))

/**
 * Asks the network's DNS seeds for addresses, but only while the book holds
 * fewer than `threshold` entries (default 1000, the point below which btcd
 * asks for more addresses). Seeds are queried concurrently; a failing seed is
 * logged and skipped. Results get the network's default port, the services
 * of a full node of the network (`params.fullNodeServices`: NODE_NETWORK |
 * NODE_WITNESS on Bitcoin, NODE_NETWORK | NODE_BITCOIN_CASH on Bitcoin Cash,
 * NODE_NETWORK alone on Dogecoin), a `lastSeen` 3 to 7 days ago and source `dns`.
 *
 * @since 0.1.0
 * @category seeding
 */
export const seedFromDns = (
  params: ChainParams.ChainParams,
  options: { readonly threshold?: number | undefined } = {}
): Effect.Effect<AddSummary, never, AddressBook | DnsResolver> =>
  Effect.flatMap(AddressBook, (book) => seeding.seedFromDns(book, params, options.threshold ?? 1000))
