/**
 * The example program, loaded by `main.ts` once that has caught SIGINT and SIGTERM
 * (`shutdownSignals.ts`); see `main.ts` for how to run it and what its exit codes are.
 *
 * The command is `command.ts`; the options are in `options.ts` (each typed and validated by `@effect/cli`); events are
 * written by `output.ts` (text with peer-supplied text escaped, or one JSON object per line).
 * A signal, or a reader that goes away (`| head`), interrupts the program, which closes its sockets.
 */
import * as HelpDoc from "@effect/cli/HelpDoc"
import * as ValidationError from "@effect/cli/ValidationError"
import * as NodeContext from "@effect/platform-node/NodeContext"
import * as NodeRuntime from "@effect/platform-node/NodeRuntime"
import { Cause, type Console, Effect, Exit, Option } from "effect"
import { cli } from "./command.js"
import * as Output from "./output.js"
import type { ShutdownSignals } from "./shutdownSignals.js"

const args = process.argv.slice(2)
// Usage errors come from @effect/cli before `--json` is parsed: look for the flag to format them.
const jsonRequested = args.includes("--json")

/** The exit code for how the program ended (see `main.ts`). */
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

/** Succeeds on the first SIGINT or SIGTERM (at once if one came while the program was loading). */
const signalled = (signals: ShutdownSignals): Effect.Effect<void> =>
  Effect.async<void>((resume) => signals.onFirst(() => resume(Effect.void)))

/** Runs the program until it ends, a signal comes or its reader leaves; then exits with `exitCode`. */
export const run = (signals: ShutdownSignals): void =>
  program.pipe(
    (self) => Effect.flatMap(Effect.console, (base) => Effect.withConsole(self, cliConsole(base))),
    // Whichever ends first: the program, a signal, or our output's reader (the program is then
    // interrupted, which closes its sockets, and the exit code is 0).
    Effect.raceFirst(signalled(signals)),
    Effect.raceFirst(Effect.tapError(Output.closed, (message) => Output.make(jsonRequested).error("runtime", message))),
    // A signal during loading: nothing is started.
    (self) => Effect.suspend(() => (signals.received() === undefined ? self : Effect.void)),
    Effect.provide(NodeContext.layer),
    (self) => NodeRuntime.runMain(self, { disableErrorReporting: true, teardown: (exit, onExit) => onExit(exitCode(exit)) })
  )
