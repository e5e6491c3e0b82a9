import * as Effect from "effect/Effect"
import * as Fiber from "effect/Fiber"
import * as Option from "effect/Option"
import { sweptWaiters, type WaiterList } from "./waiterList.js"

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
 * The wait has no canceler (see `WaiterList`: the canceler's `onInterrupt`
 * cost more than the wait, on every connection's `connected` and
 * `awaitDisconnect`): a fiber interrupted while waiting (a raced `connected`,
 * `awaitDisconnect` under a timeout) leaves its entry until the list doubles
 * and `sweptWaiters` drops it.
 *
 * @internal
 */
export class Outcome<A, E = never> {
  private result: Effect.Effect<A, E> | undefined = undefined
  private waiters: WaiterList<Resume<A, E>> | undefined = undefined
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

  /** Keeps the entries still worth resuming (`sweptWaiters`). */
  private sweep(waiters: WaiterList<Resume<A, E>>): void {
    const kept = sweptWaiters(waiters)
    this.waiters = kept
    this.sweepAt = Math.max(2 * SWEEP_MIN, 2 * kept.length)
  }
}
