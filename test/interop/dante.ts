/**
 * Dante (Debian package `dante-server`, `danted`), a second, independent
 * SOCKS5 server, run by a test on 127.0.0.1 on a port found free, with a
 * config file of its own in a temporary directory; killed (and the
 * directory removed) when the test's scope closes. It runs unprivileged:
 * a high port, no user switching, no authentication (`socksmethod: none`:
 * Dante's username method checks system accounts).
 *
 * Loopback only, by its own rules: clients from 127.0.0.0/8, CONNECT to
 * 127.0.0.0/8 only, everything else blocked. `external` is the address its
 * outgoing connections come from (a target sees tunnels come from there);
 * `blockPort` is a 127.0.0.1 port its rules refuse, for the "not allowed"
 * reply.
 *
 * `.ci/run` installs it.
 *
 * @internal test support
 */
import * as Effect from "effect/Effect"
import type * as Scope from "effect/Scope"
import * as Fs from "node:fs"
import * as Os from "node:os"
import * as Path from "node:path"
import { freePort } from "./bcoinNode.js"
import { startLoopbackServer } from "./loopbackServer.js"

export interface Dante {
  readonly host: "127.0.0.1"
  readonly port: number
}

export interface DanteOptions {
  /** The address outgoing connections are bound to (`external`). Default 127.0.0.1. */
  readonly external?: `127.${string}` | undefined
  /** A port on 127.0.0.1 the rules refuse (reply 2, not allowed by ruleset). */
  readonly blockPort?: number | undefined
}

/** danted lives in /usr/sbin, which is not on every user's PATH. */
const command = Fs.existsSync("/usr/sbin/danted") ? "/usr/sbin/danted" : "danted"

const config = (port: number, options: DanteOptions) =>
  [
    "logoutput: stderr",
    `internal: 127.0.0.1 port = ${port}`,
    `external: ${options.external ?? "127.0.0.1"}`,
    "clientmethod: none",
    "socksmethod: none",
    "client pass { from: 127.0.0.0/8 to: 0.0.0.0/0 }",
    ...(options.blockPort === undefined ? [] : [`socks block { from: 0.0.0.0/0 to: 127.0.0.1/32 port = ${options.blockPort} }`]),
    "socks pass { from: 127.0.0.0/8 to: 127.0.0.0/8 command: connect }",
    "socks block { from: 0.0.0.0/0 to: 0.0.0.0/0 }",
    ""
  ].join("\n")

/** Starts danted on 127.0.0.1 and waits until it accepts connections (up to 10 s). */
export const dante = (options: DanteOptions = {}): Effect.Effect<Dante, Error, Scope.Scope> =>
  Effect.gen(function*() {
    const port = yield* Effect.promise(() => freePort())
    const dir = yield* Effect.acquireRelease(
      Effect.sync(() => Fs.mkdtempSync(Path.join(Os.tmpdir(), "dante-"))),
      (dir) => Effect.sync(() => Fs.rmSync(dir, { recursive: true, force: true }))
    )
    const file = Path.join(dir, "danted.conf")
    Fs.writeFileSync(file, config(port, options))
    yield* startLoopbackServer({
      name: "danted",
      command,
      // -N 1: one worker process; -p: the pid file in our directory, not /var/run.
      args: ["-f", file, "-p", Path.join(dir, "danted.pid"), "-N", "1"],
      port,
      missing: "danted is not installed: `apt-get install dante-server` (.ci/run does this)"
    })
    return { host: "127.0.0.1" as const, port }
  })
