/**
 * bcoin reached through real SOCKS5 servers, as users reach it:
 * - issue 14's "done means": the example program (a child process) joins
 *   bcoin through microsocks under `--proxy`, and through a Tor-like proxy
 *   (the test responder) by a made-up onion under `--onion`;
 * - `NodeNetwork.layerConfig` with `NETWORK_PROXY` set, through microsocks;
 * - Dante, a second SOCKS5 implementation: a handshake and header sync with
 *   stream-isolation credentials offered, and its "not allowed" and
 *   "refused" replies as typed errors.
 *
 * No direct connection: the proxy binds its outgoing connections to another
 * loopback address (microsocks `-b 127.0.0.2`, Dante `external: 127.0.0.3`)
 * and bcoin records the source address of every TCP connection it accepts.
 * A connection straight from us would come from 127.0.0.1 (Linux picks
 * 127.0.0.1 as the source for 127.0.0.1); a tunnel comes from the proxy's
 * address. bcoin's own record of the handshake (our user agent) proves the
 * tunnel carried our node.
 */
import { afterAll, beforeAll, describe, expect, it } from "@effect/vitest"
import * as ConfigProvider from "effect/ConfigProvider"
import * as Context from "effect/Context"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as Layer from "effect/Layer"
import type * as Scope from "effect/Scope"
import * as Stream from "effect/Stream"
import type * as Net from "node:net"
import { Connector, type PeerEvent } from "../../src/network/Connector.js"
import * as NodeNetwork from "../../src/node/NodeNetwork.js"
import * as Socks5Transport from "../../src/node/Socks5Transport.js"
import * as Peer from "../../src/peer/Peer.js"
import * as ChainParams from "../../src/wire/ChainParams.js"
import * as NetAddress from "../../src/wire/NetAddress.js"
import { socks5Responder } from "../node/socks5Responder.js"
import { CLI_DEADLINE_MS, cliEvents, runCli } from "../support/cli.js"
import { type BcoinNode, freePort, startBcoin } from "./bcoinNode.js"
import { dante } from "./dante.js"
import { microsocks } from "./microsocks.js"

/** microsocks' outgoing address: loopback, but not the address a direct dial comes from. */
const TUNNEL_SOURCE = "127.0.0.2"
/** Dante's outgoing address. */
const DANTE_SOURCE = "127.0.0.3"
/** The program's run time; long enough for the handshake, short enough for a test. */
const DURATION = "6"
const BLOCKS = 5
const WAIT = Duration.seconds(20)

let btc: BcoinNode

beforeAll(async () => {
  btc = await startBcoin({ blocks: BLOCKS })
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

/** Waits (under `WAIT`) until `condition` holds; polls every 20 ms on the real clock. */
const eventually = (what: string, condition: Effect.Effect<boolean>) =>
  Effect.gen(function*() {
    while (!(yield* condition)) yield* Effect.sleep("20 millis")
  }).pipe(Effect.timeoutFail({ duration: WAIT, onTimeout: () => new Error(`timed out waiting for ${what}`) }))

const bcoinAddress = () => NetAddress.fromHost(btc.host, btc.port)!

describe("NodeNetwork.layerConfig to bcoin through microsocks", () => {
  it.scopedLive("NETWORK_PROXY: connected to bcoin, and bcoin's only peer is the tunnel", () =>
    Effect.gen(function*() {
      const proxy = yield* microsocks({ bind: TUNNEL_SOURCE })
      const seen = yield* watchBcoin
      const env = ConfigProvider.fromMap(new Map([
        ["PEER_NETWORK", "regtest"],
        ["NETWORK_CONNECT", `127.0.0.1:${btc.port}`],
        ["NETWORK_PROXY", `127.0.0.1:${proxy.port}`]
      ]))
      const context = yield* Layer.build(
        NodeNetwork.layerConfig({ peer: { userAgentName: "proxied-node" } }).pipe(Layer.provide(Layer.setConfigProvider(env)))
      )
      const events: Array<PeerEvent> = []
      yield* Effect.forkScoped(Stream.runForEach(yield* Context.get(context, Connector).subscribeEvents, (e) => Effect.sync(() => events.push(e))))
      yield* eventually("the connection to bcoin", Effect.sync(() => events.some((e) => e._tag === "Connected")))
      const connected = events.find((e) => e._tag === "Connected")
      expect(connected?._tag === "Connected" && [connected.peer.remote, connected.info.userAgent]).toEqual([
        `127.0.0.1:${btc.port}`,
        expect.stringMatching(/^\/bcoin:/)
      ])
      yield* eventually("bcoin's side of the handshake", Effect.sync(() => seen.handshakes.length > 0))
      expect(seen.handshakes).toContainEqual({ host: TUNNEL_SOURCE, agent: expect.stringContaining("proxied-node") })
      expect(seen.sources.every((source) => source === TUNNEL_SOURCE), seen.sources.join(" ")).toBe(true)
    }), 60_000)
})

describe("Socks5Transport through Dante (a second SOCKS5 server) to bcoin", () => {
  const reasonOf = (e: { readonly cause?: unknown }) => (e.cause instanceof Socks5Transport.Socks5Error ? [e.cause.reason, e.cause.code] : undefined)

  it.scopedLive("handshake and header sync through Dante, isolation credentials offered; bcoin sees only Dante", () =>
    Effect.gen(function*() {
      const proxy = yield* dante({ external: DANTE_SOURCE })
      const seen = yield* watchBcoin
      // makeTor offers random credentials and no authentication; Dante (no authentication) picks the latter.
      const transport = Socks5Transport.makeTor({ proxy, dialTimeout: WAIT })
      const synced = yield* Effect.scoped(Effect.gen(function*() {
        const peer = yield* Peer.make(yield* transport.dial(bcoinAddress()), { direction: "outbound", config: { params: ChainParams.regtest } })
        const headers = yield* peer.getHeaders([ChainParams.regtest.genesisHash])
        return { userAgent: peer.info.userAgent, headers: headers.headers.length }
      }))
      expect(synced).toEqual({ userAgent: expect.stringMatching(/^\/bcoin:/), headers: BLOCKS })
      expect(seen.sources).toEqual([DANTE_SOURCE])
    }), 60_000)

  it.scopedLive("its ruleset's refusal is NotAllowed (reply 2), a closed port ConnectionRefused (reply 5)", () =>
    Effect.gen(function*() {
      const closed = yield* Effect.promise(() => freePort())
      const proxy = yield* dante({ external: DANTE_SOURCE, blockPort: btc.port })
      const transport = Socks5Transport.make({ proxy, dialTimeout: WAIT })
      const blocked = yield* Effect.either(Effect.scoped(transport.dial(bcoinAddress())))
      expect(Either.isLeft(blocked) && [blocked.left.reason, reasonOf(blocked.left)]).toEqual(["Unreachable", ["NotAllowed", 2]])
      const refused = yield* Effect.either(Effect.scoped(transport.dial(NetAddress.fromHost("127.0.0.1", closed)!)))
      expect(Either.isLeft(refused) && [refused.left.reason, reasonOf(refused.left)]).toEqual(["Unreachable", ["ConnectionRefused", 5]])
    }), 60_000)
})
