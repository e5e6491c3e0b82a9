import * as Clock from "effect/Clock"
import * as Context from "effect/Context"
import * as DefaultServices from "effect/DefaultServices"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import type * as Fiber from "effect/Fiber"
import * as FiberId from "effect/FiberId"
import { onMicrotask } from "./microtask.js"

/** The default services' clock: its `sleep` is a plain timer, which the alarm may arm itself. */
const liveClock = Context.get(DefaultServices.liveServices, Clock.Clock)

/** What `Effect.sleep` does on the live clock: a plain timer, with no fiber waiting on it. */
const liveTimer = (task: () => void, millis: number): () => void => {
  const handle = setTimeout(task, millis)
  return () => clearTimeout(handle)
}

/**
 * The alarm's `timer` for `clock`: a plain timer on the live clock; none on
 * any other (a `TestClock`), where the alarm sleeps on the clock.
 *
 * @internal
 */
export const timerOf = (clock: Clock.Clock): ((task: () => void, millis: number) => () => void) | undefined =>
  clock === liveClock ? liveTimer : undefined

/** The longest a JavaScript timer can wait (longer ones fire at once). */
const MAX_TIMER_MILLIS = 2 ** 31 - 1

/**
 * Every timer of a peer on one fiber: the handshake, idle and pong timeouts,
 * stall ticks, request timeouts, and the ping and trickle schedules. The
 * owner keeps its deadlines as plain numbers and says when the earliest one
 * moved earlier (`wakeBy`); the alarm sleeps (on the `Clock`, so `TestClock`
 * drives it) until the earliest, then runs `ring`, which handles what is due
 * and returns the next deadline.
 *
 * Why not one fiber per timer, or `Effect.timeout` per request: a parked
 * fiber costs kilobytes, times every connected peer, and a timeout races two
 * forked fibers per call, which was half the cost of a sequential ping. Here
 * an idle peer has one sleeping fiber, and a request or ping adds none. When
 * a deadline comes earlier than the one slept for (rare: a request timeout
 * shorter than the next tick), the sleeping fiber is interrupted and a new
 * one started. A deadline that is already due ("as soon as possible": the
 * first steps at the handshake and the next ping after a pong of a schedule
 * other than the default ones, which the core steps at once) is
 * handled on a microtask instead, when `ringNow` can handle it without an
 * effect: a peer's handshake no longer restarts its alarm fiber twice. On
 * the live clock it waits for the next timer turn instead (a 0 ms timer):
 * a step of an Effect schedule costs a fiber (`Runtime.runSync`), and a peer
 * that ends within the turn (a dialer that closes once connected, a crawler)
 * never needs it; the core steps as of the time it came due, so a
 * schedule's times do not move. The default schedules are plain spacings
 * the core steps at once (`plainSchedule.ts`): with them the handshake asks
 * for no such turn.
 *
 * On the live clock (`timer` given: what `Effect.sleep` does there, a plain
 * timer), there is no fiber at all while waiting: the deadline is a timer
 * whose callback rings through `ringNow`, and a fiber is started only for a
 * ring that needs an effect, ending once it rang. A fiber forked, interrupted
 * and awaited per peer was a large part of a short connection's cost (a peer
 * that lives a handshake restarted it twice). Under `TestClock` (no `timer`)
 * the fiber sleeps on the clock as before, so tests drive it.
 *
 * @internal
 */
export class Alarm {
  /** When the alarm fiber wakes next (Infinity: no fiber). */
  private due = Number.POSITIVE_INFINITY
  private fiber: Fiber.RuntimeFiber<void, never> | undefined
  private ringing = false
  private stopped = false
  /** Bumped for each new alarm fiber: an interrupted one that still gets to run sees it is stale and ends. */
  private generation = 0
  /** A microtask is queued to handle what is due now. */
  private soon = false
  /** Cancels the armed timer (timer mode). */
  private cancelTimer: (() => void) | undefined = undefined

  constructor(
    private readonly now: () => number,
    /** Starts an effect in a fiber of its own, on the next microtask. */
    private readonly fork: (effect: Effect.Effect<void>) => Fiber.RuntimeFiber<void, never>,
    /** Handles everything due at `now`; returns the next deadline (Infinity: none). */
    private readonly ring: (now: number) => Effect.Effect<number>,
    /** `ring` done synchronously, when it can be (else `undefined`, and the alarm fiber rings). */
    private readonly ringNow: (now: number) => number | undefined = () => undefined,
    /** Arms a plain timer (live clock only): runs `task` after `millis`, returns its cancel. */
    private readonly timer?: ((task: () => void, millis: number) => () => void) | undefined
  ) {}

  /** Makes sure `ring` runs no later than `at`. */
  wakeBy(at: number): void {
    if (at >= this.due || this.stopped) return
    // While ringing, the loop reads `due` when `ring` returns.
    if (this.ringing) {
      this.due = at
      return
    }
    if (at <= this.now()) {
      // On the live clock, on the next timer turn: what is due now is a schedule's step (the
      // handshake's, a pong's), which a peer that ends first (a crawler's, a refused one) never
      // needs; the step is taken as of the time it became due, so the schedule keeps its times.
      if (this.timer !== undefined) return this.restart(at)
      if (!this.soon) {
        this.soon = true
        onMicrotask(this.ringSoon)
      }
      return
    }
    this.restart(at)
  }

  private restart(at: number): void {
    if (this.timer === undefined) return this.startFiber(at)
    this.due = at
    this.arm()
  }

  /** The alarm fiber, ringing at `at` (an effectful ring, or no timer). */
  private startFiber(at: number): void {
    this.due = at
    this.disarm()
    this.fiber?.unsafeInterruptAsFork(FiberId.none)
    this.fiber = this.fork(this.loop(++this.generation))
  }

  /** Timer mode: a timer for `due` replaces any earlier timer or fiber. */
  private arm(): void {
    this.disarm()
    if (this.fiber !== undefined) {
      ++this.generation
      this.fiber.unsafeInterruptAsFork(FiberId.none)
      this.fiber = undefined
    }
    if (this.due === Number.POSITIVE_INFINITY) return
    // Whole milliseconds, as the fiber sleeps; a timer longer than a timer can be wakes early and re-arms.
    const millis = Math.min(MAX_TIMER_MILLIS, Math.max(0, Math.ceil(this.due - this.now())))
    this.cancelTimer = this.timer!(this.onTimer, millis)
  }

  private disarm(): void {
    const cancel = this.cancelTimer
    this.cancelTimer = undefined
    cancel?.()
  }

  /**
   * `ringNow` outside a fiber, marked as ringing; `undefined` when the ring needs an effect or threw.
   * A throw is not let out into a timer or the microtask queue (uncaught): the alarm fiber then
   * rings again and fails as it always did.
   */
  private ringGuarded(t: number): number | undefined {
    this.ringing = true
    try {
      return this.ringNow(t)
    } catch {
      return undefined
    } finally {
      this.ringing = false
    }
  }

  /** Timer mode: the timer fired; ring as `ringSoon` does (an effectful ring goes to a fiber). */
  private readonly onTimer = (): void => {
    this.cancelTimer = undefined
    if (this.stopped || this.ringing) return
    const t = this.now()
    if (t < this.due) return this.arm()
    this.due = Number.POSITIVE_INFINITY
    const next = this.ringGuarded(t)
    if (next === undefined) return this.startFiber(Math.min(this.due, t))
    this.due = Math.min(this.due, next)
    if (this.due !== Number.POSITIVE_INFINITY) this.arm()
  }

  /** What is due now, on a microtask (the caller of `wakeBy` may be in the middle of its own work). */
  private readonly ringSoon = (): void => {
    this.soon = false
    if (this.stopped) return
    const t = this.now()
    if (this.ringing) return void (this.due = Math.min(this.due, t))
    const next = this.ringGuarded(t)
    if (next === undefined) return this.startFiber(t)
    // The sleeping fiber or armed timer (if any) still wakes at its time; only an earlier deadline moves it.
    if (next < this.due) this.restart(next)
  }

  /** Whether stopping takes no effect (no fiber to end): `stopNow` does it. */
  get idle(): boolean {
    return this.fiber === undefined
  }

  /** `stop` when `idle`, synchronously. */
  stopNow(): void {
    this.stopped = true
    this.due = Number.POSITIVE_INFINITY
    this.disarm()
  }

  /** Ends the alarm fiber or timer, if any. */
  readonly stop: Effect.Effect<void> = Effect.suspend(() => {
    this.stopNow()
    const fiber = this.fiber
    this.fiber = undefined
    if (fiber === undefined) return Effect.void
    fiber.unsafeInterruptAsFork(FiberId.none)
    return Effect.asVoid(fiber.await)
  })

  private loop(generation: number): Effect.Effect<void> {
    return Effect.suspend(() => {
      if (generation !== this.generation) return Effect.void
      if (this.stopped || this.due === Number.POSITIVE_INFINITY) {
        this.fiber = undefined
        return Effect.void
      }
      const t = this.now()
      // Whole milliseconds: a fractional remainder (jittered schedules) could round to a sleep of no time, forever.
      if (t < this.due) return Effect.zipRight(Effect.sleep(Duration.millis(Math.ceil(this.due - t))), this.loop(generation))
      this.ringing = true
      this.due = Number.POSITIVE_INFINITY
      return Effect.flatMap(this.ring(t), (next) => {
        this.ringing = false
        this.due = Math.min(this.due, next)
        if (this.timer === undefined || generation !== this.generation || this.stopped) return this.loop(generation)
        // Timer mode: the fiber was for this ring only; a timer waits for the next.
        this.fiber = undefined
        this.arm()
        return Effect.void
      })
    })
  }
}
