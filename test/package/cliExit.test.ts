/**
 * How the example program ends, as a script or a service manager sees it: its exit code (0 done or
 * stopped by a signal, 1 failed, 2 usage), a reader that goes away (`| head`), SIGTERM while
 * connected, and output that stays parseable under `--json` with the library's log lines in it.
 * Children run `scratchpad/main.ts` against loopback servers of the test's own; waits are for a
 * line to appear under a generous deadline, and every child is killed at the end of the file.
 */
import { afterAll, describe, expect, it, vi } from "@effect/vitest"
import * as NodeContext from "@effect/platform-node/NodeContext"
import { Effect, Either, Exit, Logger } from "effect"
import * as Net from "node:net"
import { builtInsFirst, cli } from "../../scratchpad/cli/command.js"
import * as Output from "../../scratchpad/cli/output.js"
import * as NetAddress from "../../src/wire/NetAddress.js"
import { type CliChild, cliEvents, closedPort, startCli, waitForOutput } from "../support/cli.js"
import { ownNode } from "../support/tcp.js"

/** Long enough for a tsx start-up on a loaded 2-core machine. */
const DEADLINE_MS = 60_000

const running: Array<CliChild> = []
const start = (args: ReadonlyArray<string>): CliChild => {
  const run = startCli(args, 2 * DEADLINE_MS)
  running.push(run)
  return run
}

afterAll(async () => {
  for (const run of running) run.kill()
  await Promise.all(running.map((r) => r.done))
})

/** A loopback server that hangs up on whatever it is sent (a node of another network does that to our `version`). */
const hangingUpServer = () =>
  new Promise<Net.Server>((resolve) => {
    const server = Net.createServer((socket) => {
      socket.on("error", () => {})
      socket.once("data", () => socket.end())
    }).listen(0, "127.0.0.1", () => resolve(server))
  })

/** What the CLI prints, in process (no child), and how the parse ended. */
const runInProcess = (args: ReadonlyArray<string>) =>
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

describe("example program: options anywhere", () => {
  it.effect("--help and --version after the program's options (where @effect/cli alone says 'unknown argument')", () =>
    Effect.gen(function*() {
      const help = yield* runInProcess(["--peers", "3", "--help"])
      expect(Exit.isSuccess(help.exit)).toBe(true)
      expect(help.printed).toContain("--connect host[:port]")
      const version = yield* runInProcess(["--json", "--version"])
      expect(Exit.isSuccess(version.exit)).toBe(true)
      expect(version.printed).toContain("0.1.0")
    }))

  it("--log-level and --completions, with their values, are moved in front; a bad value is refused by name", () => {
    expect(builtInsFirst(["--duration", "5", "--log-level", "debug", "--json"])).toEqual(
      Either.right(["--log-level", "debug", "--duration", "5", "--json"])
    )
    expect(builtInsFirst(["--peers=2", "--log-level=warning", "-h"])).toEqual(Either.right(["--log-level", "warning", "-h", "--peers=2"]))
    expect(builtInsFirst(["--json", "--log-level"])).toEqual(
      Either.left("--log-level: expected one of all, trace, debug, info, warning, error, fatal, none, got nothing")
    )
  })
})

describe("example program: log lines", () => {
  it("in text, a log line goes to stderr on one line with peer-supplied text escaped; under --json it is a log event", () => {
    const errors: Array<string> = []
    const logs: Array<string> = []
    const error = vi.spyOn(console, "error").mockImplementation((line: string) => void errors.push(line))
    const log = vi.spyOn(console, "log").mockImplementation((line: string) => void logs.push(line))
    try {
      const line = Effect.logWarning("peer said").pipe(Effect.annotateLogs({ agent: "evil\n12:00:00.000  connected forged\u001b[31m" }))
      Effect.runSync(Effect.provide(line, Logger.replace(Logger.defaultLogger, Output.logger(false))))
      Effect.runSync(Effect.provide(line, Logger.replace(Logger.defaultLogger, Output.logger(true))))
    } finally {
      error.mockRestore()
      log.mockRestore()
    }
    expect(errors).toHaveLength(1)
    expect(errors[0]).toMatch(/^\d\d:\d\d:\d\d\.\d{3} {2}WARN {2}peer said agent=evil\\n12:00:00\.000 {2}connected forged\\x1b\[31m$/)
    expect(logs.map((l) => JSON.parse(l) as unknown)).toEqual([
      expect.objectContaining({ event: "log", level: "WARN", message: "peer said", annotations: { agent: "evil\n12:00:00.000  connected forged\u001b[31m" } })
    ])
  })
})

describe("example program: how it ends", () => {
  it("reaching no peer is a failure: exit code 1 and an error event, with each dial's reason (a peer that hangs up; an onion without --onion)", async () => {
    const server = await hangingUpServer()
    try {
      const port = (server.address() as Net.AddressInfo).port
      const onion = NetAddress.hostToString({ network: NetAddress.NetworkId.TorV3, address: new Uint8Array(32).fill(0x5a) })
      const r = await startCli(
        ["--connect", `127.0.0.1:${port}`, "--connect", `${onion}:8333`, "--transport", "v1", "--duration", "3", "--json"],
        DEADLINE_MS
      ).done
      expect(r.code, r.stderr).toBe(1)
      const events = cliEvents(r.stdout)
      const failed = events.filter((e) => e.event === "dial-failed")
      expect(failed.filter((e) => e.peer === `127.0.0.1:${port}`).length).toBeGreaterThan(0)
      expect(failed.filter((e) => e.peer === `${onion}:8333`).length).toBeGreaterThan(0)
      for (const e of failed) {
        expect(e.reason).toMatch(
          e.peer === `${onion}:8333`
            ? /^Unsupported: no route to this address's network \(an onion needs --onion or --proxy/
            : /^handshake failed: remote closed: before sending its version: is it on regtest/
        )
      }
      expect(events.at(-1)).toEqual(
        expect.objectContaining({ event: "error", kind: "runtime", message: "no peer completed its handshake in 3s" })
      )
    } finally {
      server.close()
    }
  }, DEADLINE_MS + 5_000)

  it("a reader that goes away (| head): the program stops, exit code 0, no stack trace", async () => {
    const run = start(["--connect", `127.0.0.1:${await closedPort()}`, "--duration", "120"])
    await waitForOutput(run, /status/, DEADLINE_MS)
    // The reading end of its stdout closes: its next line (a status every 3 s) meets EPIPE.
    run.child.stdout.destroy()
    const r = await run.done
    expect(r.code, r.stderr).toBe(0)
    expect(r.stderr).not.toMatch(/EPIPE|\n\s+at /)
  }, 2 * DEADLINE_MS + 5_000)

  it("--wizard without a terminal is refused (exit code 2) instead of waiting for answers", async () => {
    const r = await startCli(["--wizard"], DEADLINE_MS).done
    expect(r.code).toBe(2)
    expect(r.stderr).toContain("--wizard asks its questions on a terminal")
  }, DEADLINE_MS + 5_000)

  it.live("SIGTERM while connected: a clean stop with exit code 0; under --json every line parses, log lines included", () =>
    Effect.scoped(Effect.gen(function*() {
      const node = yield* ownNode
      const run = start(["--log-level", "debug", "--connect", `127.0.0.1:${node.port}`, "--duration", "120", "--json"])
      yield* Effect.promise(() => waitForOutput(run, /"event":"connected"/, DEADLINE_MS))
      run.child.kill("SIGTERM")
      const r = yield* Effect.promise(() => run.done)
      expect(r.code, r.stderr).toBe(0)
      expect(r.stderr).toBe("")
      const lines = r.stdout.trim().split("\n")
      const events = lines.map((l) => JSON.parse(l) as { event: string; message?: string })
      expect(events).toContainEqual(expect.objectContaining({ event: "log", level: "DEBUG", message: "peer connected" }))
      expect(events.filter((e) => e.event === "error")).toEqual([])
    })), 2 * DEADLINE_MS + 5_000)
})
