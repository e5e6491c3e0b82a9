/**
 * The example program as a user runs it: a child process (`node --import tsx scratchpad/main.ts`),
 * its exit code, stdout and stderr; the table of bad values goes through the same command in
 * process (a child costs seconds of start-up on a busy machine). Loopback only; every child has a `--duration` and is killed
 * at the end of the file if still running. Waits are for a line to appear, under a generous
 * deadline; nothing asserts how long anything took.
 */
import * as NodeSocket from "@effect/platform-node/NodeSocket"
import { afterAll, describe, expect, it } from "@effect/vitest"
import { Effect, Exit } from "effect"
import * as Peer from "../../src/peer/Peer.js"
import * as PeerConfig from "../../src/peer/PeerConfig.js"
import * as ChainParams from "../../src/wire/ChainParams.js"
import { type CliChild, cliChildren, type CliRun, waitForOutput } from "../support/cli.js"
import { closedPort } from "../support/tcp.js"
import { runCliInProcess } from "../support/cliInProcess.js"

/** Long enough for a tsx start-up on a loaded 2-core machine. */
const DEADLINE_MS = 60_000

const children = cliChildren()

/** Started with a deadline past the longest test here (a listener with `--duration 120`); killed in `afterAll` at the latest. */
const start = (args: ReadonlyArray<string>): CliChild => children.start(args, 4 * DEADLINE_MS)

/** Runs to completion (killed at the deadline: the test then fails on its output). */
const runToEnd = (args: ReadonlyArray<string>): Promise<CliRun> => children.start(args, DEADLINE_MS).done

/** Waits until `pattern` appears in the child's stdout, under the file's deadline. */
const waitFor = (run: CliChild, pattern: RegExp) => waitForOutput(run, pattern, DEADLINE_MS)

const jsonLines = (stdout: string) =>
  stdout.trim().split("\n").filter((l) => l.length > 0).map((l) => JSON.parse(l) as { event: string; [k: string]: unknown })

afterAll(children.killAll)

describe("example program (CLI)", () => {
  it("--help lists every option with its help and exits 0", async () => {
    const { code, stdout } = await runToEnd(["--help"])
    expect(code).toBe(0)
    for (const option of ["--network", "--connect host[:port]", "--peers", "--listen [host:]port", "--duration", "--json"]) {
      expect(stdout).toContain(option)
    }
    expect(stdout).toContain("127.0.0.1 unless a host is given")
  }, DEADLINE_MS + 5_000)

  it("help and usage errors written to a pipe carry no ANSI escapes (NO_COLOR unset, TERM set)", async () => {
    const colourable = { NO_COLOR: undefined, FORCE_COLOR: undefined, TERM: "xterm-256color" }
    const help = await children.start(["--help"], DEADLINE_MS, { env: colourable }).done
    expect(help.code, help.stderr).toBe(0)
    expect(help.stdout).toContain("--connect host[:port]")
    const usage = await children.start(["--peers", "many"], DEADLINE_MS, { env: colourable }).done
    expect(usage.code).toBe(2)
    expect(`${usage.stdout}${usage.stderr}`).toContain("--peers: expected a whole number, got 'many'")
    for (const out of [help.stdout, help.stderr, usage.stdout, usage.stderr]) expect(out).not.toContain("\u001b")
  }, 2 * DEADLINE_MS + 5_000)

  it.effect.each<readonly [ReadonlyArray<string>, string]>([
    [["--peers", "abc"], "--peers: expected a whole number, got 'abc'"],
    [["--peers", "0"], "--peers: must be from 1 to 125, got 0"],
    [["--duration", "1.5"], "--duration: expected a whole number, got '1.5'"],
    [["--network", "moonnet"], "--network: unknown network 'moonnet'; one of mainnet, testnet3, testnet4, signet, regtest"],
    [["--listen", "70000"], "--listen: port must be a number from 0 to 65535, got '70000'"],
    [["--connect", "bad_host:1"], "--connect: 'bad_host:1' is not host[:port]"],
    [["--duration", "5", "--log-level", "loud"], "--log-level: expected one of all, trace, debug, info, warning, error, fatal, none, got 'loud'"]
  ])("refuses %j with a clear message, before starting anything", ([args, message]) =>
    Effect.gen(function*() {
      const { exit, printed } = yield* runCliInProcess(args)
      expect(Exit.isFailure(exit)).toBe(true)
      expect(printed).toContain(message)
      expect(printed).not.toContain("embedded regtest network")
    }))

  it("with no peer options runs the embedded network, whose nodes speak BIP-0324 v2 to each other, and exits 0 by itself", async () => {
    const { code, stdout, stderr } = await runToEnd(["--json"])
    expect(code, stderr).toBe(0)
    const events = jsonLines(stdout)
    const connected = events.filter((e) => e.event === "connected")
    expect(connected.length).toBeGreaterThan(0)
    for (const e of connected) {
      expect(e.transport).toBe("v2")
      expect(e.sessionId).toMatch(/^[0-9a-f]{64}$/)
    }
    // No dial was retried over v1 (the embedded nodes are all on 127.0.0.1: one /24 for v2 admission).
    expect(events.filter((e) => e.event === "dial-failed")).toEqual([])
  }, DEADLINE_MS + 5_000)

  it("under --json, a usage error is one JSON error event and the exit code is 2", async () => {
    const { code, stdout } = await runToEnd(["--json", "--peers", "many"])
    expect(code).toBe(2)
    expect(jsonLines(stdout)).toEqual([
      expect.objectContaining({ event: "error", kind: "usage", message: "--peers: expected a whole number, got 'many'" })
    ])
  }, DEADLINE_MS + 5_000)

  it("listens on 127.0.0.1, escapes a peer's user agent, and under --json reports hostname resolution, connections and failed dials", async () => {
    // The listener, in human output.
    const listener = start(["--network", "regtest", "--listen", "0", "--duration", "120"])
    const [, port] = await waitFor(listener, /listening {4}127\.0\.0\.1:(\d+)/)

    // A peer whose user agent tries to forge an output line and colour the terminal.
    const forged = "12:00:00.000  connected    forged"
    await Effect.gen(function*() {
      const socket = yield* NodeSocket.makeNet({ host: "127.0.0.1", port: Number(port) })
      const peer = yield* Peer.make(socket, {
        direction: "outbound",
        config: { params: ChainParams.regtest, userAgentName: `evil\n${forged}\u001b[31m`, nonceRegistry: PeerConfig.makeNonceRegistry() }
      })
      yield* Effect.promise(() => waitFor(listener, /connected .*evil/))
      yield* peer.disconnect("test done")
    }).pipe(Effect.scoped, Effect.runPromise)
    const human = listener.stdout()
    expect(human).toContain(`evil\\n${forged}\\x1b[31m`)
    expect(human.split("\n").some((line) => line.startsWith(forged))).toBe(false)
    expect(human).not.toContain("\u001b")

    // A JSON run: one hostname, one port where nobody listens.
    const refused = await closedPort()
    const { code, stdout } = await runToEnd([
      "--network", "regtest", "--connect", `localhost:${port}`, "--connect", `127.0.0.1:${refused}`, "--duration", "8", "--json"
    ])
    // The handshake must complete within --duration (8 s: a loaded machine's tsx start-up is not in it).
    expect(code).toBe(0)
    const events = jsonLines(stdout)
    expect(events).toContainEqual(expect.objectContaining({ event: "resolved", host: "localhost", peer: `127.0.0.1:${port}` }))
    expect(events).toContainEqual(expect.objectContaining({ event: "connected", peer: `127.0.0.1:${port}`, direction: "outbound" }))
    expect(events).toContainEqual(
      expect.objectContaining({ event: "dial-failed", peer: `127.0.0.1:${refused}`, reason: expect.stringContaining("Unreachable") })
    )
    expect(events.at(-1)?.event).toBe("done")

    listener.child.kill("SIGINT")
    expect((await listener.done).code).toBe(0)
  }, 4 * DEADLINE_MS)

  it("a listener with nothing to dial ends by itself with exit code 0 when nobody came (--listen 0 --duration 2)", async () => {
    const { code, stdout, stderr } = await runToEnd(["--network", "regtest", "--listen", "0", "--duration", "2", "--json"])
    expect(code, stderr).toBe(0)
    const events = jsonLines(stdout)
    expect(events[0]).toEqual(expect.objectContaining({ event: "listening" }))
    expect(events.at(-1)?.event).toBe("done")
  }, DEADLINE_MS + 5_000)

  it("a listener that also dials a --connect it never reaches fails (exit code 1)", async () => {
    const { code, stdout } = await runToEnd([
      "--network", "regtest", "--listen", "0", "--connect", `127.0.0.1:${await closedPort()}`, "--duration", "2", "--json"
    ])
    expect(code).toBe(1)
    expect(jsonLines(stdout).at(-1)).toEqual(
      expect.objectContaining({ event: "error", kind: "runtime", message: "no peer completed its handshake in 2s" })
    )
  }, DEADLINE_MS + 5_000)
})
