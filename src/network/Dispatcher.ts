/**
 * The dispatcher is the node's message bus: every message received from any
 * peer, tagged with the peer it came from, goes to the subscribers of its
 * type; and messages go out to one peer, to a subset, or to all. It also does
 * the protocol's network-wide duties: answering `getaddr` from the address
 * book and feeding `addr` / `addrv2` into it.
 *
 * @since 0.1.0
 */
import * as Context from "effect/Context"
import type * as Effect from "effect/Effect"
import type * as Scope from "effect/Scope"
import type * as Stream from "effect/Stream"
import type { PeerError } from "../peer/DisconnectReason.js"
import type * as Frame from "../wire/Frame.js"
import type * as Message from "../wire/Message.js"
import type { Peer } from "../peer/Peer.js"

/**
 * A message and the peer it came from.
 *
 * @since 0.1.0
 */
export interface Received<M extends Message.NetworkMessage = Message.NetworkMessage> {
  readonly peer: Peer
  readonly message: M
}

/**
 * The dispatcher.
 *
 * @since 0.1.0
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
 */
export class Dispatcher extends Context.Tag("effect-bitcoin-p2p/Dispatcher")<Dispatcher, DispatcherShape>() {}
