/**
 * The example program as a user runs it, for tests: a child process
 * (`node --import tsx scratchpad/main.ts …`) and its `--json` events.
 * The program stops by itself after `--duration`; the child is killed at
 * `deadlineMs` (the test then fails on its output), when its owner calls
 * `kill` (an `afterAll`), or when the calling fiber is interrupted
 * (`runCli`), so no child outlives its test.
 *
 * @internal test support
 */
import * as Effect from "effect/Effect"
import { type ChildProcessWithoutNullStreams, spawn } from "node:child_process"
import { fileURLToPath } from "node:url"

const ROOT = fileURLToPath(new URL("../..", import.meta.url))

/** Long enough for a tsx start-up on a loaded 2-core machine, plus the program's own `--duration`. */
export const CLI_DEADLINE_MS = 120_000

export interface CliRun {
  readonly code: number | null
  /** The signal that ended the program: `SIGKILL` when the deadline or a `kill` did. */
  readonly signal: NodeJS.Signals | null
  readonly stdout: string
  readonly stderr: string
}

/** A running example program. */
export interface CliChild {
  readonly child: ChildProcessWithoutNullStreams
  /** Everything it has printed so far. */
  readonly stdout: () => string
  readonly stderr: () => string
  /** Settles when the program has exited (never rejects: a failed spawn is code `null` with the error in `stderr`). */
  readonly done: Promise<CliRun>
  /** Kills it (SIGKILL) if it is still running. */
  readonly kill: () => void
}

/** One line of `--json` output. */
export interface CliEvent {
  readonly event: string
  readonly peer?: string
  readonly userAgent?: string
  readonly [key: string]: unknown
}

/** How to start it: `entry` (default `scratchpad/main.ts`), `env` over ours (`NO_COLOR=1`; `undefined` removes a variable). */
export interface CliStart {
  readonly entry?: string
  readonly env?: Readonly<Record<string, string | undefined>>
}

/** Starts the example program with `args`; it is killed at `deadlineMs` if it has not exited by then. */
export const startCli = (args: ReadonlyArray<string>, deadlineMs: number = CLI_DEADLINE_MS, how: CliStart = {}): CliChild => {
  const env: Record<string, string | undefined> = { ...process.env, NO_COLOR: "1", NODE_BACKEND: "js", ...how.env }
  for (const [k, v] of Object.entries(env)) if (v === undefined) delete env[k]
  const child = spawn(process.execPath, ["--import", "tsx", how.entry ?? "scratchpad/main.ts", ...args], { cwd: ROOT, env })
  let stdout = ""
  let stderr = ""
  child.stdout.on("data", (d: Buffer) => (stdout += d.toString()))
  child.stderr.on("data", (d: Buffer) => (stderr += d.toString()))
  const kill = () => {
    if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL")
  }
  const timer = setTimeout(kill, deadlineMs)
  const done = new Promise<CliRun>((resolve) => {
    child.once("error", (e) => {
      clearTimeout(timer)
      resolve({ code: null, signal: null, stdout, stderr: `${stderr}${String(e)}` })
    })
    child.once("close", (code, signal) => {
      clearTimeout(timer)
      resolve({ code, signal, stdout, stderr })
    })
  })
  return { child, stdout: () => stdout, stderr: () => stderr, done, kill }
}

/**
 * The children of one test file: `start` starts one (killed at `deadlineMs`), `killAll` kills and
 * waits for every one still running (the file's `afterAll`), so none outlives the file.
 */
export const cliChildren = () => {
  const running: Array<CliChild> = []
  return {
    start: (args: ReadonlyArray<string>, deadlineMs: number, how?: CliStart): CliChild => {
      const run = startCli(args, deadlineMs, how)
      running.push(run)
      return run
    },
    killAll: async (): Promise<void> => {
      for (const run of running) run.kill()
      await Promise.all(running.map((r) => r.done))
    }
  }
}

/** Runs the example program with `args` until it exits (or is killed at `deadlineMs` or on interruption). */
export const runCli = (args: ReadonlyArray<string>, deadlineMs: number = CLI_DEADLINE_MS): Effect.Effect<CliRun> =>
  Effect.async<CliRun>((resume) => {
    const run = startCli(args, deadlineMs)
    void run.done.then((result) => resume(Effect.succeed(result)))
    return Effect.sync(run.kill)
  })

/** The `--json` events in `stdout`, in order. */
export const cliEvents = (stdout: string): ReadonlyArray<CliEvent> =>
  stdout.split("\n").filter((l) => l.startsWith("{")).map((l) => JSON.parse(l) as CliEvent)

/** Waits until `pattern` appears in the child's stdout (failing if it exits first or `deadlineMs` passes); returns the match. */
export const waitForOutput = async (run: CliChild, pattern: RegExp, deadlineMs: number = CLI_DEADLINE_MS): Promise<RegExpMatchArray> => {
  const until = Date.now() + deadlineMs
  for (;;) {
    const m = run.stdout().match(pattern)
    if (m) return m
    // A child ended by a signal has no exit code, only a signal code.
    if (run.child.exitCode !== null || run.child.signalCode !== null || Date.now() > until) {
      throw new Error(`no ${pattern} in output:\n${run.stdout()}\n${run.stderr()}`)
    }
    await new Promise((r) => setTimeout(r, 50))
  }
}
