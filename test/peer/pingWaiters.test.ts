/**
 * The fibers waiting for a pong (`internal/peer/PingWaiters`): `peer.ping`
 * waits without a canceler, so a fiber interrupted while waiting leaves its
 * entry behind. What the peer relies on: live waiters are all resumed once
 * with the answer; interrupted ones are not (and their resume does nothing);
 * and however many waits are interrupted while one ping is out, the list
 * stays small (bounded memory per peer).
 */
import { describe, expect, it } from "@effect/vitest"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Fiber from "effect/Fiber"
import * as Option from "effect/Option"
import { PingWaiters } from "../../src/internal/peer/PingWaiters.js"
import type { PeerError } from "../../src/peer/PeerError.js"

/** What `peer.ping` does once its ping is out: wait in the list, as the fiber running the registration. */
const waitIn = (waiters: PingWaiters) =>
  Effect.async<Duration.Duration, PeerError>((resume) => waiters.add(Option.getOrUndefined(Fiber.getCurrentFiber()), resume))

describe("PingWaiters", () => {
  it.effect("every live waiter gets the round trip once; the list is empty after", () =>
    Effect.gen(function*() {
      const waiters = new PingWaiters()
      const fibers = yield* Effect.forEach([1, 2, 3], () => Effect.fork(waitIn(waiters)))
      yield* Effect.yieldNow()
      expect(waiters.size).toBe(3)
      waiters.settle(Exit.succeed(Duration.millis(7)))
      expect(waiters.size).toBe(0)
      for (const f of fibers) expect(Duration.toMillis(yield* Fiber.join(f))).toBe(7)
    }))

  it.effect("10,000 waits interrupted while one ping is out leave a bounded list; the live waiter still gets its answer", () =>
    Effect.gen(function*() {
      const waiters = new PingWaiters()
      const live = yield* Effect.fork(waitIn(waiters))
      let most = 0
      for (let i = 0; i < 10_000; i++) {
        const f = yield* Effect.fork(waitIn(waiters))
        yield* Effect.yieldNow()
        yield* Fiber.interrupt(f)
        most = Math.max(most, waiters.size)
      }
      expect(most).toBeLessThanOrEqual(32)
      waiters.settle(Exit.succeed(Duration.millis(3)))
      expect(Duration.toMillis(yield* Fiber.join(live))).toBe(3)
    }))

  it.effect("a failure reaches every live waiter", () =>
    Effect.gen(function*() {
      const waiters = new PingWaiters()
      const f = yield* Effect.fork(waitIn(waiters))
      yield* Effect.yieldNow()
      waiters.settle(Exit.fail({ _tag: "PeerError" } as unknown as PeerError))
      const exit = yield* Fiber.await(f)
      expect(Exit.isFailure(exit)).toBe(true)
    }))
})
