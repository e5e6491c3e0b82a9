/**
 * The example program's command run in this process, for tests of what it
 * refuses and prints (a child, as support/cli.ts starts, costs seconds of
 * start-up on a busy machine): its console is captured, its exit kept.
 *
 * @internal test support
 */
import * as NodeContext from "@effect/platform-node/NodeContext"
import * as Effect from "effect/Effect"
import type * as Exit from "effect/Exit"
import { cli } from "../../scratchpad/cli/command.js"

/** Runs the program's command with `args` in this process: how it ended, and what it printed (log and error lines, in order). */
export const runCliInProcess = (args: ReadonlyArray<string>): Effect.Effect<{ readonly exit: Exit.Exit<unknown, unknown>; readonly printed: string }> =>
  Effect.gen(function*() {
    const printed: Array<string> = []
    const base = yield* Effect.console
    const capture = (...parts: ReadonlyArray<unknown>) => Effect.sync(() => void printed.push(parts.map(String).join(" ")))
    const exit = yield* cli(["node", "main.ts", ...args]).pipe(
      Effect.withConsole({ ...base, log: capture, error: capture }),
      Effect.provide(NodeContext.layer),
      Effect.exit
    )
    return { exit, printed: printed.join("\n") }
  })
