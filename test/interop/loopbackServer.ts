/**
 * A server program from the system (microsocks, danted) run by a test on
 * 127.0.0.1: spawned, waited for until it accepts connections (up to 10 s),
 * and killed when the test's scope closes.
 *
 * When the program is missing the test fails with `missing` (how to install
 * it): a skipped test would hide that nothing was tested.
 *
 * @internal test support
 */
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import type * as Scope from "effect/Scope"
import { spawn } from "node:child_process"
import * as Net from "node:net"

/** Does something accept connections on 127.0.0.1:port? */
const accepts = (port: number) =>
  Effect.async<boolean>((resume) => {
    const s = Net.connect({ host: "127.0.0.1", port })
    s.once("connect", () => {
      s.destroy()
      resume(Effect.succeed(true))
    })
    s.once("error", () => resume(Effect.succeed(false)))
  })

export interface ServerProgram {
  /** What the failure messages call it. */
  readonly name: string
  readonly command: string
  readonly args: ReadonlyArray<string>
  /** The port it was told to listen on, on 127.0.0.1. */
  readonly port: number
  /** The message when `command` is not installed. */
  readonly missing: string
}

/** Starts `program` and waits until it accepts connections on 127.0.0.1:`port`. */
export const startLoopbackServer = (program: ServerProgram): Effect.Effect<void, Error, Scope.Scope> =>
  Effect.gen(function*() {
    const child = yield* Effect.acquireRelease(
      Effect.sync(() => spawn(program.command, program.args, { stdio: "ignore" })),
      (child) =>
        Effect.async<void>((resume) => {
          if (child.exitCode !== null || child.signalCode !== null) return resume(Effect.void)
          child.once("exit", () => resume(Effect.void))
          child.kill("SIGKILL")
        })
    )
    const exited = Effect.async<never, Error>((resume) => {
      child.once("error", (e: NodeJS.ErrnoException) =>
        resume(Effect.fail(new Error(e.code === "ENOENT" ? program.missing : `${program.name}: ${e.message}`))))
      child.once("exit", (code, signal) => resume(Effect.fail(new Error(`${program.name} exited (${code ?? signal}) before listening`))))
    })
    const listening = Effect.gen(function*() {
      while (!(yield* accepts(program.port))) yield* Effect.sleep(Duration.millis(20))
    })
    yield* Effect.raceFirst(listening, exited).pipe(
      Effect.timeoutFail({ duration: Duration.seconds(10), onTimeout: () => new Error(`${program.name} did not listen within 10 s`) })
    )
  })
