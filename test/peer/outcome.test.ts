/**
 * A peer's outcome (`internal/peer/Outcome`: its handshake, its end): what
 * the peer relies on is that a fiber waiting before it settles and one
 * asking after both get the result, that only the first settlement counts,
 * that a failure given as an effect reaches every waiter, and that
 * interrupted waiters do not pile up (a peer whose `connected` is raced and
 * lost many times must not keep every loser's callback until it ends: the
 * wait has no canceler, and stale entries are swept when the list doubles).
 */
import { describe, expect, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Fiber from "effect/Fiber"
import * as Option from "effect/Option"
import { Outcome } from "../../src/internal/peer/Outcome.js"

describe("Outcome", () => {
  it.effect("a waiter before and one after both get the first result", () =>
    Effect.gen(function*() {
      const outcome = new Outcome<number>()
      const early = yield* Effect.fork(outcome.await)
      yield* Effect.yieldNow()
      expect(outcome.settled).toBe(false)
      outcome.settle(Exit.succeed(1))
      outcome.settle(Exit.succeed(2))
      expect(outcome.settled).toBe(true)
      expect(yield* Fiber.join(early)).toBe(1)
      expect(yield* outcome.await).toBe(1)
    }))

  it.effect("a failure given as an effect reaches every waiter, before and after", () =>
    Effect.gen(function*() {
      const outcome = new Outcome<number, string>()
      const early = yield* Effect.fork(outcome.await)
      yield* Effect.yieldNow()
      outcome.settle(Effect.fail("gone"))
      expect(yield* Fiber.await(early)).toEqual(Exit.fail("gone"))
      expect(yield* Effect.exit(outcome.await)).toEqual(Exit.fail("gone"))
    }))

  it.effect("a waiter can be interrupted; the outcome still settles for the others", () =>
    Effect.gen(function*() {
      const outcome = new Outcome<number>()
      const quitter = yield* Effect.fork(outcome.await)
      // The second waiter waits on the same outcome before the first is interrupted.
      const stayer = yield* Effect.fork(outcome.await)
      yield* Effect.yieldNow()
      expect(yield* Fiber.poll(stayer)).toEqual(Option.none())
      yield* Fiber.interrupt(quitter)
      yield* Effect.yieldNow()
      expect(yield* Fiber.poll(stayer)).toEqual(Option.none())
      outcome.settle(Exit.succeed(3))
      yield* Effect.yieldNow()
      // Resumed by the settlement (not merely able to be joined later).
      expect(yield* Fiber.poll(stayer)).toEqual(Option.some(Exit.succeed(3)))
      expect(yield* Fiber.join(stayer)).toBe(3)
      expect(yield* outcome.await).toBe(3)
    }))

  it.effect("interrupted waiters do not pile up; a later waiter still gets the result", () =>
    Effect.gen(function*() {
      const outcome = new Outcome<number>()
      let most = 0
      for (let i = 0; i < 1000; i++) {
        const fiber = yield* Effect.fork(outcome.await)
        yield* Effect.yieldNow()
        most = Math.max(most, outcome.waiting)
        yield* Fiber.interrupt(fiber)
      }
      // At most one sweep's worth of entries (8 before the first sweep, each sweep keeping none of these).
      expect(most).toBeLessThanOrEqual(9)
      // Waiters still alive are never swept, however many come and go around them.
      const stayers = []
      for (let i = 0; i < 20; i++) stayers.push(yield* Effect.fork(outcome.await))
      for (let i = 0; i < 100; i++) {
        const fiber = yield* Effect.fork(outcome.await)
        yield* Effect.yieldNow()
        yield* Fiber.interrupt(fiber)
      }
      expect(outcome.waiting).toBeLessThanOrEqual(20 + 9)
      outcome.settle(Exit.succeed(4))
      for (const fiber of stayers) expect(yield* Fiber.join(fiber)).toBe(4)
      expect(outcome.waiting).toBe(0)
    }))

  it.effect("a caller that times out waiting 1,000 times leaves a bounded list, and its last wait gets the result", () =>
    Effect.gen(function*() {
      const outcome = new Outcome<number>()
      let most = 0
      // `Effect.timeout(peer.connected, …)` in a retry loop: each attempt's wait (in a fiber the
      // timeout races) leaves its entry, and the sweeps drop them once those fibers ended.
      for (let i = 0; i < 1000; i++) {
        const r = yield* Effect.option(Effect.timeout(outcome.await, 0))
        expect(Option.isNone(r)).toBe(true)
        most = Math.max(most, outcome.waiting)
      }
      expect(most).toBeLessThanOrEqual(16)
      const last = yield* Effect.fork(outcome.await)
      yield* Effect.yieldNow()
      outcome.settle(Exit.succeed(5))
      expect(yield* Fiber.join(last)).toBe(5)
    }))
})
