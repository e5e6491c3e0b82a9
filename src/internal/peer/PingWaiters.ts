import type * as Duration from "effect/Duration"
import type * as Exit from "effect/Exit"
import type * as Fiber from "effect/Fiber"
import type { PeerError } from "../../peer/PeerError.js"

/** How `peer.ping` resumes a waiting fiber: with the round trip, or why there is none. */
export type PingResume = (exit: Exit.Exit<Duration.Duration, PeerError>) => void

/** Entries (fiber, resume) held before the first sweep for stale ones. */
const SWEEP_MIN = 16

/**
 * The fibers waiting for the outstanding ping's pong, all resumed at once
 * when it comes (or when the peer ends).
 *
 * `peer.ping` waits in an `Effect.async` with no canceler: a canceler makes
 * Effect wrap the wait in `onInterrupt` (a mask, a restore, a match and the
 * cleanup's own steps), about as much again as the wait itself, ~1 µs of a
 * sequential ping's round trip. Without it, a fiber interrupted while waiting
 * (`Effect.timeout(peer.ping)`) leaves its entry here, and resuming that
 * entry later does nothing (Effect ignores a resume after the interruption).
 * What keeps the list bounded is a sweep when it doubles: entries of fibers
 * that have ended go, and of a fiber's several entries only the newest stays
 * (a fiber waits in one place at a time, so the older ones are stale). What
 * is left is at most one entry per fiber still alive, and the sweep costs
 * O(1) per `add`, amortized.
 *
 * @internal
 */
export class PingWaiters {
  /** Fiber, resume, fiber, resume, …: no object per waiter. */
  private waiting: Array<Fiber.RuntimeFiber<unknown, unknown> | PingResume | undefined> = []
  private sweepAt = 2 * SWEEP_MIN

  /** Waiters, stale ones included. */
  get size(): number {
    return this.waiting.length >> 1
  }

  /** `fiber`: the waiting fiber (undefined only outside a fiber: such an entry is never swept). */
  add(fiber: Fiber.RuntimeFiber<unknown, unknown> | undefined, resume: PingResume): void {
    if (this.waiting.length >= this.sweepAt) this.sweep()
    this.waiting.push(fiber, resume)
  }

  /** Resumes every waiter with `exit`, and forgets them. */
  settle(exit: Exit.Exit<Duration.Duration, PeerError>): void {
    const waiting = this.waiting
    // Usually one waiter (a sequential ping loop): no new list for it.
    if (waiting.length === 2) {
      const resume = waiting[1] as PingResume
      waiting.length = 0
      this.sweepAt = 2 * SWEEP_MIN
      return resume(exit)
    }
    this.waiting = []
    this.sweepAt = 2 * SWEEP_MIN
    for (let i = 1; i < waiting.length; i += 2) (waiting[i] as PingResume)(exit)
  }

  /** Drops the entries of fibers that ended and all but the newest entry of each fiber. */
  private sweep(): void {
    const waiting = this.waiting
    const seen = new Set<unknown>()
    const kept: typeof waiting = []
    for (let i = waiting.length - 2; i >= 0; i -= 2) {
      const fiber = waiting[i] as Fiber.RuntimeFiber<unknown, unknown> | undefined
      if (fiber !== undefined) {
        if (seen.has(fiber) || fiber.unsafePoll() !== null) continue
        seen.add(fiber)
      }
      kept.push(waiting[i + 1]!, fiber)
    }
    kept.reverse()
    this.waiting = kept
    this.sweepAt = Math.max(2 * SWEEP_MIN, 2 * kept.length)
  }
}
