/**
 * The registry runs each peer's handlers in the order they were installed:
 * a handler's `onConnected` starts only once the one before it is done, and
 * `Connected` is published after all of them. The handlers this package
 * installs carry plain hooks (`plainHooks.ts`) that our registry calls
 * directly instead of their `onConnected`: they keep their place in that
 * order, and their `disconnected` runs once the peer is gone, before
 * `Disconnected` is published. Peers stand in for real ones here.
 */
import { describe, expect, it } from "@effect/vitest"
import * as Cause from "effect/Cause"
import * as Chunk from "effect/Chunk"
import * as Deferred from "effect/Deferred"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Fiber from "effect/Fiber"
import * as Option from "effect/Option"
import * as Stream from "effect/Stream"
import { withPlainHooks } from "../../src/internal/network/plainHooks.js"
import * as PeerRegistry from "../../src/network/PeerRegistry.js"
import { DisconnectReason } from "../../src/peer/DisconnectReason.js"
import type * as Peer from "../../src/peer/Peer.js"
import * as NetAddress from "../../src/wire/NetAddress.js"

/** Yields until `done` holds (the events' consumer runs on its own fiber). */
const until = (done: () => boolean) => Effect.repeat(Effect.yieldNow(), { until: done })

/** The messages of the defects in `exit`'s cause, in order. */
const defectMessages = (exit: Exit.Exit<unknown, unknown>) =>
  Exit.isFailure(exit) ? Chunk.toArray(Cause.defects(exit.cause)).map((d) => (d as Error).message) : []

/**
 * What `exit`'s cause holds, in its order: each defect's message, and
 * "interrupted" for an interruption (once for several in a row: the runtime
 * adds one per step it interrupts).
 */
const causeOrder = (exit: Exit.Exit<unknown, unknown>) =>
  Exit.isFailure(exit)
    ? Cause.reduce(exit.cause, [] as Array<string>, (acc, c) => {
      const item = c._tag === "Die" ? (c.defect as Error).message : c._tag === "Interrupt" ? "interrupted" : undefined
      return item === undefined || (item === "interrupted" && acc.at(-1) === item) ? Option.none() : Option.some([...acc, item])
    })
    : []

/** Lets every ready fiber run a while; it never loops forever on a fiber that does not end. */
const settle = Effect.repeatN(Effect.yieldNow(), 100)

/** A stand-in peer that disconnects (remote closed) when `gone` completes. */
const standIn = (id: number, gone: Deferred.Deferred<void>) =>
  ({
    id,
    remote: `127.0.0.${id}:8333`,
    direction: "inbound",
    info: undefined,
    awaitDisconnect: Effect.as(Deferred.await(gone), DisconnectReason.RemoteClosed({ reset: false }))
  }) as unknown as Peer.Peer

/** A registry, and a log its events are written to (`event <tag>`) by `eventLog`, beside the test's own entries. */
const loggingRegistry = Effect.gen(function*() {
  const registry = yield* PeerRegistry.make
  const log: Array<string> = []
  const events = yield* registry.subscribeEvents
  const eventLog = yield* Effect.forkScoped(Stream.runForEach(events, (e) => Effect.sync(() => log.push(`event ${e._tag}`))))
  return { registry, log, eventLog }
})

/**
 * Runs stand-in peer `id` in `registry` with an `onDisconnected` that never
 * completes, ends the peer, and returns the run once `onDisconnected` was
 * asked. A daemon: were the run stuck, a child of the test's fiber would hold
 * up the test's end forever.
 */
const runUntilOnDisconnected = (registry: PeerRegistry.PeerRegistryShape, id: number) =>
  Effect.gen(function*() {
    const gone = yield* Deferred.make<void>()
    const asked = yield* Deferred.make<void>()
    const running = yield* Effect.forkDaemon(registry.run(standIn(id, gone), {
      inbox: Stream.empty,
      address: NetAddress.fromHost(`127.0.0.${id}`, 8333)!,
      manual: false,
      onDisconnected: () => Effect.zipRight(Deferred.succeed(asked, undefined), Effect.never)
    }))
    yield* Deferred.succeed(gone, undefined)
    yield* Deferred.await(asked)
    return running
  })

describe("PeerRegistry: the handlers of a peer", () => {
  it.scoped("run in install order, hooked ones in their place; the hooks' disconnected runs before Disconnected", () =>
    Effect.gen(function*() {
      const { registry, log, eventLog } = yield* loggingRegistry
      const slow = yield* Deferred.make<void>()
      // An effectful onConnected that waits: the hooked handler after it must wait too.
      yield* registry.addHandler({
        onConnected: () => Effect.zipRight(Effect.sync(() => log.push("first starts")), Effect.zipRight(Deferred.await(slow), Effect.sync(() => log.push("first done"))))
      })
      yield* registry.addHandler(withPlainHooks({
        onConnected: () => Effect.dieMessage("our registry calls the plain hook, not onConnected")
      }, {
        connected: (entry) => {
          log.push(`hooked connected ${entry.peer.id}`)
          return undefined
        },
        disconnected: (entry) => void log.push(`hooked disconnected ${entry.peer.id}`)
      }))
      yield* registry.addHandler({ onConnected: () => Effect.sync(() => log.push("last")) })

      const gone = yield* Deferred.make<void>()
      const peer = standIn(1, gone)
      const running = yield* Effect.forkScoped(registry.run(peer, { inbox: Stream.empty, address: NetAddress.fromHost("127.0.0.1", 8333)!, manual: false }))
      yield* Effect.yieldNow()
      expect(log).toEqual(["first starts"])

      yield* Deferred.succeed(slow, undefined)
      yield* until(() => log.length >= 5)
      expect(log).toEqual(["first starts", "first done", "hooked connected 1", "last", "event Connected"])

      yield* Deferred.succeed(gone, undefined)
      expect(yield* Fiber.join(running)).toEqual(DisconnectReason.RemoteClosed({ reset: false }))
      yield* until(() => log.length >= 7)
      expect(log.slice(5)).toEqual(["hooked disconnected 1", "event Disconnected"])
      expect(yield* registry.peers).toEqual([])
      yield* Fiber.interrupt(eventLog)
    }))

  it.scoped("a peer interrupted while an earlier handler's onConnected waits: the hooks never connected it, nor disconnect it", () =>
    Effect.gen(function*() {
      const registry = yield* PeerRegistry.make
      const log: Array<string> = []
      yield* registry.addHandler({ onConnected: () => Effect.never })
      yield* registry.addHandler(withPlainHooks({}, {
        connected: () => {
          log.push("connected")
          return undefined
        },
        disconnected: () => void log.push("disconnected")
      }))
      const peer = standIn(2, yield* Deferred.make<void>())
      const running = yield* Effect.forkScoped(registry.run(peer, { inbox: Stream.empty, address: NetAddress.fromHost("127.0.0.2", 8333)!, manual: false }))
      yield* Effect.yieldNow()
      expect((yield* registry.peers).map((p) => p.id)).toEqual([2])
      yield* Fiber.interrupt(running)
      expect(log).toEqual([])
      expect(yield* registry.peers).toEqual([])
    }))

  it.scoped("a handler that dies, then a finalizer on its scope that dies too: the run dies with both, the handler's first", () =>
    Effect.gen(function*() {
      const registry = yield* PeerRegistry.make
      yield* registry.addHandler({
        onConnected: () => Effect.zipRight(Effect.addFinalizer(() => Effect.dieMessage("finalizer died")), Effect.dieMessage("handler died"))
      })
      const peer = standIn(3, yield* Deferred.make<void>())
      const exit = yield* Effect.exit(registry.run(peer, { inbox: Stream.empty, address: NetAddress.fromHost("127.0.0.3", 8333)!, manual: false }))
      expect(defectMessages(exit)).toEqual(["handler died", "finalizer died"])
      expect(yield* registry.peers).toEqual([])
    }))

  it.scoped("a plain hook whose disconnected throws: the other hooks, the scope's finalizers and Disconnected still happen, then the run dies with what it threw", () =>
    Effect.gen(function*() {
      const { registry, log, eventLog } = yield* loggingRegistry
      yield* registry.addHandler({
        onConnected: () => Effect.zipRight(
          Effect.addFinalizer(() => Effect.sync(() => log.push("finalizer"))),
          Effect.asVoid(Effect.forkScoped(Effect.onInterrupt(Effect.never, () => Effect.sync(() => log.push("fiber ended")))))
        )
      })
      yield* registry.addHandler(withPlainHooks({}, {
        connected: () => undefined,
        disconnected: () => {
          throw new Error("hook threw")
        }
      }))
      yield* registry.addHandler(withPlainHooks({}, {
        connected: () => undefined,
        disconnected: () => void log.push("next hook")
      }))
      const gone = yield* Deferred.make<void>()
      const peer = standIn(4, gone)
      const running = yield* Effect.fork(registry.run(peer, { inbox: Stream.empty, address: NetAddress.fromHost("127.0.0.4", 8333)!, manual: false }))
      yield* until(() => log.includes("event Connected"))
      yield* Deferred.succeed(gone, undefined)
      const exit = yield* Fiber.await(running)
      yield* settle
      expect(defectMessages(exit)).toEqual(["hook threw"])
      expect(log).toContain("next hook")
      expect(log).toContain("finalizer")
      expect(log).toContain("fiber ended")
      expect(log.at(-1)).toBe("event Disconnected")
      expect(yield* registry.peers).toEqual([])
      yield* Fiber.interrupt(eventLog)
    }))

  it.scoped("an onDisconnected that never completes does not hold up interrupting the run (it is the caller's, run interruptibly)", () =>
    Effect.gen(function*() {
      const registry = yield* PeerRegistry.make
      let finalized = false
      yield* registry.addHandler({ onConnected: () => Effect.addFinalizer(() => Effect.sync(() => void (finalized = true))) })
      const running = yield* runUntilOnDisconnected(registry, 5)
      // The peer was forgotten and its scope closed before onDisconnected was asked.
      expect(finalized).toBe(true)
      expect(yield* registry.peers).toEqual([])
      const interrupting = yield* Effect.forkDaemon(Fiber.interrupt(running))
      yield* settle
      const done = yield* Fiber.poll(interrupting)
      expect(done._tag).toBe("Some")
    }))

  it.scoped("a plain hook that throws, then the run interrupted while onDisconnected waits: the run's cause keeps the hook's defect, first", () =>
    Effect.gen(function*() {
      const registry = yield* PeerRegistry.make
      yield* registry.addHandler(withPlainHooks({}, {
        connected: () => undefined,
        disconnected: () => {
          throw new Error("hook threw")
        }
      }))
      const running = yield* runUntilOnDisconnected(registry, 6)
      yield* Fiber.interrupt(running)
      const exit = yield* Fiber.await(running)
      expect(causeOrder(exit)).toEqual(["hook threw", "interrupted"])
    }))
})
