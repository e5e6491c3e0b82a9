/**
 * The example program as a user runs it, for tests: a child process
 * (`node --import tsx scratchpad/main.ts …`) run to its end, and its `--json`
 * events. The program stops by itself after `--duration`; the child is killed
 * at `deadlineMs` (the test then fails on its output) or when the calling
 * fiber is interrupted, so no child outlives its test.
 *
 * @internal test support
 */
import * as Effect from "effect/Effect"
import { spawn } from "node:child_process"
import { fileURLToPath } from "node:url"

const ROOT = fileURLToPath(new URL("../..", import.meta.url))

/** Long enough for a tsx start-up on a loaded 2-core machine, plus the program's own `--duration`. */
export const CLI_DEADLINE_MS = 120_000

export interface CliRun {
  readonly code: number | null
  readonly stdout: string
  readonly stderr: string
}

/** One line of `--json` output. */
export interface CliEvent {
  readonly event: string
  readonly peer?: string
  readonly userAgent?: string
  readonly [key: string]: unknown
}

/** Runs the example program with `args` until it exits (or is killed at `deadlineMs`). */
export const runCli = (args: ReadonlyArray<string>, deadlineMs: number = CLI_DEADLINE_MS): Effect.Effect<CliRun> =>
  Effect.async<CliRun>((resume) => {
    const child = spawn(process.execPath, ["--import", "tsx", "scratchpad/main.ts", ...args], {
      cwd: ROOT,
      env: { ...process.env, NO_COLOR: "1", NODE_BACKEND: "js" }
    })
    let stdout = ""
    let stderr = ""
    child.stdout.on("data", (d: Buffer) => (stdout += d.toString()))
    child.stderr.on("data", (d: Buffer) => (stderr += d.toString()))
    const timer = setTimeout(() => child.kill("SIGKILL"), deadlineMs)
    child.once("close", (code) => {
      clearTimeout(timer)
      resume(Effect.succeed({ code, stdout, stderr }))
    })
    return Effect.sync(() => {
      clearTimeout(timer)
      child.kill("SIGKILL")
    })
  })

/** The `--json` events in `stdout`, in order. */
export const cliEvents = (stdout: string): ReadonlyArray<CliEvent> =>
  stdout.split("\n").filter((l) => l.startsWith("{")).map((l) => JSON.parse(l) as CliEvent)
