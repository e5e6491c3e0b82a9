/**
 * The message bus behind `Dispatcher`: one handler in the registry publishes
 * each received message to the subscribers of its type.
 *
 * @internal
 */
import * as Effect from "effect/Effect"
import * as Mailbox from "effect/Mailbox"
import type * as Scope from "effect/Scope"
import * as Stream from "effect/Stream"
import type { DispatcherShape } from "../../network/Dispatcher.js"
import * as NetworkConfig from "../../network/NetworkConfig.js"
import type { PeerRegistryShape, Received } from "../../network/PeerRegistry.js"
import { PeerError } from "../../peer/PeerError.js"
import * as Frame from "../../wire/Frame.js"
import { Subscribers } from "../peer/Subscribers.js"

/** @internal */
export const make = (
  registry: PeerRegistryShape,
  config: { readonly subscriberBuffer?: number | undefined }
): Effect.Effect<DispatcherShape, never, Scope.Scope> =>
  Effect.gen(function*() {
    const capacity = config.subscriberBuffer ?? NetworkConfig.defaults.subscriberBuffer
    const bus = new Subscribers<Received>((r) => r.message._tag)
    yield* Effect.addFinalizer(() => Effect.sync(() => bus.endAll()))
    yield* registry.addHandler({ onMessage: (received) => Effect.sync(() => bus.publish(received)) })

    const register = (tags: ReadonlyArray<string>) =>
      Effect.acquireRelease(
        Effect.gen(function*() {
          const mailbox = yield* Mailbox.make<Received, PeerError>({ capacity, strategy: "dropping" })
          return { mailbox, remove: bus.add(tags.length === 0 ? undefined : new Set(tags), mailbox).remove }
        }),
        ({ remove }) => Effect.sync(remove)
      ).pipe(Effect.map(({ mailbox }) => Mailbox.toStream(mailbox)))

    const sendTo = (id: number, message: Frame.Sendable) =>
      Effect.flatMap(registry.peer(id), (peer) =>
        peer === undefined
          ? Effect.fail(new PeerError({ reason: "Disconnected", detail: `no peer ${id}` }))
          : peer.send(message))

    /** Sends `message`, encoded once, to each of `targets`: how many accepted it. */
    const sendEach = <A>(targets: Iterable<A>, send: (target: A, message: Frame.Sendable) => Effect.Effect<void, PeerError>, message: Frame.Sendable) =>
      Effect.suspend(() => {
        const prepared = Frame.isPrepared(message) ? message : Frame.prepare(message)
        return Effect.reduce(targets, 0, (n, target) => Effect.match(send(target, prepared), { onFailure: () => n, onSuccess: () => n + 1 }))
      })

    const sendToMany = (ids: Iterable<number>, message: Frame.Sendable) => sendEach(ids, sendTo, message)

    return {
      subscribe: ((...tags: Array<string>) => register(tags)) as DispatcherShape["subscribe"],
      messages: ((...tags: Array<string>) => Stream.unwrapScoped(register(tags))) as DispatcherShape["messages"],
      sendTo,
      sendToMany,
      // The registry's peers in hand: no second lookup per recipient by id.
      broadcast: (message, filter) =>
        Effect.flatMap(registry.peers, (peers) =>
          sendEach(filter === undefined ? peers : peers.filter(filter), (peer, m) => peer.send(m), message))
    }
  })
