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
import * as Fiber from "effect/Fiber"
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

/**
 * On the live clock the alarm arms a plain timer instead of a sleeping fiber.
 * Here the timer and the clock are driven by hand: what the peer relies on is
 * that nothing but a timer exists while it waits, that a timer firing early
 * (a timer's rounding) rings nothing and waits for the rest, that a ring
 * needing an effect runs in a fiber that ends once it rang (its answer armed
 * as a timer), and that `stop` cancels the timer.
 */
describe("Alarm on a timer (the live clock)", () => {
  const makeTimed = (ringNow: (now: number) => number | undefined, ringByEffect: (now: number) => number = () => Infinity) =>
    Effect.gen(function*() {
      const runtime = yield* Effect.runtime<never>()
      const state = {
        now: 0,
        armed: [] as Array<{ task: () => void; millis: number; cancelled: boolean }>,
        forked: [] as Array<Fiber.RuntimeFiber<void>>,
        rangByEffect: [] as Array<number>
      }
      const alarm = new Alarm(
        () => state.now,
        (effect) => {
          const fiber = Runtime.runFork(runtime)(effect, { immediate: false })
          state.forked.push(fiber)
          return fiber
        },
        (now) => Effect.sync(() => (state.rangByEffect.push(now), ringByEffect(now))),
        ringNow,
        (task, millis) => {
          const timer = { task, millis, cancelled: false }
          state.armed.push(timer)
          return () => void (timer.cancelled = true)
        }
      )
      const live = () => state.armed.filter((t) => !t.cancelled)
      /** Fires the one live timer at `now`. */
      const fire = (now: number) => {
        const [timer, ...rest] = live()
        expect(rest).toEqual([])
        timer!.cancelled = true
        state.now = now
        timer!.task()
      }
      yield* Effect.addFinalizer(() => alarm.stop)
      return { alarm, state, live, fire }
    })

  it.scoped("waits on one timer, no fiber; rings at the deadline; a timer firing early waits for the rest", () =>
    Effect.gen(function*() {
      const rang: Array<number> = []
      const { alarm, state, live, fire } = yield* makeTimed((now) => (rang.push(now), now < 2000 ? now + 1000 : Infinity))
      alarm.wakeBy(1000)
      expect(live().map((t) => t.millis)).toEqual([1000])
      fire(999)
      expect(rang).toEqual([])
      expect(live().map((t) => t.millis)).toEqual([1])
      fire(1000)
      expect(rang).toEqual([1000])
      expect(live().map((t) => t.millis)).toEqual([1000])
      fire(2000)
      expect(rang).toEqual([1000, 2000])
      expect(live()).toEqual([])
      expect(state.forked).toEqual([])
    }))

  it.scoped("an earlier deadline replaces the timer; stop cancels it", () =>
    Effect.gen(function*() {
      const { alarm, live } = yield* makeTimed(() => Infinity)
      alarm.wakeBy(5000)
      alarm.wakeBy(2000)
      alarm.wakeBy(4000)
      expect(live().map((t) => t.millis)).toEqual([2000])
      yield* alarm.stop
      expect(live()).toEqual([])
      alarm.wakeBy(100)
      expect(live()).toEqual([])
    }))

  it.scoped("a deadline already due waits for a 0 ms timer, not a microtask: stopped before that turn, it never rings", () =>
    Effect.gen(function*() {
      const rang: Array<number> = []
      const { alarm, state, live, fire } = yield* makeTimed((now) => (rang.push(now), Infinity))
      state.now = 500
      alarm.wakeBy(500)
      expect(live().map((t) => t.millis)).toEqual([0])
      yield* Effect.promise(() => Promise.resolve())
      expect(rang).toEqual([])
      fire(501)
      expect(rang).toEqual([501])
      alarm.wakeBy(501)
      expect(live().map((t) => t.millis)).toEqual([0])
      yield* alarm.stop
      expect(live()).toEqual([])
      expect(rang).toEqual([501])
    }))

  it.scoped("a ring that needs an effect runs in a fiber that ends once it rang; the next deadline is a timer again", () =>
    Effect.gen(function*() {
      const { alarm, state, live, fire } = yield* makeTimed(() => undefined, (now) => now + 2000)
      alarm.wakeBy(1000)
      fire(1000)
      expect(state.forked.length).toBe(1)
      yield* Fiber.await(state.forked[0]!)
      expect(state.rangByEffect).toEqual([1000])
      expect(live().map((t) => t.millis)).toEqual([2000])
      expect(alarm.idle).toBe(true)
      expect(state.forked.length).toBe(1)
    }))
})
