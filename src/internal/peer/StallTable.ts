import * as Duration from "effect/Duration"
import type { StallRule } from "../../peer/PeerConfig.js"

export interface Deadline {
  readonly command: string
  readonly replies: ReadonlyArray<string>
  /** Replies still owed (getdata owes one per requested item). */
  remaining: number
  due: number
}

/**
 * Outstanding requests and the time by which the remote must answer each
 * (after btcd's `maybeAddDeadline` / `stallHandler`). Pure data: the peer adds
 * a deadline when a request is written, clears it when a reply is read, and
 * asks for overdue entries on each tick. Time spent in our own processing is
 * added to every deadline so the remote is not blamed for our slowness.
 *
 * @internal
 */
export class StallTable {
  private deadlines: Array<Deadline> = []
  constructor(private readonly rules: Readonly<Record<string, StallRule>>) {}

  /** Records a request written at `now` that expects `count` replies; returns its deadline, if the command has a rule. */
  expect(command: string, now: number, count = 1): Deadline | undefined {
    const rule = this.rules[command]
    if (rule === undefined || count <= 0) return undefined
    const deadline: Deadline = { command, replies: rule.replies, remaining: count, due: now + Duration.toMillis(rule.timeout) }
    this.deadlines.push(deadline)
    return deadline
  }

  /** Forgets a deadline (its requester gave up waiting and was told so); no-op if already settled. */
  withdraw(deadline: Deadline): void {
    const i = this.deadlines.indexOf(deadline)
    if (i >= 0) this.deadlines.splice(i, 1)
  }

  /** A reply arrived: settles `count` of the oldest request it answers. */
  received(command: string, count = 1): void {
    for (let i = 0; i < this.deadlines.length && count > 0; i++) {
      const d = this.deadlines[i]!
      if (!d.replies.includes(command)) continue
      const n = Math.min(count, d.remaining)
      d.remaining -= n
      count -= n
      if (d.remaining === 0) this.deadlines.splice(i--, 1)
    }
  }

  /** Pushes every deadline back by time we spent busy. */
  extend(millis: number): void {
    if (millis <= 0) return
    for (const d of this.deadlines) d.due += millis
  }

  /** The first overdue request, if any. */
  overdue(now: number): string | undefined {
    for (const d of this.deadlines) if (d.due <= now) return d.command
    return undefined
  }

  get size(): number {
    return this.deadlines.length
  }
}
