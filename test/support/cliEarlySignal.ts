/**
 * `scratchpad/main.ts` with a SIGTERM that arrives while the program is still loading: the
 * listeners are installed, the signal is sent to ourselves and seen, and only then is the
 * program loaded and run with our arguments. A test spawns this as the entry.
 *
 * @internal test support
 */
import * as ShutdownSignals from "../../scratchpad/cli/shutdownSignals.js"

const signals = ShutdownSignals.install()
const seen = new Promise<void>((resolve) => signals.onFirst(() => resolve()))
// A signal listener does not keep Node running: a timer does until the signal is delivered.
const keepAlive = setInterval(() => {}, 1_000)
process.kill(process.pid, "SIGTERM")
await seen
clearInterval(keepAlive)
const { run } = await import("../../scratchpad/cli/program.js")
run(signals)
