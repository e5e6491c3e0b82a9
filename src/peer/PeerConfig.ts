/**
 * Everything a peer can be told, with a documented default for each field
 * and the reason for it. Timeouts and intervals are `Duration`s and
 * `Schedule`s, never literals inside fiber code, so tests can drive every one
 * of them with `TestClock.adjust`.
 *
 * @since 0.1.0
 */
import * as Config from "effect/Config"
import * as Context from "effect/Context"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Schedule from "effect/Schedule"
import * as ChainParams from "../wire/ChainParams.js"
import { BoundedSet } from "../internal/peer/BoundedSet.js"
import { ByteBudget } from "../internal/peer/PreHandshake.js"
import * as PlainSchedule from "../internal/peer/plainSchedule.js"
import * as ServiceFlags from "../wire/ServiceFlags.js"

/**
 * Requests that expect a reply, and how long the remote has to send it.
 * Keyed by the command sent; each entry lists the commands that answer it.
 *
 * @since 0.1.0
 * @category models
 */
export interface StallRule {
  readonly replies: ReadonlyArray<string>
  readonly timeout: Duration.Duration
}

/**
 * What to do when the outbound queue would exceed its byte bound.
 *
 * @since 0.1.0
 * @category models
 */
export type QueueOverflowPolicy =
  /** Disconnect the peer (its queued senders learn why). The default: a peer that does not read is useless. */
  | "disconnect"
  /** Fail only the send that did not fit, and keep the connection. */
  | "fail-send"

/**
 * Peer configuration.
 *
 * @since 0.1.0
 * @category models
 */
export interface PeerConfigShape {
  /** Network parameters: magic, frame cap, protocol versions. Default: mainnet. */
  readonly params: ChainParams.ChainParams
  /** User agent name, version and comments, sent as `/name:version(comments)/` (BIP-0014). */
  readonly userAgentName: string
  readonly userAgentVersion: string
  readonly userAgentComments: ReadonlyArray<string>
  /** Services we advertise. Default none: a light client serves nothing. */
  readonly services: ServiceFlags.ServiceFlags
  /** Highest protocol version we speak. Default: `params.protocolVersion` (70016). */
  readonly protocolVersion: number
  /**
   * Lowest protocol version we accept. Default: `params.minProtocolVersion`
   * (31800, as Bitcoin Core's `MIN_PEER_PROTO_VERSION`; every feature is
   * gated by the negotiated version). Raise it (70012 for `sendheaders`,
   * say) to refuse older clients.
   */
  readonly minProtocolVersion: number
  /** Height we announce in `version`; called at handshake time. Default 0. */
  readonly startHeight: Effect.Effect<number>
  /** Whether the remote should relay transactions to us (BIP-0037 relay flag). Default true. */
  readonly relay: boolean
  /** When to ping. Default: every 2 minutes, as btcd and Bitcoin Core. */
  readonly pingSchedule: Schedule.Schedule<unknown>
  /** How long to wait for a pong before disconnecting. Default 20 minutes, Bitcoin Core's TIMEOUT_INTERVAL. */
  readonly pongTimeout: Duration.Duration
  /** Disconnect when nothing at all is received for this long. Default 5 minutes (btcd's idleTimeout). */
  readonly idleTimeout: Duration.Duration
  /** Disconnect when version/verack is not completed in this time. Default 30 s (btcd's negotiateTimeout). */
  readonly handshakeTimeout: Duration.Duration
  /** Stall table: request command → replies and timeout. Default after btcd: 30 s base, getheaders 3x. */
  readonly stallRules: Readonly<Record<string, StallRule>>
  /** How often stall deadlines are checked. Default 15 s (btcd's stallTickInterval). */
  readonly stallTickInterval: Duration.Duration
  /** How often queued inventory is flushed. Default 10 s with jitter (btcd's trickleTimeout). */
  readonly trickleSchedule: Schedule.Schedule<unknown>
  /** Most inventory vectors in one trickled `inv`. Default 1,000 (Bitcoin Core's INVENTORY_BROADCAST_MAX). */
  readonly maxInvPerBatch: number
  /** Inventory hashes remembered per peer so nothing is announced twice. Default 1,000 (btcd's maxKnownInventory). */
  readonly knownInventorySize: number
  /**
   * Outbound queue bound in bytes. Each queued message counts its encoded
   * bytes plus 192 bytes for its bookkeeping, so a backlog of small messages
   * (pongs to a remote that pings and never reads) is bounded by the memory
   * it holds, not only by its wire bytes. Default 16 MiB: four full blocks.
   */
  readonly maxQueuedBytes: number
  /** What happens when the bound would be exceeded. Default `"disconnect"`. */
  readonly queueOverflow: QueueOverflowPolicy
  /** Messages buffered per subscriber before it is cut off (its stream fails with `SubscriberLagged`). Default 4,096. */
  readonly subscriberBuffer: number
  /**
   * Bytes buffered per subscriber before it is cut off, as for
   * `subscriberBuffer`. Default 8 MiB: two messages of the largest size
   * (4 MB, a block), so a subscriber still taking one block has room for the
   * next; a peer holds at most this per subscriber however small its messages.
   */
  readonly subscriberBufferBytes: number
  /**
   * Most bytes one peer may make us hold before its handshake completes
   * (messages delivered before `verack`, a partial frame, bytes not yet
   * decoded); more disconnects it (`PreHandshakeOverflow`). Default 64 KiB:
   * an honest peer sends under 1 KiB before `verack` (a v2 transport's
   * garbage adds at most 4 KiB), while a flooder is cut off after 64 KiB
   * rather than holding 4 MB frames until the handshake timeout.
   */
  readonly maxPreHandshakeBytes: number
  /**
   * The budget all peers' pre-handshake bytes count against together. The
   * network layer gives its peers one (`makeByteBudget`); when undefined (the
   * default) each peer gets its own of `DEFAULT_PRE_HANDSHAKE_BUDGET` bytes.
   * Past it, a peer holding more than 8 KiB is disconnected; smaller ones (an
   * honest handshake) still get in.
   */
  readonly preHandshakeBudget: PreHandshakeBudget | undefined
  /** Announce `sendheaders` after the handshake (BIP-0130). Default true. */
  readonly announceSendHeaders: boolean
  /** Announce `sendaddrv2` before verack (BIP-0155). Default true. */
  readonly announceSendAddrV2: boolean
  /** Announce `wtxidrelay` before verack (BIP-0339). Default false: a light client relays nothing. */
  readonly announceWtxidRelay: boolean
  /** Send `feefilter` with this rate (sat/kvB) after the handshake (BIP-0133). Default: not sent. */
  readonly feeFilter: bigint | undefined
  /** Default timeout of `request` when the stall table has no rule for the command. Default 30 s. */
  readonly requestTimeout: Duration.Duration
  /**
   * Where the nonces of our `version` messages are remembered to detect
   * connections to ourselves. Default: one registry for the whole process.
   * Give each simulated node its own (`makeNonceRegistry()`) when several
   * nodes run in one process and connect to each other.
   */
  readonly nonceRegistry: NonceRegistry
}

/**
 * A byte budget shared by peers (`makeByteBudget`): what they hold before
 * their handshakes, counted together.
 *
 * @since 0.3.0
 * @category models
 */
export interface PreHandshakeBudget {
  /** Bytes held now, by all the peers that share it. */
  readonly used: number
  /** The bound. */
  readonly limit: number
}

/**
 * Default size of the shared pre-handshake budget: 2 MiB, 32 peers at the
 * per-peer bound. Small on purpose: pre-handshake bytes are untrusted and an
 * honest handshake needs under 1 KiB.
 *
 * @since 0.3.0
 * @category defaults
 */
export const DEFAULT_PRE_HANDSHAKE_BUDGET = 2 * 1024 * 1024

/**
 * A shared pre-handshake byte budget for the peers of one node (give it to
 * every peer's config as `preHandshakeBudget`).
 *
 * @since 0.3.0
 * @category constructors
 */
export const makeByteBudget = (limit: number = DEFAULT_PRE_HANDSHAKE_BUDGET): PreHandshakeBudget => new ByteBudget(limit)

/**
 * Recent `version` nonces of one node (bounded: the last 1,000).
 *
 * @since 0.1.0
 * @category models
 */
export interface NonceRegistry {
  readonly add: (nonce: bigint) => void
  readonly has: (nonce: bigint) => boolean
  readonly clear: () => void
}

/**
 * A fresh nonce registry, for a node of its own.
 *
 * @since 0.1.0
 * @category constructors
 */
export const makeNonceRegistry = (capacity = 1000): NonceRegistry => {
  const set = new BoundedSet<bigint>(capacity)
  return { add: (n) => set.add(n), has: (n) => set.has(n), clear: () => set.clear() }
}

/**
 * The process-wide registry used by default.
 *
 * @since 0.1.0
 * @category constants
 */
export const processNonceRegistry: NonceRegistry = makeNonceRegistry()

const BASE_STALL = Duration.seconds(30)

/**
 * The default stall table, after btcd's `maybeAddDeadline`: a request that
 * expects a reply must get it in 30 s, `getheaders` in 90 s (3x: answering
 * it means reading the index), `getdata` in 30 s per request.
 *
 * @since 0.1.0
 * @category constants
 */
export const defaultStallRules: Readonly<Record<string, StallRule>> = {
  getblocks: { replies: ["inv"], timeout: BASE_STALL },
  getheaders: { replies: ["headers"], timeout: Duration.times(BASE_STALL, 3) },
  getdata: { replies: ["block", "merkleblock", "tx", "notfound", "cmpctblock"], timeout: BASE_STALL },
  mempool: { replies: ["inv"], timeout: BASE_STALL },
  getcfilters: { replies: ["cfilter"], timeout: BASE_STALL },
  getcfheaders: { replies: ["cfheaders"], timeout: BASE_STALL },
  getcfcheckpt: { replies: ["cfcheckpt"], timeout: BASE_STALL },
  getblocktxn: { replies: ["blocktxn"], timeout: BASE_STALL }
}

/**
 * The defaults, documented on each field of `PeerConfigShape`.
 *
 * @since 0.1.0
 * @category constants
 */
export const defaults: PeerConfigShape = {
  params: ChainParams.mainnet,
  userAgentName: "effect-bitcoin-p2p",
  userAgentVersion: "0.1.0",
  userAgentComments: [],
  services: ServiceFlags.NONE,
  protocolVersion: ChainParams.mainnet.protocolVersion,
  minProtocolVersion: ChainParams.mainnet.minProtocolVersion,
  startHeight: Effect.succeed(0),
  relay: true,
  pingSchedule: PlainSchedule.spaced(Duration.minutes(2)),
  pongTimeout: Duration.minutes(20),
  idleTimeout: Duration.minutes(5),
  handshakeTimeout: Duration.seconds(30),
  stallRules: defaultStallRules,
  stallTickInterval: Duration.seconds(15),
  trickleSchedule: PlainSchedule.spaced(Duration.seconds(10), { min: 0.8, max: 1.2 }),
  maxInvPerBatch: 1000,
  knownInventorySize: 1000,
  maxQueuedBytes: 16 * 1024 * 1024,
  queueOverflow: "disconnect",
  subscriberBuffer: 4096,
  subscriberBufferBytes: 8 * 1024 * 1024,
  maxPreHandshakeBytes: 64 * 1024,
  preHandshakeBudget: undefined,
  announceSendHeaders: true,
  announceSendAddrV2: true,
  announceWtxidRelay: false,
  feeFilter: undefined,
  requestTimeout: Duration.seconds(30),
  nonceRegistry: processNonceRegistry
}

/**
 * Fills a partial config from the defaults. When `params` is given, the
 * protocol versions default to that network's.
 *
 * @since 0.1.0
 * @category constructors
 */
export const make = (partial: Partial<PeerConfigShape> = {}): PeerConfigShape => {
  const params = partial.params ?? defaults.params
  return {
    ...defaults,
    protocolVersion: params.protocolVersion,
    minProtocolVersion: params.minProtocolVersion,
    ...partial
  }
}

/**
 * The user agent string in BIP-0014 form: `/name:version(comment; comment)/`.
 *
 * @since 0.1.0
 * @category utils
 */
export const userAgent = (c: Pick<PeerConfigShape, "userAgentName" | "userAgentVersion" | "userAgentComments">): string =>
  `/${c.userAgentName}:${c.userAgentVersion}${c.userAgentComments.length > 0 ? `(${c.userAgentComments.join("; ")})` : ""}/`

/**
 * The peer configuration as a service, for applications that set it once.
 *
 * @since 0.1.0
 * @category tags
 */
export class PeerConfig extends Context.Tag("effect-bitcoin-p2p/PeerConfig")<PeerConfig, PeerConfigShape>() {}

/**
 * A layer with the given overrides.
 *
 * @since 0.1.0
 * @category layers
 */
export const layer = (partial: Partial<PeerConfigShape> = {}): Layer.Layer<PeerConfig> =>
  Layer.succeed(PeerConfig, make(partial))

/**
 * Reads the scalar settings from `Config` (environment by default):
 * `PEER_NETWORK`, `PEER_USER_AGENT_NAME`, `PEER_PING_INTERVAL`, `PEER_IDLE_TIMEOUT`,
 * `PEER_HANDSHAKE_TIMEOUT`, `PEER_MAX_QUEUED_BYTES`; the rest take `partial` or defaults.
 *
 * @since 0.1.0
 * @category layers
 */
export const layerConfig = (partial: Partial<PeerConfigShape> = {}): Layer.Layer<PeerConfig, import("effect/ConfigError").ConfigError> =>
  Layer.effect(
    PeerConfig,
    Effect.gen(function*() {
      const network = yield* Config.literal("mainnet", "testnet3", "testnet4", "signet", "regtest")("PEER_NETWORK").pipe(
        Config.withDefault(partial.params?.name ?? "mainnet")
      )
      const name = yield* Config.string("PEER_USER_AGENT_NAME").pipe(Config.withDefault(partial.userAgentName ?? defaults.userAgentName))
      const ping = yield* Config.duration("PEER_PING_INTERVAL").pipe(Config.option)
      const idle = yield* Config.duration("PEER_IDLE_TIMEOUT").pipe(Config.withDefault(partial.idleTimeout ?? defaults.idleTimeout))
      const handshake = yield* Config.duration("PEER_HANDSHAKE_TIMEOUT").pipe(
        Config.withDefault(partial.handshakeTimeout ?? defaults.handshakeTimeout)
      )
      const maxQueued = yield* Config.integer("PEER_MAX_QUEUED_BYTES").pipe(
        Config.withDefault(partial.maxQueuedBytes ?? defaults.maxQueuedBytes)
      )
      return make({
        ...partial,
        params: ChainParams.byName[network] ?? partial.params ?? defaults.params,
        userAgentName: name,
        idleTimeout: idle,
        handshakeTimeout: handshake,
        maxQueuedBytes: maxQueued,
        ...(ping._tag === "Some" ? { pingSchedule: PlainSchedule.spaced(ping.value) } : {})
      })
    })
  )
