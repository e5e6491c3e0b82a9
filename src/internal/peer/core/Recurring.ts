/**
 * A schedule the peer follows (pings, the inventory trickle). The core does
 * not run schedules (an Effect `Schedule` steps inside the runtime, and may
 * draw random jitter): it asks the engine's `step` for the next recurrence
 * and keeps the answer.
 *
 * @internal
 */
export class Recurring {
  /** When it recurs next; undefined while not scheduled (or done). */
  next: number | undefined = undefined
  /** The schedule must be stepped (at the handshake, and after a scheduled ping was answered). */
  stepDue = false

  constructor(private readonly step: (now: number) => number | undefined) {}

  /** Steps at `now`: the next recurrence starts then (done: none). */
  advance(now: number): void {
    this.stepDue = false
    this.next = this.step(now)
  }

  /** Due at `now` (stepped already). */
  isDue(now: number): boolean {
    return this.next !== undefined && this.next <= now
  }
}
