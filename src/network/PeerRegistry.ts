/**
 * The peer registry is the one piece of state the network services share:
 * who is connected, the lifecycle events, each peer's metadata, where we
 * listen, and the handlers that see every peer's messages.
 *
 * A connector (the default `Connector.layer`, or one of your own) starts a
 * peer and hands it to `run`; from then on the registry holds it, runs every
 * installed `PeerHandler` (the `AddressRelay`'s duties, the `Dispatcher`'s
 * message bus, or your own) on each message it receives, publishes
 * `Connected` and `Disconnected`, and forgets it when it ends. Services that
 * only need to see peers (`Dispatcher`, `AddressRelay`) depend on this
 * registry and never on the connector, so each can be replaced alone.
 *
 * @since 0.1.0
 */
import * as Context from "effect/Context"
import * as Data from "effect/Data"
import type * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import type * as Option from "effect/Option"
import type * as Scope from "effect/Scope"
import type * as Stream from "effect/Stream"
import * as internal from "../internal/network/registry.js"
import type { DisconnectReason } from "../peer/DisconnectReason.js"
import type { PeerError } from "../peer/PeerError.js"
import type { Direction, HandshakeInfo, Peer } from "../peer/Peer.js"
import type * as Message from "../wire/Message.js"
import type * as NetAddress from "../wire/NetAddress.js"

/**
 * Why an inbound connection was closed before a peer was started on it:
 * its address is banned, or every inbound slot is taken. (A connector may
 * add its own, such as an eviction.)
 *
 * @since 0.3.0
 * @category models
 */
export type RefusalReason = "Banned" | "NoSlot" | (string & {})

/**
 * A peer's arrival or departure, and every connection that did not become a
 * peer: an inbound connection refused before a peer started on it
 * (`InboundRefused`), and a connection whose handshake failed
 * (`HandshakeFailed`, with the `DisconnectReason`: a timeout, an obsolete
 * version, a flood before the handshake, a bad frame, the remote closing).
 *
 * @since 0.1.0
 * @category models
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
  /** @since 0.3.0 */
  InboundRefused: { readonly remote: string; readonly reason: RefusalReason }
  /** @since 0.3.0 */
  HandshakeFailed: { readonly remote: string; readonly direction: Direction; readonly reason: DisconnectReason }
}>

/**
 * Constructors and matchers for `PeerEvent`.
 *
 * @since 0.1.0
 * @category constructors
 */
export const PeerEvent = Data.taggedEnum<PeerEvent>()

/**
 * A connected peer and what the registry knows about it.
 *
 * @since 0.1.0
 * @category models
 */
export interface PeerEntry {
  readonly peer: Peer
  /** The address dialled (outbound) or the connection came from (inbound). */
  readonly address: NetAddress.NetAddressFields
  /** Kept connected by the connector whatever happens (`addManual`, `manualPeers`). */
  readonly manual: boolean
  /** When the handshake completed (`Clock` milliseconds). */
  readonly connectedAt: number
}

/**
 * A message and the peer it came from.
 *
 * @since 0.1.0
 * @category models
 */
export interface Received<M extends Message.NetworkMessage = Message.NetworkMessage> {
  readonly peer: Peer
  readonly message: M
}

/**
 * What a service does with every peer. Handlers run in the order they were
 * installed, inside the peer's own message loop: a handler that waits slows
 * that one peer's reading (backpressure), never another peer.
 *
 * @since 0.1.0
 * @category models
 */
export interface PeerHandler {
  /**
   * A peer completed its handshake. Runs before `Connected` is published and
   * before its first message is handled; the scope closes when the peer is
   * gone, so fibers forked into it end with the peer.
   */
  readonly onConnected?: ((entry: PeerEntry) => Effect.Effect<void, never, Scope.Scope>) | undefined
  /** A message from a connected peer, in the order the peer sent them. */
  readonly onMessage?: ((received: Received) => Effect.Effect<void>) | undefined
}

/**
 * How a connector hands a started peer to the registry.
 *
 * @since 0.1.0
 * @category models
 */
export interface RunOptions {
  /** The peer's messages, subscribed before its handshake so that none after `verack` is missed. */
  readonly inbox: Stream.Stream<Message.NetworkMessage, PeerError>
  readonly address: NetAddress.NetAddressFields
  readonly manual: boolean
  /**
   * Called once the peer is gone and its handlers' scopes are closed, before
   * `Disconnected` is published; returns whether the peer was banned (the
   * connector's ban policy). Default: not banned. It runs interruptibly: the
   * forgetting and the scope's close before it cannot be interrupted, but
   * interrupting `run` while it waits here ends it there, and `Disconnected`
   * is then not published.
   */
  readonly onDisconnected?: ((reason: DisconnectReason) => Effect.Effect<boolean>) | undefined
}

/**
 * The registry's operations.
 *
 * @since 0.1.0
 * @category models
 */
export interface PeerRegistryShape {
  /** Connected peers (handshake complete). */
  readonly peers: Effect.Effect<ReadonlyArray<Peer>>
  /** One peer by id. */
  readonly peer: (id: number) => Effect.Effect<Peer | undefined>
  /** Connected peers with their metadata. */
  readonly entries: Effect.Effect<ReadonlyArray<PeerEntry>>
  /** Peer lifecycle events from now on, subscribed before the stream runs. */
  readonly subscribeEvents: Effect.Effect<Stream.Stream<PeerEvent>, never, Scope.Scope>
  /** Peer lifecycle events, subscribed when the stream starts. */
  readonly events: Stream.Stream<PeerEvent>
  /** Installs a handler for every peer connected from now on; removed when the scope closes. */
  readonly addHandler: (handler: PeerHandler) => Effect.Effect<void, never, Scope.Scope>
  /**
   * Holds a peer whose handshake completed until it disconnects: registers
   * it, runs the handlers' `onConnected`, publishes `Connected`, feeds every
   * message to the handlers (those it sent before it ended too), then
   * unregisters it, closes its handlers' scope, asks `onDisconnected` and
   * publishes `Disconnected`. Returns why the peer ended. A handler that
   * dies, or a finalizer on the peer's scope that dies, makes it die with
   * every such defect, in order, once that scope is closed.
   */
  readonly run: (peer: Peer, options: RunOptions) => Effect.Effect<DisconnectReason>
  /**
   * Publishes an event about a connection that never reached `run`
   * (`InboundRefused`, `HandshakeFailed`): the connector reports them here so
   * that every event is seen in one stream.
   */
  readonly report: (event: PeerEvent) => Effect.Effect<void>
  /** Where we accept inbound connections (set by the connector once it listens); what the relay advertises. */
  readonly listenAddress: Effect.Effect<Option.Option<NetAddress.NetAddressFields>>
  /** Records where we listen (`None` when we stop). */
  readonly setListenAddress: (address: Option.Option<NetAddress.NetAddressFields>) => Effect.Effect<void>
}

/**
 * The peer registry service.
 *
 * @since 0.1.0
 * @category tags
 */
export class PeerRegistry extends Context.Tag("effect-bitcoin-p2p/PeerRegistry")<PeerRegistry, PeerRegistryShape>() {}

/**
 * A fresh, empty registry; its event hub closes with the scope.
 *
 * @since 0.1.0
 * @category constructors
 */
export const make: Effect.Effect<PeerRegistryShape, never, Scope.Scope> = internal.make

/**
 * The registry as a layer.
 *
 * @since 0.1.0
 * @category layers
 */
export const layer: Layer.Layer<PeerRegistry> = Layer.scoped(PeerRegistry, make)
