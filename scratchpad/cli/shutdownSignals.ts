/**
 * SIGINT and SIGTERM for the example program, caught from its first line on.
 *
 * `main.ts` installs these before it loads the program (loading takes seconds under tsx on a busy
 * machine; until a listener exists, a signal kills the process with 130 or 143, no socket closed).
 * A signal that comes early is recorded and the program, once loaded, stops at once (exit code 0).
 * The listener stays until the process exits, so a second signal (a service manager that repeats
 * itself) does not kill a shutdown half done; the third forces the exit with 128 + the signal's
 * number (130 SIGINT, 143 SIGTERM), as a process killed by it would. The same signal again within
 * `ECHO_MS` counts once: under `npm start` in a terminal one Ctrl-C arrives twice (from the
 * terminal to the whole process group, and again from npm, which forwards it to its script), so
 * without this the second press would force the exit instead of waiting.
 *
 * Plain Node on purpose: this module is loaded before Effect is. The program turns `onFirst` into
 * an Effect (`program.ts`).
 */
import { constants } from "node:os"

/** How many signals stop the program by force instead of waiting for its shutdown. */
export const FORCE_EXIT_AT = 3

/** The same signal again within this many milliseconds is an echo of the last one (npm's forward). */
export const ECHO_MS = 100

/** The signals received so far. */
export interface ShutdownSignals {
  /** The first signal, if one came. */
  readonly received: () => NodeJS.Signals | undefined
  /** Calls `f` with the first signal: when it comes, or at once if it already came. */
  readonly onFirst: (f: (signal: NodeJS.Signals) => void) => void
}

/** Installs the listeners (for the life of the process); `now` is the clock echoes are judged by. */
export const install = (now: () => number = Date.now): ShutdownSignals => {
  let first: NodeJS.Signals | undefined
  let count = 0
  let last: { readonly signal: NodeJS.Signals; readonly at: number } | undefined
  const waiting: Array<(signal: NodeJS.Signals) => void> = []
  const onSignal = (signal: NodeJS.Signals) => {
    const at = now()
    // Measured from the last signal counted, so presses in quick succession still add up.
    if (last !== undefined && last.signal === signal && at - last.at < ECHO_MS) return
    last = { signal, at }
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
