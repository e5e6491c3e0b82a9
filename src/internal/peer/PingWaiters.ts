import type * as Duration from "effect/Duration"
import type * as Exit from "effect/Exit"
import type * as Fiber from "effect/Fiber"
import type { PeerError } from "../../peer/PeerError.js"
import { sweptWaiters, type WaiterList } from "./waiterList.js"

/** How `peer.ping` resumes a waiting fiber: with the round trip, or why there is none. */
export type PingResume = (exit: Exit.Exit<Duration.Duration, PeerError>) => void

/** Entries (fiber, resume) held before the first sweep for stale ones. */
const SWEEP_MIN = 16

/**
 * The fibers waiting for the outstanding ping's pong, all resumed at once
 * when it comes (or when the peer ends).
 *
 * `peer.ping` waits in an `Effect.async` with no canceler (see `WaiterList`:
 * the canceler's `onInterrupt` was ~1 µs of a sequential ping's round trip):
 * a fiber interrupted while waiting (`Effect.timeout(peer.ping)`) leaves its
 * entry here until the list doubles and `sweptWaiters` drops it.
 *
 * @internal
 */
export class PingWaiters {
  private waiting: WaiterList<PingResume> = []
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

  /** Keeps the entries still worth resuming (`sweptWaiters`). */
  private sweep(): void {
    const kept = sweptWaiters(this.waiting)
    this.waiting = kept
    this.sweepAt = Math.max(2 * SWEEP_MIN, 2 * kept.length)
  }
}
