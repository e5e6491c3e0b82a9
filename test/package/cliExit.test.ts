/**
 * How the example program ends, as a script or a service manager sees it: its exit code (0 done or
 * stopped by a signal, 1 failed, 2 usage), a reader that goes away (`| head`), SIGTERM while
 * connected, and output that stays parseable under `--json` with the library's log lines in it.
 * Children run `scratchpad/main.ts` against loopback servers of the test's own; waits are for a
 * line to appear under a generous deadline. Every child is killed at its deadline; those a test
 * does not wait for to the end (`start`) are killed at the end of the file at the latest.
 */
import { afterAll, describe, expect, it, vi } from "@effect/vitest"
import { spawn } from "node:child_process"
import { Effect, Either, Exit, Logger } from "effect"
import * as Net from "node:net"
import { builtInsFirst } from "../../scratchpad/cli/command.js"
import { describeDialError } from "../../scratchpad/cli/observedTransport.js"
import * as Transport from "../../src/network/Transport.js"
import * as Output from "../../scratchpad/cli/output.js"
import * as ShutdownSignals from "../../scratchpad/cli/shutdownSignals.js"
import * as Socks5Transport from "../../src/node/Socks5Transport.js"
import * as NetAddress from "../../src/wire/NetAddress.js"
import { type CliChild, cliChildren, cliEvents, waitForOutput } from "../support/cli.js"
import { runCliInProcess } from "../support/cliInProcess.js"
import { closedPort, ownNode } from "../support/tcp.js"

/** Long enough for a tsx start-up on a loaded 2-core machine. */
const DEADLINE_MS = 60_000

const children = cliChildren()
const start = (args: ReadonlyArray<string>): CliChild => children.start(args, 2 * DEADLINE_MS)

afterAll(children.killAll)

/** A loopback server that hangs up on whatever it is sent (a node of another network does that to our `version`). */
const hangingUpServer = () =>
  new Promise<Net.Server>((resolve) => {
    const server = Net.createServer((socket) => {
      socket.on("error", () => {})
      socket.once("data", () => socket.end())
    }).listen(0, "127.0.0.1", () => resolve(server))
  })

describe("example program: options anywhere", () => {
  it.effect("--help and --version after the program's options (where @effect/cli alone says 'unknown argument')", () =>
    Effect.gen(function*() {
      const help = yield* runCliInProcess(["--peers", "3", "--help"])
      expect(Exit.isSuccess(help.exit)).toBe(true)
      expect(help.printed).toContain("--connect host[:port]")
      const version = yield* runCliInProcess(["--json", "--version"])
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
      const r = await children.start(
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
    const r = await children.start(["--wizard"], DEADLINE_MS).done
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

describe("example program: signals", () => {
  it.live("a second SIGTERM during the shutdown (npm's forward, a service manager repeating itself) does not cut it short, exit code 0", () =>
    Effect.scoped(Effect.gen(function*() {
      const node = yield* ownNode
      const run = start(["--connect", `127.0.0.1:${node.port}`, "--duration", "120", "--json"])
      yield* Effect.promise(() => waitForOutput(run, /"event":"connected"/, DEADLINE_MS))
      run.child.kill("SIGTERM")
      // 10 ms apart, or the kernel merges two pending SIGTERMs into one; the program's shutdown
      // takes ~50 ms, so the second arrives during it (the handler removed after the first, as
      // before, let it kill the process with 143). Counting (second, third) is the test below.
      yield* Effect.sleep("10 millis")
      expect(run.child.exitCode).toBe(null)
      run.child.kill("SIGTERM")
      const r = yield* Effect.promise(() => run.done)
      expect(r.signal).toBe(null)
      expect(r.code, r.stderr).toBe(0)
      expect(r.stderr).toBe("")
    })), 2 * DEADLINE_MS + 5_000)

  it("a SIGTERM that came while the program was loading stops it before it starts anything, exit code 0", async () => {
    const r = await children.start(["--network", "regtest", "--listen", "0", "--duration", "60", "--json"], DEADLINE_MS, {
      entry: "test/support/cliEarlySignal.ts"
    }).done
    expect(r.signal).toBe(null)
    expect(r.code, r.stderr).toBe(0)
    expect(r.stdout).toBe("")
  }, DEADLINE_MS + 5_000)

  it("the third signal forces the exit with 128 + its number (the same signal again at once is npm's echo, counted once); the first is told to the program once", () => {
    const before = { SIGINT: process.listeners("SIGINT"), SIGTERM: process.listeners("SIGTERM") }
    const exit = vi.spyOn(process, "exit").mockImplementation((() => undefined) as never)
    try {
      let clock = 0
      const signals = ShutdownSignals.install(() => clock)
      const told: Array<string> = []
      process.emit("SIGTERM", "SIGTERM")
      signals.onFirst((s) => told.push(`late ${s}`))
      clock += 1_000
      process.emit("SIGINT", "SIGINT")
      clock += ShutdownSignals.ECHO_MS - 1
      process.emit("SIGINT", "SIGINT") // the same Ctrl-C, forwarded by npm
      expect(exit).not.toHaveBeenCalled()
      clock += 2 // the window runs from the last signal counted: this one counts
      process.emit("SIGINT", "SIGINT")
      expect(exit).toHaveBeenCalledWith(130)
      expect(told).toEqual(["late SIGTERM"])
      expect(signals.received()).toBe("SIGTERM")
    } finally {
      exit.mockRestore()
      for (const name of ["SIGINT", "SIGTERM"] as const) {
        for (const l of process.listeners(name)) if (!before[name].includes(l)) process.removeListener(name, l)
      }
    }
  })

  it.skipIf(process.platform === "win32")(
    "SIGTERM to npm's process under `npm start` reaches the program: npm exits 0 once it has closed its listener",
    async () => {
      const npm = spawn("npm", ["start", "--silent", "--", "--network", "regtest", "--listen", "0", "--duration", "120", "--json"], {
        cwd: new URL("../..", import.meta.url),
        env: { ...process.env, NO_COLOR: "1" },
        // A group of its own: npm execs the program as its child, so killing npm alone on a failure
        // would leave the program running (holding the pipes `done` waits on).
        detached: true
      })
      const run: CliChild = {
        child: npm,
        stdout: (() => {
          let out = ""
          npm.stdout.on("data", (d: Buffer) => (out += d.toString()))
          return () => out
        })(),
        stderr: (() => {
          let err = ""
          npm.stderr.on("data", (d: Buffer) => (err += d.toString()))
          return () => err
        })(),
        done: new Promise((resolve) => npm.once("close", (code, signal) => resolve({ code, signal, stdout: "", stderr: "" }))),
        kill: () => {
          try {
            process.kill(-npm.pid!, "SIGKILL")
          } catch {
            // already gone
          }
        }
      }
      const timer = setTimeout(run.kill, 2 * DEADLINE_MS)
      try {
        const [, port] = await waitForOutput(run, /"event":"listening",.*"address":"127\.0\.0\.1:(\d+)"/, DEADLINE_MS)
        npm.kill("SIGTERM")
        const r = await run.done
        expect(r.signal).toBe(null)
        expect(r.code, run.stderr()).toBe(0)
        // The program itself stopped (with `tsx scratchpad/main.ts` npm ended at once and the program ran on).
        const refused = await new Promise<boolean>((resolve) => {
          const socket = Net.connect(Number(port), "127.0.0.1")
          socket.once("connect", () => (socket.destroy(), resolve(false)))
          socket.once("error", () => resolve(true))
        })
        expect(refused).toBe(true)
      } finally {
        clearTimeout(timer)
        run.kill()
      }
    },
    2 * DEADLINE_MS + 5_000
  )
})

describe("example program: dial failure reasons", () => {
  it.effect("a request the SOCKS5 transport refuses itself says why, not 'an onion needs --onion or --proxy'", () =>
    Effect.gen(function*() {
      const socks = Socks5Transport.make({ proxy: { host: "127.0.0.1", port: 9 } })
      const error = yield* Effect.flip(Effect.scoped(socks.dialName("a".repeat(300), 8333)))
      expect(error.reason).toBe("Unsupported")
      const reason = describeDialError(error)
      expect(reason).toMatch(/^Unsupported: SOCKS5 InvalidRequest: a+:8333 via 127\.0\.0\.1:9$/)
      // A network no transport routes (no cause) keeps the hint.
      const unrouted = yield* Effect.flip(Effect.scoped(socks.dial({ services: 0n, network: NetAddress.NetworkId.CJDNS, address: new Uint8Array(16).fill(0xfc), port: 8333 })))
      expect(describeDialError(unrouted)).toMatch(/^Unsupported: no route to this address's network \(an onion needs --onion or --proxy/)
      // A cause that is a tagged object, not an Error, is named by its tag and message (was "[object Object]").
      const tagged = new Transport.TransportError({ reason: "Unreachable", address: "x", cause: { _tag: "ProxyRefused", message: "no" } })
      expect(describeDialError(tagged)).toBe("Unreachable: ProxyRefused: no")
    }))
})
