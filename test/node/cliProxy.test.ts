/**
 * The example program's --proxy and --onion as a user runs them: a child
 * process (`node --import tsx scratchpad/main.ts`) joins a node of our own
 * through the test SOCKS5 responder, by IP address under --proxy (the node's
 * only connection comes through the proxy) and by a made-up onion under
 * --onion.
 */
import { describe, expect, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as NetAddress from "../../src/wire/NetAddress.js"
import { CLI_DEADLINE_MS, cliEvents, runCli } from "../support/cli.js"
import { socks5Responder } from "./socks5Responder.js"
import { ownNode } from "../support/tcp.js"


describe("example CLI through a proxy", () => {
  it.live("--proxy: reaches the node through the proxy only", () =>
    Effect.scoped(Effect.gen(function*() {
      const node = yield* ownNode
      const proxy = yield* socks5Responder({})
      const r = yield* runCli(["--network", "regtest", "--proxy", `127.0.0.1:${proxy.port}`, "--connect", `127.0.0.1:${node.port}`, "--duration", "6", "--json"])
      expect(r.code).toBe(0)
      expect(cliEvents(r.stdout).some((e) => e.event === "connected" && e.peer === `127.0.0.1:${node.port}`)).toBe(true)
      // Every connection the node accepted was a tunnel the proxy opened.
      expect(proxy.requests.length).toBeGreaterThan(0)
      expect(proxy.requests.every((q) => q.atyp === 1 && q.host === "127.0.0.1" && q.port === node.port)).toBe(true)
      expect(node.accepted()).toBe(proxy.requests.length)
    })), CLI_DEADLINE_MS + 30_000)

  it.live("--onion: a made-up onion reached through the Tor port", () =>
    Effect.scoped(Effect.gen(function*() {
      const node = yield* ownNode
      const onion = NetAddress.hostToString({ network: NetAddress.NetworkId.TorV3, address: new Uint8Array(32).fill(0x5a) })
      const tor = yield* socks5Responder({ names: { [onion]: { host: "127.0.0.1", port: node.port } } })
      const r = yield* runCli(["--network", "regtest", "--onion", `127.0.0.1:${tor.port}`, "--connect", `${onion}:18444`, "--duration", "6", "--json"])
      expect(r.code).toBe(0)
      expect(cliEvents(r.stdout).some((e) => e.event === "connected" && e.peer === `${onion}:18444`)).toBe(true)
      expect(tor.requests.map((q) => [q.atyp, q.host, q.port])[0]).toEqual([3, onion, 18444])
      // Stream isolation: credentials sent.
      expect(tor.requests[0]!.username).toBeDefined()
    })), CLI_DEADLINE_MS + 30_000)
})
