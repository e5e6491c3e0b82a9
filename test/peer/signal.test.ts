/**
 * The peer's one-shot outcomes (`internal/peer/Signal`: its handshake and
 * its end), in place of a `Deferred`: the first outcome wins, every waiter
 * (before or after) gets it, and an interrupted waiter is forgotten.
 */
import { describe, expect, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Fiber from "effect/Fiber"
import { Signal } from "../../src/internal/peer/Signal.js"

describe("Signal", () => {
  it.effect("the first outcome wins; waiters before and after get it", () =>
    Effect.gen(function*() {
      const signal = new Signal<number, string>()
      const early = yield* Effect.fork(Effect.exit(signal.await))
      yield* Effect.yieldNow()
      expect(signal.isDone).toBe(false)
      expect(signal.done(Exit.succeed(1))).toBe(true)
      expect(signal.done(Exit.fail("late"))).toBe(false)
      expect(yield* Fiber.join(early)).toEqual(Exit.succeed(1))
      expect(yield* Effect.exit(signal.await)).toEqual(Exit.succeed(1))
    }))

  it.effect("a failure reaches the waiters as a failure", () =>
    Effect.gen(function*() {
      const signal = new Signal<number, string>()
      const waiter = yield* Effect.fork(Effect.exit(signal.await))
      yield* Effect.yieldNow()
      signal.done(Exit.fail("refused"))
      expect(yield* Fiber.join(waiter)).toEqual(Exit.fail("refused"))
    }))

  it.effect("an interrupted waiter is forgotten and the others still wake", () =>
    Effect.gen(function*() {
      const signal = new Signal<string>()
      const gone = yield* Effect.fork(signal.await)
      const kept = yield* Effect.fork(signal.await)
      yield* Effect.yieldNow()
      yield* Fiber.interrupt(gone)
      expect((signal as unknown as { waiters: Array<unknown> }).waiters.length).toBe(1)
      signal.done(Exit.succeed("end"))
      expect(yield* Fiber.join(kept)).toBe("end")
    }))
})
