import * as Duration from "effect/Duration"
import * as Schedule from "effect/Schedule"
import type { Step } from "./core/Recurring.js"

/**
 * A schedule made here, as a step the core can take without an effect:
 * `draws` when it takes a random draw (a jittered spacing).
 *
 * @internal
 */
export interface Spacing {
  readonly step: Step
  readonly draws: boolean
}

const spacings = new WeakMap<Schedule.Schedule<unknown>, Spacing>()

/**
 * `Schedule.spaced(duration)`, optionally `Schedule.jitteredWith(jitter)`:
 * the very same Effect schedule, remembered as data so the peer can step it
 * without running an effect (`spacingOf`). Stepping an Effect schedule takes
 * a fiber (`Runtime.runSync`), ~28 KiB allocated per connection set up and
 * closed when its peers' first steps ran; stepping a spacing is an addition
 * (and, jittered, one `Math.random` draw: see `lifecycle.stepper` for when
 * that stands for the runtime's `Random`). The peer's default ping and
 * trickle schedules are made here; any other schedule is stepped by Effect.
 *
 * @internal
 */
export const spaced = (
  duration: Duration.Duration,
  jitter?: { readonly min: number; readonly max: number }
): Schedule.Schedule<number> => {
  const base = Schedule.spaced(duration)
  const schedule = jitter === undefined ? base : Schedule.jitteredWith(base, jitter)
  const millis = Duration.toMillis(duration)
  if (!Number.isFinite(millis)) return schedule
  // One step for every peer: it keeps no state (a spacing never ends).
  const step: Step = jitter === undefined
    ? Object.assign((now: number) => now + millis, { immediate: true })
    : Object.assign((now: number) => {
      // The same arithmetic as `Schedule.jitteredWith`'s.
      const r = Math.random()
      return now + (millis * jitter.min * (1 - r) + millis * jitter.max * r)
    }, { immediate: true })
  spacings.set(schedule, { step, draws: jitter !== undefined })
  return schedule
}

/**
 * The step of a schedule made by `spaced`; undefined for any other schedule.
 *
 * @internal
 */
export const spacingOf = (schedule: Schedule.Schedule<unknown>): Spacing | undefined => spacings.get(schedule)
