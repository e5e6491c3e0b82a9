/**
 * microsocks (Debian package `microsocks`, a small independent SOCKS5 server
 * with RFC 1929 username/password) run by a test on 127.0.0.1, on a port
 * found free, and killed when the test's scope closes.
 *
 * `.ci/run` installs it. When it is missing the test fails with a message
 * saying how to install it (./loopbackServer.ts).
 *
 * microsocks connects wherever it is asked; the tests only ask for
 * 127.0.0.1 and names that resolve to loopback from /etc/hosts.
 *
 * @internal test support
 */
import * as Effect from "effect/Effect"
import type * as Scope from "effect/Scope"
import { freePort } from "./bcoinNode.js"
import { startLoopbackServer } from "./loopbackServer.js"

export interface Microsocks {
  readonly host: "127.0.0.1"
  readonly port: number
}

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
    yield* startLoopbackServer({
      name: "microsocks",
      command: "microsocks",
      args,
      port,
      missing: "microsocks is not installed: `apt-get install microsocks` (.ci/run does this)"
    })
    return { host: "127.0.0.1" as const, port }
  })
