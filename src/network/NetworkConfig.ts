/**
 * Settings of the network layer: how many peers to keep, where to listen,
 * which peers to insist on, how to retry and how long to ban. Every field has
 * a documented default.
 *
 * @since 0.1.0
 */
import * as Duration from "effect/Duration"
import * as Schedule from "effect/Schedule"
import type * as NetAddress from "../wire/NetAddress.js"
import type { PeerConfigShape } from "../peer/PeerConfig.js"

/**
 * Which message transport the node speaks (BIP-0324):
 *
 * - `"auto"` (the default, as Bitcoin Core's `-v2transport=1` since 27.0):
 *   we advertise `NODE_P2P_V2`; outbound connections try v2 to manual peers
 *   (`manualPeers`, `addManual`, `connect`) and to addresses that advertise
 *   `NODE_P2P_V2`, v1 to the rest; a v2 attempt that meets a v1 node is
 *   retried once over v1 under BIP-0324's rule and the address loses
 *   `NODE_P2P_V2` in the book; the listener serves v1 and v2 alike.
 * - `"v2"`: v2 only, both ways; no fallback, a v1 remote is refused.
 * - `"v1"`: v1 only, as before BIP-0324; `NODE_P2P_V2` is not advertised.
 *
 * @since 0.2.0
 * @category models
 */
export type TransportMode = "v1" | "v2" | "auto"

/**
 * Admission control of inbound handshakes while v2 is enabled (each v2
 * handshake costs an ECDH before the remote proved anything), after btcd.
 * A handshake is charged when the remote's whole 64-byte key has arrived,
 * just before that ECDH; over the limits the connection is closed with
 * nothing of ours sent. v1 connections are never charged.
 *
 * @since 0.2.0
 * @category models
 */
export interface HandshakeLimits {
  /** Handshakes started per second, overall (a full bucket holds one second's worth). */
  readonly perSecond: number
  /** Handshakes started per second from one /24 (IPv4) or /64 (IPv6). */
  readonly perSubnetPerSecond: number
  /**
   * Key exchanges running at once. One runs from the remote's whole key to
   * our keys derived, within one read (the ECDH here is synchronous), so no
   * value above 0 ever refuses anything; 0 refuses every inbound v2
   * handshake from a guarded peer (local and `noBan` peers are never
   * guarded). Absent by default. (A slot held from a remote's first byte,
   * as before, let four sockets that sent one byte each and stalled keep
   * every v2 initiator out until their handshake deadline.)
   *
   * @deprecated It limits nothing above 0: the rates bound the ECDH work.
   * To refuse inbound v2, use `transportMode: "v1"` (which also stops
   * outbound v2).
   */
  readonly concurrent?: number | undefined
}

/**
 * Network layer configuration.
 *
 * @since 0.1.0
 * @category models
 */
export interface NetworkConfigShape {
  /** Settings for every peer (network parameters, user agent, timeouts, …). */
  readonly peer: Partial<PeerConfigShape>
  /** Outbound peers to keep from the address book. Default 8, as Bitcoin Core's full-relay slots. */
  readonly targetOutbound: number
  /**
   * Most inbound connections (handshaking or connected). When all are taken a
   * newcomer gets a slot by evicting a peer chosen as Bitcoin Core's
   * `SelectNodeToEvict` does, or is refused when every peer is protected.
   * Default 64.
   */
  readonly maxInbound: number
  /**
   * Most inbound connections from one network group (every loopback and
   * local-proxy peer is in one group). A newcomer whose group is full evicts
   * that group's least useful peer, so one host cannot hold the group's slots
   * against a newcomer either. Default 16, a quarter of `maxInbound`.
   */
  readonly maxInboundPerGroup: number
  /**
   * Handshake deadline for inbound connections, shorter than the outbound one
   * (`peer.handshakeTimeout`): a connection that never handshakes holds a slot
   * for at most this long. Default 10 seconds.
   */
  readonly inboundHandshakeTimeout: Duration.Duration
  /** Where to accept inbound connections; none by default (a client need not listen). */
  readonly listen: { readonly host: string; readonly port: number } | undefined
  /** Peers that are always (re)connected, beside the outbound slots. */
  readonly manualPeers: ReadonlyArray<NetAddress.NetAddressFields>
  /** Connect to `manualPeers` only; never pick from the address book. Default false. */
  readonly connectOnly: boolean
  /**
   * Delay between attempts of one outbound slot or manual peer after a failure
   * (or when the book has nothing to offer). Default: exponential from 1 s,
   * doubled each time, capped at 5 minutes, jittered; reset after a success.
   */
  readonly retrySchedule: Schedule.Schedule<unknown>
  /** How long a misbehaving peer's address is banned. Default 24 hours, as Bitcoin Core. */
  readonly banDuration: Duration.Duration
  /**
   * Ban local (loopback) peers that misbehave. Default false: as Bitcoin Core,
   * they are disconnected but never banned, because a Tor hidden service's or
   * any local proxy's inbound peers all arrive from 127.0.0.1 and one of them
   * must not lock out the rest.
   */
  readonly banLocal: boolean
  /**
   * Addresses and CIDR ranges (`"203.0.113.7"`, `"10.0.0.0/8"`, `"2001:db8::/32"`)
   * whose peers are disconnected for misbehaviour but never banned, as Bitcoin
   * Core's `-whitelist=noban@…`. Default none. An entry that does not parse is a defect.
   */
  readonly noBan: ReadonlyArray<string>
  /** Ask new outbound peers for addresses (`getaddr`). Default true. */
  readonly sendGetAddr: boolean
  /** Answer `getaddr` from the address book. Default true. */
  readonly answerGetAddr: boolean
  /** Query DNS seeds when the book holds fewer addresses than this. Default 1,000 (Core seeds when it knows few). */
  readonly dnsSeedThreshold: number
  /**
   * How often the `DnsSeeder` checks whether the book needs seeds, after the
   * check at start. Default every 5 minutes, so a book drained by failures
   * refills without hammering the seeds.
   */
  readonly dnsSeedSchedule: Schedule.Schedule<unknown>
  /** Buffer of each network-wide subscriber before it is cut off. Default 16,384 messages. */
  readonly subscriberBuffer: number
  /**
   * When we listen (or have `externalAddresses`), our address is announced
   * to each outbound peer at connection, and to every peer, inbound ones too
   * (as Bitcoin Core), on this schedule, first resetting which addresses that
   * peer is known to have, so that it keeps spreading after the first relays
   * die out. Default about every 24 hours (jittered), as
   * Bitcoin Core's AVG_LOCAL_ADDRESS_BROADCAST_INTERVAL. Each peer steps it
   * from its connection, one second after connecting (a first advertisement
   * due sooner than that waits for that second).
   */
  readonly advertiseSchedule: Schedule.Schedule<unknown>
  /**
   * How often addresses relayed to a peer are sent (they wait in a queue of at
   * most 1,000 per peer in between). Default about every 30 seconds
   * (jittered), as Bitcoin Core's AVG_ADDRESS_BROADCAST_INTERVAL: a flood
   * from one peer reaches others in few messages, and the timing of a relay
   * does not tell who sent it first.
   */
  readonly addrTrickleSchedule: Schedule.Schedule<unknown>
  /**
   * Relay unroutable addresses (loopback, private ranges) too. Default false:
   * as Bitcoin Core's RelayAddress, only routable addresses are relayed. For
   * test networks on one machine, whose book also takes local addresses.
   */
  readonly relayUnroutable: boolean
  /**
   * How long one `getaddr` answer is reused for every peer asking over the
   * same network, before a new sample is drawn; it lives this long plus up to
   * 2/7 of it more, at random. Default 21 hours, hence 21–27 h as Bitcoin
   * Core's CachedAddrResponse: a 24-byte request cannot make us sample the
   * book (about 30 KB of answer) again and again, and repeated requests
   * cannot map the book.
   */
  readonly getAddrCacheLifetime: Duration.Duration
  /**
   * Our addresses as others reach us, advertised beside the listen address
   * (Core's `-externalip`): e.g. our onion service, `NetAddress.fromHost("….onion", 8333)`,
   * whose Tor configuration forwards to `listen`. An onion (or I2P) address
   * goes only to peers that asked for `addrv2`: `addr` cannot carry it.
   * Default none.
   */
  readonly externalAddresses: ReadonlyArray<NetAddress.NetAddressFields>
  /** v1, v2 or both (see `TransportMode`). Default `"auto"`, as Bitcoin Core. */
  readonly transportMode: TransportMode
  /**
   * In `"auto"` mode, also try v2 first with manual peers (and `connect`),
   * which advertise nothing. Default false: v1-only nodes such as bcoin and
   * bcash ban a host whose connection opens with a v2 key, so the v1 retry
   * would be refused too; turn it on when you know your manual peers speak v2.
   */
  readonly v2ForManualPeers: boolean
  /**
   * Limits on inbound handshakes when `transportMode` is not `"v1"`. Default
   * btcd's rates: 20 per second, 2 per second per /24 or /64 (no `concurrent`:
   * key exchanges run within one read). A v2
   * handshake counts once the remote's whole key is in (see `HandshakeLimits`);
   * v1 connections are not charged. Local
   * peers (unless `banLocal`) and `noBan` ranges are not limited: a refused
   * v2 handshake is closed unanswered, which the remote must take for a v1
   * node (BIP-0324), so the limits would downgrade trusted peers to v1.
   */
  readonly handshakeLimits: HandshakeLimits
}

/**
 * Default retry: exponential from 1 s with jitter, capped at 5 minutes.
 *
 * @since 0.1.0
 * @category defaults
 */
export const defaultRetrySchedule: Schedule.Schedule<unknown> = Schedule.exponential(Duration.seconds(1)).pipe(
  Schedule.jittered,
  Schedule.union(Schedule.spaced(Duration.minutes(5)))
)

/**
 * The defaults, documented on each field.
 *
 * @since 0.1.0
 * @category defaults
 */
export const defaults: NetworkConfigShape = {
  peer: {},
  targetOutbound: 8,
  maxInbound: 64,
  maxInboundPerGroup: 16,
  inboundHandshakeTimeout: Duration.seconds(10),
  listen: undefined,
  manualPeers: [],
  connectOnly: false,
  retrySchedule: defaultRetrySchedule,
  banDuration: Duration.hours(24),
  banLocal: false,
  noBan: [],
  sendGetAddr: true,
  answerGetAddr: true,
  dnsSeedThreshold: 1000,
  dnsSeedSchedule: Schedule.spaced(Duration.minutes(5)),
  subscriberBuffer: 16_384,
  advertiseSchedule: Schedule.spaced(Duration.hours(24)).pipe(Schedule.jittered),
  addrTrickleSchedule: Schedule.spaced(Duration.seconds(30)).pipe(Schedule.jittered),
  relayUnroutable: false,
  getAddrCacheLifetime: Duration.hours(21),
  externalAddresses: [],
  transportMode: "auto",
  v2ForManualPeers: false,
  handshakeLimits: { perSecond: 20, perSubnetPerSecond: 2 }
}

/**
 * Fills a partial config from the defaults.
 *
 * @since 0.1.0
 * @category constructors
 */
export const make = (partial: Partial<NetworkConfigShape> = {}): NetworkConfigShape => ({ ...defaults, ...partial })
