/**
 * The shared peer registry behind `PeerRegistry`.
 *
 * @internal
 */
import * as Cause from "effect/Cause"
import * as Clock from "effect/Clock"
import * as Context from "effect/Context"
import * as Data from "effect/Data"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as FiberRef from "effect/FiberRef"
import * as LogLevel from "effect/LogLevel"
import * as Option from "effect/Option"
import * as PubSub from "effect/PubSub"
import * as Scope from "effect/Scope"
import * as Stream from "effect/Stream"
import type * as PeerRegistry from "../../network/PeerRegistry.js"
import { describe, type DisconnectReason } from "../../peer/DisconnectReason.js"
import type * as Peer from "../../peer/Peer.js"
import { runForEach } from "../peer/mailboxSource.js"
import { plainHooksOf } from "./plainHooks.js"
import type * as Message from "../../wire/Message.js"
import type * as NetAddress from "../../wire/NetAddress.js"

// The constructors of `PeerRegistry.PeerEvent`, made here from its type rather than imported, so this
// module and the public one it implements do not import each other (the values are the same plain
// tagged structs either way).
const PeerEvent = Data.taggedEnum<PeerRegistry.PeerEvent>()

/** @internal */
/** Runs `effect`, then fails with `cause`, followed by `effect`'s own failure if it failed too. */
const failAfter = (cause: Cause.Cause<never>, effect: Effect.Effect<unknown>): Effect.Effect<never> =>
  Effect.matchCauseEffect(effect, {
    onFailure: (later) => Effect.failCause(Cause.sequential(cause, later)),
    onSuccess: () => Effect.failCause(cause)
  })

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

  /**
   * The handlers' `onConnected` from `i` on, in the order they were
   * installed, each in the peer's scope; each called only once the one before
   * it is done (a handler that works when called, not in its effect, must not
   * run ahead of one before it, nor after one that died). A handler with
   * plain hooks (`plainHooks.ts`) is called directly, and costs no step when
   * it leaves nothing to do. `reached` learns how many handlers were called
   * (their `disconnected` hooks are owed at exit). `undefined`: all done.
   */
  const connectFrom = (
    installed: ReadonlyArray<PeerRegistry.PeerHandler>,
    i: number,
    entry: PeerRegistry.PeerEntry,
    scope: Scope.Scope,
    reached: { count: number }
  ): Effect.Effect<void> | undefined => {
    for (; i < installed.length; i++) {
      const h = installed[i]!
      const hooks = plainHooksOf(h)
      reached.count = i + 1
      const pending = hooks !== undefined
        ? hooks.connected(entry, scope, listenAddress)
        : h.onConnected === undefined
        ? undefined
        : Scope.extend(h.onConnected(entry), scope)
      if (pending === undefined) continue
      const next = i + 1
      return next === installed.length
        ? pending
        : Effect.flatMap(pending, () => connectFrom(installed, next, entry, scope, reached) ?? Effect.void)
    }
    return undefined
  }

  /**
   * The plain `disconnected` hooks of the first `count` handlers of
   * `installed`, each called whatever the one before it did; what they threw
   * (a bug: they must not), as defects in order, or `undefined`. Caught here
   * so that the peer's scope still closes after them.
   */
  const disconnectHooks = (
    installed: ReadonlyArray<PeerRegistry.PeerHandler>,
    count: number,
    entry: PeerRegistry.PeerEntry
  ): Cause.Cause<never> | undefined => {
    let thrown: Cause.Cause<never> | undefined
    for (let i = 0; i < count; i++) {
      try {
        plainHooksOf(installed[i]!)?.disconnected(entry)
      } catch (defect) {
        thrown = thrown === undefined ? Cause.die(defect) : Cause.sequential(thrown, Cause.die(defect))
      }
    }
    return thrown
  }

  const deliver = (peer: Peer.Peer) => (message: Message.NetworkMessage): Effect.Effect<void> => handleFrom(onMessage, 0, { peer, message })

  /**
   * The handlers from `i` on, in order, each called once the one before it is
   * done (as `Effect.forEach` would). One that has nothing to do with this
   * message (`Effect.void`, most of them for most messages) costs no step:
   * `Effect.forEach` over three handlers was most of a short connection's
   * message handling.
   */
  const handleFrom = (list: ReadonlyArray<(r: PeerRegistry.Received) => Effect.Effect<void>>, i: number, received: PeerRegistry.Received): Effect.Effect<void> => {
    for (; i < list.length; i++) {
      const handled = list[i]!(received)
      if (handled === Effect.void) continue
      const next = i + 1
      return next === list.length ? handled : Effect.flatMap(handled, () => handleFrom(list, next, received))
    }
    return Effect.void
  }

  /**
   * One peer's life in the registry, in as few steps as a connection that lives
   * a handshake allows (churn): the entry set and the handlers' `onConnected`
   * in the peer's scope (the plain hooks of ours in the same step), then the
   * `Connected` event, the message loop, then one exit step that forgets the
   * peer, calls the hooks' `disconnected` and closes its scope (`scope`: the
   * peer's own; handlers' fibers and finalizers end with the peer), then the
   * caller's `onDisconnected` (interruptible) and the `Disconnected` event.
   * Debug logs are built only when the fiber's level lets them through.
   */
  const run = (peer: Peer.Peer, options: PeerRegistry.RunOptions): Effect.Effect<DisconnectReason> =>
    Effect.withFiberRuntime((fiber) => Effect.flatMap(Scope.make(), (scope) => {
      const debug = fiber.getFiberRef(FiberRef.currentMinimumLogLevel).ordinal <= LogLevel.Debug.ordinal
      const entry: PeerRegistry.PeerEntry = {
        peer,
        address: options.address,
        manual: options.manual,
        connectedAt: Context.get(fiber.currentDefaultServices, Clock.Clock).unsafeCurrentTimeMillis()
      }
      const installed = handlers
      const reached = { count: 0 }
      const announced = () => {
        events.unsafeOffer(PeerEvent.Connected({ peer, info: peer.info, manual: options.manual }))
        // The handlers run on this fiber, not on a forked pump: the inbox ends with the peer, after
        // what it buffered, so messages the peer sent before it ended still reach the handlers, then
        // its scope closes. One fiber fewer per connection (a fork and an interrupt per churn cycle).
        // Taken from the subscription's mailbox when it is one of ours (`mailboxSource.ts`): running the
        // inbox as a Stream set up a channel executor per connection (~500 µs of CPU per churn cycle).
        const loop = Effect.matchEffect(runForEach(options.inbox, deliver(peer)), {
          // The inbox fails only when this loop fell behind the peer's own buffer.
          onFailure: (e) => Effect.zipRight(peer.disconnect(`network handlers could not keep up: ${e.message}`), peer.awaitDisconnect),
          onSuccess: () => peer.awaitDisconnect
        })
        return debug
          ? Effect.zipRight(Effect.annotateLogs(Effect.logDebug("peer connected"), { peer: peer.remote, direction: peer.direction }), loop)
          : loop
      }
      // Registered inside what the exit step guards: an interruption cannot leave the entry behind.
      const live = Effect.suspend(() => {
        registry.set(peer.id, entry)
        const connecting = connectFrom(installed, 0, entry, scope, reached)
        return connecting === undefined ? announced() : Effect.zipRight(connecting, Effect.suspend(announced))
      })
      const ended = (reason: DisconnectReason, banned: boolean) => {
        events.unsafeOffer(PeerEvent.Disconnected({ id: peer.id, remote: peer.remote, direction: peer.direction, reason, banned }))
        return debug
          ? Effect.as(Effect.annotateLogs(Effect.logDebug("peer disconnected"), { peer: peer.remote, reason: describe(reason) }), reason)
          : Effect.succeed(reason)
      }
      /**
       * Forgets the peer, calls the hooks' `disconnected` and closes its scope,
       * whatever the end and whatever a hook does; fails with what a hook threw
       * or a finalizer died of, once the scope is closed.
       */
      const leave = (): Effect.Effect<void> => {
        registry.delete(peer.id)
        const thrown = disconnectHooks(installed, reached.count, entry)
        const closing = Scope.close(scope, Exit.void)
        return thrown === undefined ? closing : failAfter(thrown, closing)
      }
      /** The caller's `onDisconnected` (run interruptibly: it is the caller's effect), then `Disconnected`. */
      const gone = (reason: DisconnectReason, restore: <A, E, R>(effect: Effect.Effect<A, E, R>) => Effect.Effect<A, E, R>) =>
        options.onDisconnected === undefined
          ? ended(reason, false)
          : Effect.flatMap(restore(options.onDisconnected(reason)), (banned) => ended(reason, banned))
      // One uninterruptible exit step (`onExit` then a `flatMap` for `onDisconnected` cost a step
      // each): the peer is forgotten and its scope closed even if the run is interrupted meanwhile.
      return Effect.uninterruptibleMask((restore) =>
        Effect.matchCauseEffect(restore(live), {
          // Both causes, in order, when closing the scope fails too (as `onExit` kept them).
          onFailure: (cause) => failAfter(cause, leave()),
          // Closing the scope failed (a hook threw, a finalizer died): the peer is gone all the same,
          // so `Disconnected` is still published, then the run fails with that.
          onSuccess: (reason) =>
            Effect.matchCauseEffect(leave(), {
              // An interruption while `onDisconnected` runs keeps the closing's cause beside it.
              onFailure: (closing) => failAfter(closing, gone(reason, restore)),
              onSuccess: () => gone(reason, restore)
            })
        })
      )
    }))

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
    report: (event) => Effect.sync(() => void events.unsafeOffer(event)),
    listenAddress: Effect.sync(() => listenAddress),
    setListenAddress: (address) => Effect.sync(() => {
      listenAddress = address
    })
  }
})
