/**
 * The shared peer registry behind `PeerRegistry`.
 *
 * @internal
 */
import * as Clock from "effect/Clock"
import * as Data from "effect/Data"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Option from "effect/Option"
import * as PubSub from "effect/PubSub"
import * as Scope from "effect/Scope"
import * as Stream from "effect/Stream"
import type * as PeerRegistry from "../../network/PeerRegistry.js"
import { describe, type DisconnectReason } from "../../peer/DisconnectReason.js"
import type * as Peer from "../../peer/Peer.js"
import { runForEach } from "../peer/mailboxSource.js"
import type * as Message from "../../wire/Message.js"
import type * as NetAddress from "../../wire/NetAddress.js"

// The constructors of `PeerRegistry.PeerEvent`, made here from its type rather than imported, so this
// module and the public one it implements do not import each other (the values are the same plain
// tagged structs either way).
const PeerEvent = Data.taggedEnum<PeerRegistry.PeerEvent>()

/** @internal */
export const make: Effect.Effect<PeerRegistry.PeerRegistryShape, never, Scope.Scope> = Effect.gen(function*() {
  const registry = new Map<number, PeerRegistry.PeerEntry>()
  const events = yield* PubSub.unbounded<PeerRegistry.PeerEvent>()
  // Copied on change, so a peer's loop iterates a stable array without allocating per message.
  let handlers: ReadonlyArray<PeerRegistry.PeerHandler> = []
  let onMessage: ReadonlyArray<(r: PeerRegistry.Received) => Effect.Effect<void>> = []
  let listenAddress: Option.Option<NetAddress.NetAddressFields> = Option.none()

  const install = (next: ReadonlyArray<PeerRegistry.PeerHandler>) => {
    handlers = next
    onMessage = next.flatMap((h) => (h.onMessage === undefined ? [] : [h.onMessage]))
  }

  const deliver = (peer: Peer.Peer) => (message: Message.NetworkMessage): Effect.Effect<void> => {
    const received = { peer, message }
    const list = onMessage
    return list.length === 1 ? list[0]!(received) : Effect.forEach(list, (f) => f(received), { discard: true })
  }

  const run = (peer: Peer.Peer, options: PeerRegistry.RunOptions): Effect.Effect<DisconnectReason> =>
    Effect.gen(function*() {
      const entry: PeerRegistry.PeerEntry = {
        peer,
        address: options.address,
        manual: options.manual,
        connectedAt: yield* Clock.currentTimeMillis
      }
      // The peer's own scope: handlers' fibers and finalizers end with the peer.
      const scope = yield* Scope.make()
      const reason = yield* Effect.gen(function*() {
        registry.set(peer.id, entry)
        for (const h of handlers) if (h.onConnected !== undefined) yield* Scope.extend(h.onConnected(entry), scope)
        yield* PubSub.publish(events, PeerEvent.Connected({ peer, info: peer.info, manual: options.manual }))
        yield* Effect.annotateLogs(Effect.logDebug("peer connected"), { peer: peer.remote, direction: peer.direction })
        // The handlers run on this fiber, not on a forked pump: the inbox ends with the peer, after
        // what it buffered, so messages the peer sent before it ended still reach the handlers, then
        // its scope closes. One fiber fewer per connection (a fork and an interrupt per churn cycle).
        // Taken from the subscription's mailbox when it is one of ours (`mailboxSource.ts`): running the
        // inbox as a Stream set up a channel executor per connection (~500 µs of CPU per churn cycle).
        yield* runForEach(options.inbox, deliver(peer)).pipe(
          // The inbox fails only when this loop fell behind the peer's own buffer.
          Effect.catchAll((e) => peer.disconnect(`network handlers could not keep up: ${e.message}`))
        )
        return yield* peer.awaitDisconnect
      }).pipe(Effect.ensuring(Effect.suspend(() => {
        registry.delete(peer.id)
        return Scope.close(scope, Exit.void)
      })))
      const banned = options.onDisconnected === undefined ? false : yield* options.onDisconnected(reason)
      yield* Effect.annotateLogs(Effect.logDebug("peer disconnected"), { peer: peer.remote, reason: describe(reason) })
      yield* PubSub.publish(
        events,
        PeerEvent.Disconnected({ id: peer.id, remote: peer.remote, direction: peer.direction, reason, banned })
      )
      return reason
    })

  return {
    peers: Effect.sync(() => Array.from(registry.values(), (e) => e.peer)),
    peer: (id) => Effect.sync(() => registry.get(id)?.peer),
    entries: Effect.sync(() => Array.from(registry.values())),
    subscribeEvents: Effect.map(PubSub.subscribe(events), (q) => Stream.fromQueue(q)),
    events: Stream.fromPubSub(events),
    addHandler: (handler) =>
      Effect.acquireRelease(
        Effect.sync(() => install([...handlers, handler])),
        () => Effect.sync(() => install(handlers.filter((h) => h !== handler)))
      ),
    run,
    report: (event) => Effect.asVoid(PubSub.publish(events, event)),
    listenAddress: Effect.sync(() => listenAddress),
    setListenAddress: (address) => Effect.sync(() => {
      listenAddress = address
    })
  }
})
