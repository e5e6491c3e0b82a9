/**
 * The connector keeps the node connected: it holds `targetOutbound` peers
 * picked from the address book (at most one per network group, so that one
 * operator cannot surround us), replaces any that disconnect after a backoff,
 * keeps manual peers connected, accepts inbound peers up to a limit, and bans
 * the addresses of peers that misbehave.
 *
 * @since 0.1.0
 */
import * as Context from "effect/Context"
import * as Data from "effect/Data"
import type * as Effect from "effect/Effect"
import type * as Scope from "effect/Scope"
import type * as Stream from "effect/Stream"
import type { DisconnectReason, PeerError } from "../peer/DisconnectReason.js"
import type * as NetAddress from "../wire/NetAddress.js"
import type { Direction, HandshakeInfo, Peer } from "../peer/Peer.js"
import type { TransportError } from "./Transport.js"

/**
 * A peer's arrival or departure.
 *
 * @since 0.1.0
 */
export type PeerEvent = Data.TaggedEnum<{
  Connected: { readonly peer: Peer; readonly info: HandshakeInfo; readonly manual: boolean }
  Disconnected: {
    readonly id: number
    readonly remote: string
    readonly direction: Direction
    readonly reason: DisconnectReason
    readonly banned: boolean
  }
}>

/**
 * Constructors and matchers for `PeerEvent`.
 *
 * @since 0.1.0
 */
export const PeerEvent = Data.taggedEnum<PeerEvent>()

/**
 * The connector.
 *
 * @since 0.1.0
 */
export interface ConnectorShape {
  /** Connected peers (handshake complete). */
  readonly peers: Effect.Effect<ReadonlyArray<Peer>>
  /** One peer by id. */
  readonly peer: (id: number) => Effect.Effect<Peer | undefined>
  /** Connects once to `address` (no reconnect). The peer stays managed by the connector. */
  readonly connect: (address: NetAddress.NetAddressFields) => Effect.Effect<Peer, TransportError | PeerError>
  /** Adds a manual peer: connected now and reconnected whenever it drops. */
  readonly addManual: (address: NetAddress.NetAddressFields) => Effect.Effect<void>
  /** Where we accept inbound connections, if we do. */
  readonly listenAddress: NetAddress.NetAddressFields | undefined
  /** Peer lifecycle events from now on, subscribed before the stream runs. */
  readonly subscribeEvents: Effect.Effect<Stream.Stream<PeerEvent>, never, Scope.Scope>
  /** Peer lifecycle events, subscribed when the stream starts. */
  readonly events: Stream.Stream<PeerEvent>
}

/**
 * The connector service.
 *
 * @since 0.1.0
 */
export class Connector extends Context.Tag("effect-bitcoin-p2p/Connector")<Connector, ConnectorShape>() {}
