import * as Effect from "effect/Effect"
import * as Fiber from "effect/Fiber"
import * as Option from "effect/Option"

/** How a waiting fiber is resumed: with the effect it then runs (the result). */
type Resume<A, E> = (effect: Effect.Effect<A, E>) => void

/** Entries (fiber, resume) held before the first sweep for stale ones. */
const SWEEP_MIN = 8

/**
 * A peer's outcome that fibers may wait for (its handshake, its end): the
 * result once settled, and until then the waiting fibers' resume callbacks,
 * each fiber waiting in an `Effect.async` (the Effect primitive for "resume
 * me later"). Not a `Deferred`: making one copies the Effect prototype into
 * the new object (~2.3 KiB and ~16 µs of CPU per connection set up and
 * closed, with two outcomes per peer), while most waits here are one fiber
 * (the dialer's `connected`, the listener's `awaitDisconnect`). Waiting after
 * it settled gets the result at once, as `Deferred.await` would.
 *
 * The wait has no canceler: with one, Effect wraps it in `onInterrupt` (a
 * mask, a restore, a match and the canceler's own steps), more than the wait
 * itself, on every connection's `connected` and `awaitDisconnect`. A fiber
 * interrupted while waiting (a raced `connected`, `awaitDisconnect` under a
 * timeout) leaves its entry, and resuming it later does nothing (Effect
 * ignores a resume after the interruption). The list stays bounded by a
 * sweep when it doubles: entries of fibers that ended go, and of a fiber's
 * several entries only the newest stays (a fiber waits in one place at a
 * time). What is left is at most one entry per fiber still alive, at O(1)
 * per wait, amortized.
 *
 * @internal
 */
export class Outcome<A, E = never> {
  private result: Effect.Effect<A, E> | undefined = undefined
  /** Fiber, resume, fiber, resume, … in the order they came (no object per waiter). */
  private waiters: Array<Fiber.RuntimeFiber<unknown, unknown> | Resume<A, E> | undefined> | undefined = undefined
  private sweepAt = 2 * SWEEP_MIN

  /** Until settled: interruptible; the waiting fiber is the one running the registration. */
  private readonly wait: Effect.Effect<A, E> = Effect.async<A, E>((resume) => {
    // Settled between the `suspend` below and this registration: at once.
    if (this.result !== undefined) return resume(this.result)
    const waiters = (this.waiters ??= [])
    if (waiters.length >= this.sweepAt) this.sweep(waiters)
    this.waiters.push(Option.getOrUndefined(Fiber.getCurrentFiber()), resume)
  })

  /** Waits for the outcome (interruptible, as `Deferred.await`). */
  readonly await: Effect.Effect<A, E> = Effect.suspend(() => this.result ?? this.wait)

  /** Whether it is settled. */
  get settled(): boolean {
    return this.result !== undefined
  }

  /** Waiters held, stale ones included. */
  get waiting(): number {
    return (this.waiters?.length ?? 0) >> 1
  }

  /**
   * Settles it with `result` (an `Exit`, or an effect each waiter runs, as
   * `Deferred.unsafeDone` takes); only the first call counts.
   */
  settle(result: Effect.Effect<A, E>): void {
    if (this.result !== undefined) return
    this.result = result
    const waiters = this.waiters
    if (waiters === undefined) return
    this.waiters = undefined
    for (let i = 1; i < waiters.length; i += 2) (waiters[i] as Resume<A, E>)(result)
  }

  /** Drops the entries of fibers that ended and all but the newest entry of each fiber. */
  private sweep(waiters: Array<Fiber.RuntimeFiber<unknown, unknown> | Resume<A, E> | undefined>): void {
    const seen = new Set<unknown>()
    const kept: typeof waiters = []
    for (let i = waiters.length - 2; i >= 0; i -= 2) {
      const fiber = waiters[i] as Fiber.RuntimeFiber<unknown, unknown> | undefined
      if (fiber !== undefined) {
        if (seen.has(fiber) || fiber.unsafePoll() !== null) continue
        seen.add(fiber)
      }
      kept.push(waiters[i + 1], fiber)
    }
    kept.reverse()
    this.waiters = kept
    this.sweepAt = Math.max(2 * SWEEP_MIN, 2 * kept.length)
  }
}
