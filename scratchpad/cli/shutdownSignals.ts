/**
 * SIGINT and SIGTERM for the example program, caught from its first line on.
 *
 * `main.ts` installs these before it loads the program (loading takes seconds under tsx on a busy
 * machine; until a listener exists, a signal kills the process with 130 or 143, no socket closed).
 * A signal that comes early is recorded and the program, once loaded, stops at once (exit code 0).
 * The listener stays until the process exits, so a second signal (a service manager that repeats
 * itself, or tsx relaying one more) does not kill a shutdown half done; the third forces the exit
 * with 128 + the signal's number (130 SIGINT, 143 SIGTERM), as a process killed by it would.
 *
 * Plain Node on purpose: this module is loaded before Effect is. The program turns `onFirst` into
 * an Effect (`program.ts`).
 */
import { constants } from "node:os"

/** How many signals stop the program by force instead of waiting for its shutdown. */
export const FORCE_EXIT_AT = 3

/** The signals received so far. */
export interface ShutdownSignals {
  /** The first signal, if one came. */
  readonly received: () => NodeJS.Signals | undefined
  /** Calls `f` with the first signal: when it comes, or at once if it already came. */
  readonly onFirst: (f: (signal: NodeJS.Signals) => void) => void
}

/** Installs the listeners (for the life of the process). */
export const install = (): ShutdownSignals => {
  let first: NodeJS.Signals | undefined
  let count = 0
  const waiting: Array<(signal: NodeJS.Signals) => void> = []
  const onSignal = (signal: NodeJS.Signals) => {
    count += 1
    if (first === undefined) {
      first = signal
      for (const f of waiting.splice(0)) f(signal)
    } else if (count >= FORCE_EXIT_AT) {
      process.exit(128 + constants.signals[signal])
    }
  }
  process.on("SIGINT", onSignal)
  process.on("SIGTERM", onSignal)
  return {
    received: () => first,
    onFirst: (f) => {
      if (first === undefined) waiting.push(f)
      else f(first)
    }
  }
}
