import type * as Fiber from "effect/Fiber"

/**
 * Waiting fibers and how to resume them, flat: fiber, resume, fiber, resume,
 * … in the order they came (no object per waiter). The fiber is `undefined`
 * for a wait registered outside a fiber (never swept).
 *
 * The lists of `Outcome` and `PingWaiters`, whose waits have no canceler: a
 * canceler makes Effect wrap the wait in `onInterrupt` (a mask, a restore, a
 * match and the canceler's own steps), about as much again as the wait
 * itself. So a fiber interrupted while waiting leaves its entry behind, and
 * resuming it later does nothing (Effect ignores a resume after the
 * interruption). Such lists stay bounded by `sweptWaiters` when they double.
 *
 * @internal
 */
export type WaiterList<R> = Array<Fiber.RuntimeFiber<unknown, unknown> | R | undefined>

/**
 * The entries of `waiters` still worth resuming: those of fibers that have
 * not ended, and of a fiber's several entries only the newest (a fiber waits
 * in one place at a time, so its older entries are stale). What is left is
 * at most one entry per live fiber; called when the list doubled, the sweep
 * costs O(1) per wait, amortized.
 *
 * @internal
 */
export const sweptWaiters = <R>(waiters: WaiterList<R>): WaiterList<R> => {
  const seen = new Set<unknown>()
  const kept: WaiterList<R> = []
  for (let i = waiters.length - 2; i >= 0; i -= 2) {
    const fiber = waiters[i] as Fiber.RuntimeFiber<unknown, unknown> | undefined
    if (fiber !== undefined) {
      if (seen.has(fiber) || fiber.unsafePoll() !== null) continue
      seen.add(fiber)
    }
    kept.push(waiters[i + 1], fiber)
  }
  return kept.reverse()
}
