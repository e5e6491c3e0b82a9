import * as Effect from "effect/Effect"
import type * as Exit from "effect/Exit"

/**
 * An outcome set once and awaited by any number of fibers: what a
 * `Deferred` does, for the two every peer keeps (its handshake's outcome and
 * the reason it ended). Why not a `Deferred`: making one copies the Effect
 * prototype into the new object (about 2 KiB each, measured with V8's
 * allocation sampler), so the two per peer were a large share of a short
 * connection's allocations and of an idle peer's heap. Waiting is an
 * `Effect.async` whose interruption removes the waiter.
 *
 * @internal
 */
export class Signal<A, E = never> {
  private exit: Exit.Exit<A, E> | undefined = undefined
  private waiters: Array<(exit: Exit.Exit<A, E>) => void> | undefined = undefined

  /** Whether the outcome is set. */
  get isDone(): boolean {
    return this.exit !== undefined
  }

  /** Sets the outcome and wakes every waiter; only the first call counts (returns whether it was it). */
  done(exit: Exit.Exit<A, E>): boolean {
    if (this.exit !== undefined) return false
    this.exit = exit
    const waiters = this.waiters
    this.waiters = undefined
    if (waiters !== undefined) for (const wake of waiters) wake(exit)
    return true
  }

  /** The outcome, once set. */
  readonly await: Effect.Effect<A, E> = Effect.async<A, E>((resume) => {
    if (this.exit !== undefined) return resume(this.exit)
    const wake = (exit: Exit.Exit<A, E>) => resume(exit)
    ;(this.waiters ??= []).push(wake)
    return Effect.sync(() => {
      const i = this.waiters?.indexOf(wake) ?? -1
      if (i >= 0) this.waiters!.splice(i, 1)
    })
  })
}
