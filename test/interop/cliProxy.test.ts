/**
 * Issue 14's "done means", as a user runs it: the example program (a child
 * process) joins bcoin through microsocks under `--proxy`, and through a
 * Tor-like proxy (the test responder) by a made-up onion under `--onion`.
 *
 * No direct connection under `--proxy`: microsocks is started with its
 * outgoing connections bound to 127.0.0.2 (`-b`), and bcoin records the
 * source address of every TCP connection it accepts. A connection straight
 * from the program would come from 127.0.0.1 (Linux picks 127.0.0.1 as the
 * source for 127.0.0.1); a tunnel comes from 127.0.0.2. bcoin's own record
 * of the handshake (our user agent) proves the tunnel carried our node.
 */
import { afterAll, beforeAll, describe, expect, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import type * as Scope from "effect/Scope"
import type * as Net from "node:net"
import * as NetAddress from "../../src/wire/NetAddress.js"
import { socks5Responder } from "../node/socks5Responder.js"
import { CLI_DEADLINE_MS, cliEvents, runCli } from "../support/cli.js"
import { type BcoinNode, startBcoin } from "./bcoinNode.js"
import { microsocks } from "./microsocks.js"

/** microsocks' outgoing address: loopback, but not the address a direct dial comes from. */
const TUNNEL_SOURCE = "127.0.0.2"
/** The program's run time; long enough for the handshake, short enough for a test. */
const DURATION = "6"

let btc: BcoinNode

beforeAll(async () => {
  btc = await startBcoin({ blocks: 5 })
})

afterAll(async () => {
  await btc?.stop()
})

interface Seen {
  /** The source address of every TCP connection bcoin accepted. */
  readonly sources: Array<string>
  /** Every peer whose handshake bcoin completed: source address and user agent. */
  readonly handshakes: Array<{ readonly host: string; readonly agent: string }>
}

/** What bcoin sees inbound while the scope is open. */
const watchBcoin: Effect.Effect<Seen, never, Scope.Scope> = Effect.acquireRelease(
  Effect.sync(() => {
    const seen: Seen = { sources: [], handshakes: [] }
    const onConnection = (socket: Net.Socket) => seen.sources.push(socket.remoteAddress ?? "?")
    // bcoin has no type declarations: its peer is read by the fields bcoin 1.0.2 sets.
    const onOpen = (peer: { address: { host: string }; agent: string | null }) =>
      seen.handshakes.push({ host: peer.address.host, agent: peer.agent ?? "" })
    btc.node.pool.server.on("connection", onConnection)
    btc.node.pool.on("peer open", onOpen)
    return { seen, onConnection, onOpen }
  }),
  ({ onConnection, onOpen }) =>
    Effect.sync(() => {
      btc.node.pool.server.off("connection", onConnection)
      btc.node.pool.off("peer open", onOpen)
    })
).pipe(Effect.map(({ seen }) => seen))

describe("example CLI to bcoin through a proxy", () => {
  it.live("--proxy <microsocks> --connect <bcoin>: connected, and bcoin's only peer is the tunnel", () =>
    Effect.scoped(Effect.gen(function*() {
      const proxy = yield* microsocks({ bind: TUNNEL_SOURCE })
      const seen = yield* watchBcoin
      const r = yield* runCli([
        "--network", "regtest", "--json", "--duration", DURATION,
        "--proxy", `127.0.0.1:${proxy.port}`,
        "--connect", `127.0.0.1:${btc.port}`
      ])
      expect(r.code, r.stderr).toBe(0)
      const connected = cliEvents(r.stdout).filter((e) => e.event === "connected")
      expect(connected.length, r.stdout).toBeGreaterThan(0)
      expect(connected[0]).toMatchObject({ peer: `127.0.0.1:${btc.port}`, userAgent: expect.stringMatching(/^\/bcoin:/) })
      // bcoin completed a handshake with our program, over a connection from microsocks…
      expect(seen.handshakes).toContainEqual({ host: TUNNEL_SOURCE, agent: expect.stringContaining("effect-bitcoin-p2p-example") })
      // …and accepted no connection from anywhere else: nothing was dialled directly.
      expect(seen.sources.length).toBeGreaterThan(0)
      expect(seen.sources.every((source) => source === TUNNEL_SOURCE), seen.sources.join(" ")).toBe(true)
    })), CLI_DEADLINE_MS + 30_000)

  it.live("--onion <Tor-like proxy> --connect <made-up>.onion:18444: connected to bcoin by its onion name", () =>
    Effect.scoped(Effect.gen(function*() {
      const onion = NetAddress.hostToString({ network: NetAddress.NetworkId.TorV3, address: new Uint8Array(32).fill(0x3c) })
      const tor = yield* socks5Responder({ names: { [onion]: { host: "127.0.0.1", port: btc.port } } })
      const seen = yield* watchBcoin
      const r = yield* runCli([
        "--network", "regtest", "--json", "--duration", DURATION,
        "--onion", `127.0.0.1:${tor.port}`,
        "--connect", `${onion}:18444`
      ])
      expect(r.code, r.stderr).toBe(0)
      const connected = cliEvents(r.stdout).filter((e) => e.event === "connected")
      expect(connected[0], r.stdout).toMatchObject({ peer: `${onion}:18444`, userAgent: expect.stringMatching(/^\/bcoin:/) })
      // The name went to the proxy as a name (address type 3), with isolation credentials.
      expect(tor.requests[0]).toMatchObject({ atyp: 3, host: onion, port: 18444, username: expect.any(String) })
      expect(seen.handshakes.some((h) => h.agent.includes("effect-bitcoin-p2p-example"))).toBe(true)
    })), CLI_DEADLINE_MS + 30_000)
})
