import type * as Message from "../../../wire/Message.js"
import type { Deadline } from "../StallTable.js"

/** A request's stall deadline, set when its frame is written. */
export interface StallHandle {
  /** The request ended without its reply; set no deadline when the frame is written. */
  withdrawn: boolean
  deadline: Deadline | undefined
}

/** A `request` waiting for its reply. `R` is the engine's handle to resume it. */
export interface Request<R> {
  readonly match: (m: Message.NetworkMessage) => unknown
  readonly handle: R
  readonly command: string
  readonly timeoutMillis: number
  /** When the request times out (the engine's clock, milliseconds). */
  readonly due: number
  readonly stall: StallHandle
}

/**
 * The requests waiting for a reply, in the order they were made: each
 * received message is offered to every one (a reply may answer several).
 *
 * @internal
 */
export class Requests<R> {
  /** Made by the first request: most peers never make one. */
  private waiting: Set<Request<R>> | undefined = undefined

  add(request: Request<R>): void {
    ;(this.waiting ??= new Set()).add(request)
  }

  /** Removes it; false if it was no longer waiting. */
  remove(request: Request<R>): boolean {
    return this.waiting !== undefined && this.waiting.delete(request)
  }

  get size(): number {
    return this.waiting === undefined ? 0 : this.waiting.size
  }

  /** The earliest due time, or `Infinity`. */
  earliestDue(): number {
    let next = Number.POSITIVE_INFINITY
    if (this.waiting !== undefined) for (const r of this.waiting) next = Math.min(next, r.due)
    return next
  }

  [Symbol.iterator](): Iterator<Request<R>> {
    return (this.waiting ?? NONE)[Symbol.iterator]()
  }

  /** Every request still waiting, removed (the peer ended). */
  drain(): Array<Request<R>> {
    if (this.waiting === undefined || this.waiting.size === 0) return []
    const all = [...this.waiting]
    this.waiting.clear()
    return all
  }
}

const NONE: ReadonlySet<never> = new Set()
