/**
 * The dispatcher is the node's message bus: every message received from any
 * peer, tagged with the peer it came from, goes to the subscribers of its
 * type; and messages go out to one peer, to a subset, or to all. It sees
 * peers through the `PeerRegistry` only, so it works under any connector.
 * (The protocol's network-wide duties, `getaddr` and `addr`, are the
 * `AddressRelay`'s.)
 *
 * @since 0.1.0
 */
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import type * as Scope from "effect/Scope"
import type * as Stream from "effect/Stream"
import * as internal from "../internal/network/dispatcher.js"
import type { PeerError } from "../peer/PeerError.js"
import type { Peer } from "../peer/Peer.js"
import type * as Frame from "../wire/Frame.js"
import type * as Message from "../wire/Message.js"
import type * as NetworkConfig from "./NetworkConfig.js"
import * as PeerRegistry from "./PeerRegistry.js"

/**
 * A message and the peer it came from (`PeerRegistry.Received`).
 *
 * @since 0.1.0
 * @category models
 */
export type Received<M extends Message.NetworkMessage = Message.NetworkMessage> = PeerRegistry.Received<M>

/**
 * The dispatcher's operations.
 *
 * @since 0.1.0
 * @category models
 */
export interface DispatcherShape {
  /**
   * Subscribes now to messages of the given types (all, when none given) from
   * every peer. Each subscriber has its own bounded buffer; one that falls
   * behind is cut off with `SubscriberLagged` instead of slowing the node.
   */
  readonly subscribe: {
    (): Effect.Effect<Stream.Stream<Received, PeerError>, never, Scope.Scope>
    <T extends Message.Tag>(...tags: [T, ...Array<T>]): Effect.Effect<Stream.Stream<Received<Message.MessageOf<T>>, PeerError>, never, Scope.Scope>
  }
  /** Like `subscribe`, subscribing when the stream starts. */
  readonly messages: {
    (): Stream.Stream<Received, PeerError>
    <T extends Message.Tag>(...tags: [T, ...Array<T>]): Stream.Stream<Received<Message.MessageOf<T>>, PeerError>
  }
  /** Sends to one peer by id. */
  readonly sendTo: (peerId: number, message: Frame.Sendable) => Effect.Effect<void, PeerError>
  /**
   * Sends to each of the given peers; returns how many accepted the message.
   * The message is encoded once per protocol version, not once per peer.
   */
  readonly sendToMany: (peerIds: Iterable<number>, message: Frame.Sendable) => Effect.Effect<number>
  /** Sends to every connected peer (or those `filter` accepts), encoding once; returns how many accepted it. */
  readonly broadcast: (message: Frame.Sendable, filter?: (peer: Peer) => boolean) => Effect.Effect<number>
}

/**
 * The dispatcher service.
 *
 * @since 0.1.0
 * @category tags
 */
export class Dispatcher extends Context.Tag("effect-bitcoin-p2p/Dispatcher")<Dispatcher, DispatcherShape>() {}

/**
 * The dispatcher over the registry's peers. Uses `subscriberBuffer` from the
 * config; every subscription ends when the layer's scope closes.
 *
 * @since 0.1.0
 * @category layers
 */
export const layer = (
  config: Partial<Pick<NetworkConfig.NetworkConfigShape, "subscriberBuffer">> = {}
): Layer.Layer<Dispatcher, never, PeerRegistry.PeerRegistry> =>
  Layer.scoped(Dispatcher, Effect.flatMap(PeerRegistry.PeerRegistry, (registry) => internal.make(registry, config)))
