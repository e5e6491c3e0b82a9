import * as Deferred from "effect/Deferred"
import * as Effect from "effect/Effect"
import type * as FiberId from "effect/FiberId"

/**
 * A peer's outcome that fibers may wait for (its handshake, its end): a
 * `Deferred`, made when the first fiber waits for it before it is settled.
 * Most short-lived peers are never waited on for one of them (a dialer
 * closes its peer's scope rather than awaiting its end; a crawler's peer
 * ends before anyone asks), and a `Deferred` copies the Effect prototype
 * into each new one (~2.3 KiB, four per connection set up and closed).
 * Waiting after it settled gets the result at once, as `Deferred.await`
 * would.
 *
 * @internal
 */
export class Outcome<A, E = never> {
  private deferred: Deferred.Deferred<A, E> | undefined = undefined
  private result: Effect.Effect<A, E> | undefined = undefined

  constructor(private readonly fiberId: FiberId.FiberId) {}

  /** Waits for the outcome (interruptible, as `Deferred.await`). */
  readonly await: Effect.Effect<A, E> = Effect.suspend(() =>
    this.result ?? Deferred.await(this.deferred ??= Deferred.unsafeMake<A, E>(this.fiberId))
  )

  /** Whether it is settled. */
  get settled(): boolean {
    return this.result !== undefined
  }

  /**
   * Settles it with `result` (an `Exit`, or an effect each waiter runs, as
   * `Deferred.unsafeDone` takes); only the first call counts.
   */
  settle(result: Effect.Effect<A, E>): void {
    if (this.result !== undefined) return
    this.result = result
    if (this.deferred !== undefined) Deferred.unsafeDone(this.deferred, result)
  }
}
