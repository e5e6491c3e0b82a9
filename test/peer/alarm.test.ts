/**
 * The peer's timers (`internal/peer/Alarm`), under `TestClock`: one fiber
 * that rings at the earliest deadline. What the peer relies on: it rings
 * exactly at the deadline, not before; an earlier deadline (`wakeBy`)
 * replaces the sleep; a later one leaves it; `ring` says when to ring next;
 * `wakeBy` while ringing is kept; `stop` ends it for good.
 */
import { describe, expect, it } from "@effect/vitest"
import * as Clock from "effect/Clock"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Runtime from "effect/Runtime"
import * as TestClock from "effect/TestClock"
import { Alarm } from "../../src/internal/peer/Alarm.js"

const makeAlarm = (next: (now: number, rang: Array<number>) => number, onRing?: (alarm: Alarm) => void) =>
  Effect.gen(function*() {
    const clock = yield* Effect.clock
    const runtime = yield* Effect.runtime<never>()
    const rang: Array<number> = []
    const alarm: Alarm = new Alarm(
      () => clock.unsafeCurrentTimeMillis(),
      (effect) => Runtime.runFork(runtime)(effect, { immediate: false }),
      (now) =>
        Effect.sync(() => {
          rang.push(now)
          onRing?.(alarm)
          return next(now, rang)
        })
    )
    yield* Effect.addFinalizer(() => alarm.stop)
    return { alarm, rang }
  })

const at = (millis: number) => Effect.flatMap(Clock.currentTimeMillis, (now) => TestClock.adjust(Duration.millis(millis - now)))

describe("Alarm", () => {
  it.scoped("rings at the deadline, not a millisecond before, then when ring says", () =>
    Effect.gen(function*() {
      const { alarm, rang } = yield* makeAlarm((now) => (now < 3000 ? now + 1000 : Infinity))
      alarm.wakeBy(1000)
      yield* at(999)
      expect(rang).toEqual([])
      yield* at(1000)
      expect(rang).toEqual([1000])
      yield* at(10_000)
      expect(rang).toEqual([1000, 2000, 3000])
    }))

  it.scoped("an earlier deadline replaces the sleep; a later one changes nothing", () =>
    Effect.gen(function*() {
      const { alarm, rang } = yield* makeAlarm(() => Infinity)
      alarm.wakeBy(5000)
      yield* at(100)
      alarm.wakeBy(2000)
      alarm.wakeBy(4000)
      yield* at(10_000)
      expect(rang).toEqual([2000])
    }))

  it.scoped("a deadline set while ringing is kept (the earlier of it and ring's answer wins)", () =>
    Effect.gen(function*() {
      let first = true
      const { alarm, rang } = yield* makeAlarm(() => Infinity, (a) => {
        if (first) a.wakeBy(1500)
        first = false
      })
      alarm.wakeBy(1000)
      yield* at(10_000)
      expect(rang).toEqual([1000, 1500])
    }))

  it.scoped("a fractional deadline (a jittered schedule's) rings once, just after it, without spinning", () =>
    Effect.gen(function*() {
      const { alarm, rang } = yield* makeAlarm(() => Infinity)
      alarm.wakeBy(1000.3)
      yield* at(5000)
      expect(rang).toEqual([1001])
    }))

  it.scoped("stop ends it: no ring after, and wakeBy is ignored", () =>
    Effect.gen(function*() {
      const { alarm, rang } = yield* makeAlarm(() => Infinity)
      alarm.wakeBy(1000)
      yield* alarm.stop
      alarm.wakeBy(500)
      yield* at(10_000)
      expect(rang).toEqual([])
    }))
})
