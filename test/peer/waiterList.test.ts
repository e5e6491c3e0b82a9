/**
 * The sweep that keeps the waiter lists of `Outcome` and `PingWaiters`
 * bounded (their waits have no canceler): entries of fibers that ended go,
 * a live fiber keeps only its newest entry, and entries made outside a fiber
 * are never dropped.
 */
import { describe, expect, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as Fiber from "effect/Fiber"
import { sweptWaiters, type WaiterList } from "../../src/internal/peer/waiterList.js"

describe("sweptWaiters", () => {
  it.effect("drops ended fibers' entries and a live fiber's older ones, keeps order and fiberless entries", () =>
    Effect.gen(function*() {
      const live = yield* Effect.fork(Effect.never)
      const other = yield* Effect.fork(Effect.never)
      const ended = yield* Effect.fork(Effect.void)
      yield* Fiber.await(ended)
      const list: WaiterList<string> = [
        live, "live-old",
        ended, "ended",
        undefined, "outside-1",
        other, "other",
        live, "live-new",
        undefined, "outside-2"
      ]
      expect(sweptWaiters(list)).toEqual([undefined, "outside-1", other, "other", live, "live-new", undefined, "outside-2"])
      yield* Fiber.interrupt(live)
      yield* Fiber.interrupt(other)
    }))
})
