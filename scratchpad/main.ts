/**
 * The example program: join a network, ask peers for their mempool (those
 * that serve it: NODE_BLOOM), and log what arrives; replace peers that drop.
 *
 *   npm start                                   embedded local network on 127.0.0.1 (no internet)
 *   npm start -- --help                         every option, with its help
 *   npm start -- --network signet --peers 3     real signet via DNS seeds
 *   npm start -- --network regtest --connect localhost:18444 --duration 5 --json
 *
 * The command is `cli/command.ts`; the options are in `cli/options.ts` (each typed and validated by `@effect/cli`); events are
 * written by `cli/output.ts` (text with peer-supplied text escaped, or one JSON object per line).
 * Ctrl-C shuts down cleanly.
 */
import * as NodeContext from "@effect/platform-node/NodeContext"
import * as NodeRuntime from "@effect/platform-node/NodeRuntime"
import { Effect } from "effect"
import { cli } from "./cli/command.js"
import * as Output from "./cli/output.js"

// Usage errors come from @effect/cli before `--json` is parsed: look for the flag to format them.
const jsonRequested = process.argv.slice(2).includes("--json")

Effect.suspend(() => cli(process.argv)).pipe(
  (self) => (jsonRequested ? Effect.flatMap(Effect.console, (base) => Effect.withConsole(self, Output.jsonUsageConsole(base))) : self),
  Effect.provide(NodeContext.layer),
  (self) => NodeRuntime.runMain(self, { disableErrorReporting: true })
)
