import * as Effect from "effect/Effect"

/** How a waiting fiber is resumed: with the effect it then runs (the result). */
type Resume<A, E> = (effect: Effect.Effect<A, E>) => void

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
 * @internal
 */
export class Outcome<A, E = never> {
  private result: Effect.Effect<A, E> | undefined = undefined
  /** The fibers waiting (most often one): resumed in the order they came. */
  private waiters: Array<Resume<A, E>> | undefined = undefined

  /** Until settled: interruptible, and an interrupted waiter leaves the list. */
  private readonly wait: Effect.Effect<A, E> = Effect.async<A, E>((resume) => {
    // Settled between the `suspend` below and this registration: at once.
    if (this.result !== undefined) return resume(this.result)
    ;(this.waiters ??= []).push(resume)
    return Effect.sync(() => {
      const waiters = this.waiters
      const i = waiters === undefined ? -1 : waiters.indexOf(resume)
      if (i >= 0) waiters!.splice(i, 1)
    })
  })

  /** Waits for the outcome (interruptible, as `Deferred.await`). */
  readonly await: Effect.Effect<A, E> = Effect.suspend(() => this.result ?? this.wait)

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
    const waiters = this.waiters
    if (waiters === undefined) return
    this.waiters = undefined
    for (const resume of waiters) resume(result)
  }
}
