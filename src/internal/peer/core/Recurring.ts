/**
 * How the engine steps a schedule at `now`: the next recurrence, or
 * undefined when done. `immediate`: stepping costs no more than a call (no
 * effect to run), so the core takes a step when it comes due.
 *
 * @internal
 */
export interface Step {
  (now: number): number | undefined
  readonly immediate?: boolean
}

/**
 * A schedule the peer follows (pings, the inventory trickle). The core does
 * not run schedules (an Effect `Schedule` steps inside the runtime, and may
 * draw random jitter): it asks the engine's `step` for the next recurrence
 * and keeps the answer.
 *
 * A step that comes due (at the handshake, after a scheduled ping was
 * answered) is taken on the next timer turn, as of the time it came due
 * (`stepFrom`): the schedule keeps its times, and a peer that ends first (a
 * crawler's, a refused one) never runs it. A step that is `immediate`
 * (a plain spacing, the defaults) is taken at once instead: then nothing is
 * left for a timer turn, and the alarm is not re-armed for it.
 *
 * @internal
 */
export class Recurring {
  /** When it recurs next; undefined while not scheduled (or done). */
  next: number | undefined = undefined
  /** Since when the schedule must be stepped; undefined while no step is due. */
  stepFrom: number | undefined = undefined

  constructor(private readonly step: Step) {}

  /** A step is due as of `now` (taken at once when it is `immediate`). */
  stepDueAt(now: number): void {
    if (this.step.immediate === true && this.stepFrom === undefined) this.advance(now)
    else this.stepFrom ??= now
  }

  /** Whether a step is due. */
  get stepDue(): boolean {
    return this.stepFrom !== undefined
  }

  /** Takes the due step, if any, as of when it came due. */
  stepIfDue(): void {
    const from = this.stepFrom
    if (from !== undefined) this.advance(from)
  }

  /** Steps at `now`: the next recurrence starts then (done: none). */
  advance(now: number): void {
    this.stepFrom = undefined
    this.next = this.step(now)
  }

  /** Due at `now` (stepped already). */
  isDue(now: number): boolean {
    return this.next !== undefined && this.next <= now
  }
}
