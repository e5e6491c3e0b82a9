/**
 * microsocks (Debian package `microsocks`, a small independent SOCKS5 server
 * with RFC 1929 username/password) run by a test on 127.0.0.1, on a port
 * found free, and killed when the test's scope closes.
 *
 * `.ci/run` installs it. When it is missing the test fails with a message
 * saying how to install it: a skipped test would hide that nothing was tested.
 *
 * microsocks connects wherever it is asked; the tests only ask for
 * 127.0.0.1 and names that resolve to loopback from /etc/hosts.
 *
 * @internal test support
 */
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import type * as Scope from "effect/Scope"
import { spawn } from "node:child_process"
import * as Net from "node:net"
import { freePort } from "./bcoinNode.js"

export interface Microsocks {
  readonly host: "127.0.0.1"
  readonly port: number
}

const MISSING = "microsocks is not installed: `apt-get install microsocks` (.ci/run does this)"

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

export interface MicrosocksOptions {
  /** Require RFC 1929 username/password (`-u`, `-P`). */
  readonly credentials?: { readonly username: string; readonly password: string } | undefined
  /**
   * The local address microsocks binds its outgoing connections to (`-b`), a
   * loopback address: a target then sees every tunnel come from it, which a
   * direct connection from 127.0.0.1 cannot.
   */
  readonly bind?: `127.${string}` | undefined
}

/**
 * Starts microsocks on 127.0.0.1 and waits until it accepts connections (up
 * to 10 s).
 */
export const microsocks = (options: MicrosocksOptions = {}): Effect.Effect<Microsocks, Error, Scope.Scope> =>
  Effect.gen(function*() {
    const port = yield* Effect.promise(() => freePort())
    const args = ["-i", "127.0.0.1", "-p", String(port)]
    if (options.credentials !== undefined) args.push("-u", options.credentials.username, "-P", options.credentials.password)
    if (options.bind !== undefined) args.push("-b", options.bind)
    const child = yield* Effect.acquireRelease(
      Effect.sync(() => spawn("microsocks", args, { stdio: "ignore" })),
      (child) =>
        Effect.async<void>((resume) => {
          if (child.exitCode !== null || child.signalCode !== null) return resume(Effect.void)
          child.once("exit", () => resume(Effect.void))
          child.kill("SIGKILL")
        })
    )
    const exited = Effect.async<never, Error>((resume) => {
      child.once("error", (e: NodeJS.ErrnoException) =>
        resume(Effect.fail(new Error(e.code === "ENOENT" ? MISSING : `microsocks: ${e.message}`))))
      child.once("exit", (code, signal) => resume(Effect.fail(new Error(`microsocks exited (${code ?? signal}) before listening`))))
    })
    const listening = Effect.gen(function*() {
      while (!(yield* accepts(port))) yield* Effect.sleep(Duration.millis(20))
    })
    yield* Effect.raceFirst(listening, exited).pipe(
      Effect.timeoutFail({ duration: Duration.seconds(10), onTimeout: () => new Error("microsocks did not listen within 10 s") })
    )
    return { host: "127.0.0.1" as const, port }
  })
