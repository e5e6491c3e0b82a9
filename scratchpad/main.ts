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
 * Ctrl-C (SIGINT) and SIGTERM shut down cleanly; so does a reader that goes away (`| head`).
 *
 * Exit codes: 0 when the run completed (or was stopped by a signal, or its reader left),
 * 1 when it failed (no peer reached, a listener that cannot bind, a name that does not resolve),
 * 2 for a usage error (a bad option; nothing was started).
 */
import * as HelpDoc from "@effect/cli/HelpDoc"
import * as ValidationError from "@effect/cli/ValidationError"
import * as NodeContext from "@effect/platform-node/NodeContext"
import * as NodeRuntime from "@effect/platform-node/NodeRuntime"
import { Cause, type Console, Effect, Exit, Option } from "effect"
import { cli } from "./cli/command.js"
import * as Output from "./cli/output.js"

const args = process.argv.slice(2)
// Usage errors come from @effect/cli before `--json` is parsed: look for the flag to format them.
const jsonRequested = args.includes("--json")

/** The exit code for how the program ended (see the module comment). */
const exitCode = (exit: Exit.Exit<unknown, unknown>): number =>
  Exit.isSuccess(exit) || Cause.isInterruptedOnly(exit.cause)
    ? 0
    : Option.match(Cause.failureOption(exit.cause), {
      onNone: () => 1,
      onSome: (error) => (ValidationError.isValidationError(error) ? 2 : 1)
    })

// @effect/cli's wizard asks questions on a terminal; without one it would wait forever.
const program = args.includes("--wizard") && process.stdin.isTTY !== true
  ? Effect.zipRight(
    Output.make(jsonRequested).error("usage", "--wizard asks its questions on a terminal: stdin is not one"),
    Effect.fail(ValidationError.invalidArgument(HelpDoc.empty))
  )
  : Effect.suspend(() => cli(process.argv))

// @effect/cli styles its help and messages with ANSI escapes: only for a terminal that wants them.
const styled = process.stdout.isTTY === true && (process.env.NO_COLOR ?? "") === ""

/** The console @effect/cli writes its help and usage errors to. */
const cliConsole = (base: Console.Console): Console.Console => {
  const plain = styled ? base : Output.plainConsole(base)
  return jsonRequested ? Output.jsonUsageConsole(plain) : plain
}

program.pipe(
  (self) => Effect.flatMap(Effect.console, (base) => Effect.withConsole(self, cliConsole(base))),
  // Whichever ends first: the program, or our output's reader (the program is then interrupted,
  // which closes its sockets, and the exit code is 0).
  Effect.raceFirst(Effect.tapError(Output.closed, (message) => Output.make(jsonRequested).error("runtime", message))),
  Effect.provide(NodeContext.layer),
  (self) => NodeRuntime.runMain(self, { disableErrorReporting: true, teardown: (exit, onExit) => onExit(exitCode(exit)) })
)
