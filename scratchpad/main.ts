/**
 * The example program: join a network, ask peers for their mempool (those
 * that serve it: NODE_BLOOM), and log what arrives; replace peers that drop.
 *
 *   npm start                                   embedded local network on 127.0.0.1 (no internet)
 *   npm start -- --help                         every option, with its help
 *   npm start -- --network signet --peers 3     real signet via DNS seeds
 *   npm start -- --network regtest --connect localhost:18444 --duration 5 --json
 *
 * This file only catches SIGINT and SIGTERM, then loads the program (`cli/program.ts`): loading
 * takes seconds under tsx, and a signal in that time must stop the program, not kill it
 * (`cli/shutdownSignals.ts`). Ctrl-C (SIGINT) and SIGTERM shut down cleanly; a second signal
 * waits for that shutdown, a third forces the exit (130 or 143). A reader that goes away
 * (`| head`) also stops it cleanly.
 *
 * Exit codes: 0 when the run completed (or was stopped by a signal, or its reader left),
 * 1 when it failed (no peer reached, a listener that cannot bind, a name that does not resolve),
 * 2 for a usage error (a bad option; nothing was started).
 */
import * as ShutdownSignals from "./cli/shutdownSignals.js"

const signals = ShutdownSignals.install()
const { run } = await import("./cli/program.js")
run(signals)
