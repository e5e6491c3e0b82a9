/**
 * The message bus behind `Dispatcher`: one handler in the registry publishes
 * each received message to the subscribers of its type.
 *
 * @internal
 */
import * as Effect from "effect/Effect"
import type * as Scope from "effect/Scope"
import * as Stream from "effect/Stream"
import type { DispatcherShape } from "../../network/Dispatcher.js"
import * as NetworkConfig from "../../network/NetworkConfig.js"
import type { PeerRegistryShape, Received } from "../../network/PeerRegistry.js"
import type { Peer } from "../../peer/Peer.js"
import { PeerError } from "../../peer/PeerError.js"
import * as Frame from "../../wire/Frame.js"
import { subscriptionStream } from "../peer/mailboxSource.js"
import { sendNowOf } from "../peer/SendNow.js"
import { makeMailbox, Subscribers } from "../peer/Subscribers.js"

/** @internal */
export const make = (
  registry: PeerRegistryShape,
  config: { readonly subscriberBuffer?: number | undefined }
): Effect.Effect<DispatcherShape, never, Scope.Scope> =>
  Effect.gen(function*() {
    const capacity = config.subscriberBuffer ?? NetworkConfig.defaults.subscriberBuffer
    const bus = new Subscribers<Received>((r) => r.message._tag)
    yield* Effect.addFinalizer(() => Effect.sync(() => bus.endAll()))
    // With no subscriber the message is nobody's: no step in the peer's handler chain (a connection that
    // lives a handshake delivers its four handshake messages to the handlers, and most nodes subscribe to few).
    yield* registry.addHandler({ onMessage: (received) => bus.size === 0 ? Effect.void : Effect.sync(() => bus.publish(received)) })

    const register = (tags: ReadonlyArray<string>) =>
      Effect.acquireRelease(
        Effect.gen(function*() {
          const mailbox = yield* makeMailbox<Received>(capacity)
          return { mailbox, subscription: bus.add(tags.length === 0 ? undefined : new Set(tags), mailbox) }
        }),
        ({ subscription }) => Effect.sync(subscription.remove)
      ).pipe(Effect.map(({ subscription }) => subscriptionStream(subscription)))

    const sendTo = (id: number, message: Frame.Sendable) =>
      Effect.flatMap(registry.peer(id), (peer) =>
        peer === undefined
          ? Effect.fail(new PeerError({ reason: "Disconnected", detail: `no peer ${id}` }))
          : peer.send(message))

    /**
     * Sends `message`, encoded once, to each of `peers`: how many accepted it. One synchronous pass
     * over the peers this package built (`SendNow`); any other through its `send`.
     */
    const sendEach = (peers: ReadonlyArray<Peer>, message: Frame.Sendable): Effect.Effect<number> =>
      Effect.suspend(() => {
        const prepared = Frame.isPrepared(message) ? message : Frame.prepare(message)
        let accepted = 0
        let others: Array<Peer> | undefined
        for (const peer of peers) {
          const sendNow = sendNowOf(peer)
          if (sendNow === undefined) (others ??= []).push(peer)
          else if (sendNow(prepared) === undefined) accepted++
        }
        if (others === undefined) return Effect.succeed(accepted)
        return Effect.reduce(others, accepted, (n, peer) => Effect.match(peer.send(prepared), { onFailure: () => n, onSuccess: () => n + 1 }))
      })

    /** The connected peers among `ids`, in order (an id not connected accepts nothing). */
    const peersOf = (ids: Iterable<number>) =>
      Effect.map(Effect.forEach(ids, (id) => registry.peer(id)), (found) => found.filter((peer) => peer !== undefined))

    return {
      subscribe: ((...tags: Array<string>) => register(tags)) as DispatcherShape["subscribe"],
      messages: ((...tags: Array<string>) => Stream.unwrapScoped(register(tags))) as DispatcherShape["messages"],
      sendTo,
      sendToMany: (ids, message) => Effect.flatMap(peersOf(ids), (peers) => sendEach(peers, message)),
      // The registry's peers in hand: no second lookup per recipient by id.
      broadcast: (message, filter) =>
        Effect.flatMap(registry.peers, (peers) => sendEach(filter === undefined ? peers : peers.filter(filter), message))
    }
  })
