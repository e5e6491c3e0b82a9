/**
 * The connector decides which connections the node has: it keeps
 * `targetOutbound` peers picked from the address book (at most one per
 * network group, so that one operator cannot surround us, and only on
 * networks the `Transport` can reach), replaces any that disconnect after a
 * backoff, keeps manual peers connected, accepts inbound peers up to a
 * limit, and bans the addresses of peers that misbehave.
 *
 * Every peer it starts goes to the `PeerRegistry`, which is where peers,
 * events and messages are seen; a connector of your own (a crawler that
 * never keeps peers, say) does the same and every other service keeps
 * working.
 *
 * @since 0.1.0
 */
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import type * as Metric from "effect/Metric"
import * as internal from "../internal/network/connector.js"
import type { PeerError } from "../peer/PeerError.js"
import type { Peer } from "../peer/Peer.js"
import type * as NetAddress from "../wire/NetAddress.js"
import { AddressBook } from "./AddressBook.js"
import type * as NetworkConfig from "./NetworkConfig.js"
import * as PeerRegistry from "./PeerRegistry.js"
import { Transport, type TransportError } from "./Transport.js"

/**
 * A peer's arrival or departure (`PeerRegistry.PeerEvent`).
 *
 * @since 0.1.0
 * @category models
 */
export type PeerEvent = PeerRegistry.PeerEvent

/**
 * Constructors and matchers for `PeerEvent`.
 *
 * @since 0.1.0
 * @category constructors
 */
export const PeerEvent = PeerRegistry.PeerEvent

/**
 * The connector's operations. `peers`, `peer`, `events` and
 * `subscribeEvents` are the registry's own (the registry owns them; a
 * connector of your own passes them through from `PeerRegistry`).
 *
 * @since 0.1.0
 * @category models
 */
export interface ConnectorShape extends Pick<PeerRegistry.PeerRegistryShape, "peers" | "peer" | "events" | "subscribeEvents"> {
  /** Connects once to `address` (no reconnect). The peer stays managed by the connector. */
  readonly connect: (address: NetAddress.NetAddressFields) => Effect.Effect<Peer, TransportError | PeerError>
  /** Adds a manual peer: connected now and reconnected whenever it drops. */
  readonly addManual: (address: NetAddress.NetAddressFields) => Effect.Effect<void>
  /** Where we accept inbound connections, if we do. */
  readonly listenAddress: NetAddress.NetAddressFields | undefined
}

/**
 * Counter of inbound connections closed before a peer started on them,
 * tagged `reason` (`Banned`, `NoSlot`, or a connector's own). Each also
 * comes as an `InboundRefused` event.
 *
 * @since 0.3.0
 * @category metrics
 */
export const inboundRefused: Metric.Metric.Counter<number> = internal.inboundRefused

/**
 * Counter of connections whose handshake failed, tagged `direction` and
 * `reason` (the `DisconnectReason` tag: `HandshakeTimeout`,
 * `ObsoleteVersion`, `PreHandshakeOverflow`, `DecodeError`, …). Each also
 * comes as a `HandshakeFailed` event.
 *
 * @since 0.3.0
 * @category metrics
 */
export const handshakeFailed: Metric.Metric.Counter<number> = internal.handshakeFailed

/**
 * The connector service.
 *
 * @since 0.1.0
 * @category tags
 */
export class Connector extends Context.Tag("effect-bitcoin-p2p/Connector")<Connector, ConnectorShape>() {}

/**
 * The default connector: outbound slots, manual peers, the listener and the
 * ban policy. Fails only if the listener cannot bind.
 *
 * @since 0.1.0
 * @category layers
 */
export const layer = (
  config: Partial<NetworkConfig.NetworkConfigShape> = {}
): Layer.Layer<Connector, TransportError, PeerRegistry.PeerRegistry | AddressBook | Transport> =>
  Layer.scoped(
    Connector,
    Effect.gen(function*() {
      return yield* internal.make(config, yield* PeerRegistry.PeerRegistry, yield* AddressBook, yield* Transport)
    })
  )
