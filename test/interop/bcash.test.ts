/**
 * Interop with an independent Bitcoin Cash node: bcash 1.1.1 in regtest on
 * 127.0.0.1 (see ./bcashNode.ts), through `ChainParams.bchRegtest`: our
 * `Peer` (handshake, header sync of a few hundred headers, block announcement
 * and `getdata` with the merkle root checked, addresses, ping), the network
 * layer (`NodeNetwork.layer`), and the example program as a child process.
 *
 * What bcash does (1.1.1, like bcoin 1.0): it sends its `version` first even
 * when dialled; it speaks 70015 and advertises no NODE_WITNESS; it sends
 * `getaddr` on every connection; it bans a peer whose frames carry another
 * network's magic (and then hangs up on it at once).
 */
import { afterAll, beforeAll, describe, expect, it } from "@effect/vitest"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import * as Queue from "effect/Queue"
import * as Schedule from "effect/Schedule"
import * as Stream from "effect/Stream"
import { Connector, type PeerEvent } from "../../src/network/Connector.js"
import { Dispatcher } from "../../src/network/Dispatcher.js"
import * as NodeNetwork from "../../src/node/NodeNetwork.js"
import * as NodeTransport from "../../src/node/NodeTransport.js"
import * as DisconnectReason from "../../src/peer/DisconnectReason.js"
import * as Peer from "../../src/peer/Peer.js"
import type { PeerConfigShape } from "../../src/peer/PeerConfig.js"
import * as Block from "../../src/wire/Block.js"
import * as BlockHeader from "../../src/wire/BlockHeader.js"
import * as ChainParams from "../../src/wire/ChainParams.js"
import * as Hash from "../../src/wire/Hash.js"
import { InvType } from "../../src/wire/InvVector.js"
import * as Message from "../../src/wire/Message.js"
import * as NetAddress from "../../src/wire/NetAddress.js"
import * as ServiceFlags from "../../src/wire/ServiceFlags.js"
import * as Transaction from "../../src/wire/Transaction.js"
import { type Bcash, type BcashNode, loadBcash, startBcash } from "./bcashNode.js"
import { type CliChild, startCli } from "../support/cli.js"

const params = ChainParams.bchRegtest
const BLOCKS = 300
const WAIT = Duration.seconds(5)
/** Configured with NODE_WITNESS on purpose: on Bitcoin Cash it must not be announced. */
const OUR_SERVICES = ServiceFlags.make(ServiceFlags.NODE_NETWORK, ServiceFlags.NODE_WITNESS)

let bch: BcashNode

/** The example program's run; started in `beforeAll` so that its start-up overlaps the other tests. */
let example: CliChild | undefined

beforeAll(async () => {
  bch = await startBcash({ blocks: BLOCKS })
  const bcash = loadBcash()
  const now = Math.floor(Date.now() / 1000)
  bch.node.pool.hosts.add(bcash.net.NetAddress.fromOptions({ host: "203.0.113.8", port: 18444, services: 1, time: now - 60 }))
  // Generous: on a loaded 2-core machine tsx alone can take half a minute to start the program.
  example = startCli(["--network", "bch-regtest", "--connect", `127.0.0.1:${bch.port}`, "--duration", "5", "--json"], 90_000)
}, 60_000)

afterAll(async () => {
  example?.kill()
  await example?.done
  await bch?.stop()
})

let agentCounter = 0

/** bcash's Peer object for the connection whose user agent carries `tag`. */
const bcashPeer = async (node: BcashNode, tag: string): Promise<Bcash> => {
  for (let i = 0; i < 250; i++) {
    const p = node.peers().find((x: Bcash) => typeof x.agent === "string" && x.agent.includes(tag))
    if (p !== undefined && p.handshake) return p
    await new Promise((r) => setTimeout(r, 20))
  }
  throw new Error(`bcash has no peer with agent ${tag}`)
}

/** Dials bcash and runs our outbound Peer on the socket, in the caller's scope. */
const connect = (config: Partial<PeerConfigShape> = {}, node: () => BcashNode = () => bch) =>
  Effect.gen(function*() {
    const tag = `bch-${process.pid}-${++agentCounter}`
    const remote = NetAddress.fromHost(node().host, node().port)!
    const socket = yield* NodeTransport.make({ dialTimeout: "2 seconds" }).dial(remote)
    const peer = yield* Peer.make(socket, {
      direction: "outbound",
      remote,
      config: { params, services: OUR_SERVICES, userAgentComments: [tag], ...config }
    })
    const theirs = yield* Effect.promise(() => bcashPeer(node(), tag))
    return { peer, theirs }
  })

const first = <A, E>(stream: Stream.Stream<A, E>, what: string) =>
  Stream.runHead(stream).pipe(
    Effect.flatMap(Option.match({ onNone: () => Effect.die(new Error(`${what}: stream ended`)), onSome: Effect.succeed })),
    Effect.timeoutFail({ duration: WAIT, onTimeout: () => new Error(`no ${what} within ${Duration.format(WAIT)}`) })
  )

describe("our Peer against bcash (Bitcoin Cash regtest, 127.0.0.1)", () => {
  it.live("handshake: bcash's version and services; bcash sees ours without NODE_WITNESS and no wtxidrelay", () =>
    Effect.gen(function*() {
      const bcash = loadBcash()
      const { peer, theirs } = yield* connect({ announceWtxidRelay: true, protocolVersion: 70016 })
      expect(peer.info.version).toBe(bcash.net.common.PROTOCOL_VERSION)
      expect(peer.info.version).toBe(70015)
      expect(peer.info.negotiatedVersion).toBe(70015)
      expect(peer.info.version).toBeGreaterThanOrEqual(params.minProtocolVersion)
      expect(peer.info.userAgent).toBe(bch.node.pool.options.agent)
      expect(peer.info.startHeight).toBe(BLOCKS)
      expect(ServiceFlags.has(peer.info.services, ServiceFlags.NODE_NETWORK)).toBe(true)
      expect(ServiceFlags.has(peer.info.services, ServiceFlags.NODE_WITNESS)).toBe(false)
      expect(theirs.services).toBe(Number(ServiceFlags.NODE_NETWORK))
      expect(theirs.outbound).toBe(false)
      const stats = yield* peer.stats
      expect(stats.sent.wtxidrelay).toBeUndefined()
    }).pipe(Effect.scoped))

  it.live("ping: round trip, and bcash's own ping answered", () =>
    Effect.gen(function*() {
      const { peer, theirs } = yield* connect()
      expect(Duration.toMillis(yield* peer.ping)).toBeLessThan(5000)
      const pings = yield* peer.subscribe("Ping")
      theirs.sendPing()
      yield* first(pings, "ping from bcash")
      yield* peer.ping
      expect(theirs.challenge).toBeNull()
      expect((yield* peer.stats).sent.pong?.messages).toBe(1)
    }).pipe(Effect.scoped))

  it.live("header sync: 300 headers from genesis, linked, ending at bcash's tip", () =>
    Effect.gen(function*() {
      const { peer } = yield* connect()
      const { headers } = yield* peer.getHeaders([params.genesisHash])
      expect(headers.length).toBe(BLOCKS)
      let prev = params.genesisHash
      for (const h of headers) {
        expect(Hash.equals(h.prevBlock, prev)).toBe(true)
        expect(h.bits).toBe(0x207fffff)
        prev = BlockHeader.hash(h)
      }
      expect(Hash.toHex(prev)).toBe(bch.node.chain.tip.rhash())
      const entry = yield* Effect.promise((): Promise<Bcash> => bch.node.chain.getEntry(150))
      expect(Hash.toHex(BlockHeader.hash(headers[149]!))).toBe(entry.rhash())
    }).pipe(Effect.scoped))

  it.live("new block: announced by headers, fetched by getdata; merkle root and txid check out", () =>
    Effect.gen(function*() {
      const { peer } = yield* connect()
      yield* peer.ping // barrier: bcash has our sendheaders
      const announcements = yield* peer.subscribe("Headers", "Inv")
      const prevTip = bch.bestHash()
      const spend = yield* Effect.promise(() => bch.addSpend())
      const [hash] = yield* Effect.promise(() => bch.mine(1))
      const announced = yield* first(Stream.filter(announcements, (m) => m._tag === "Headers"), "headers announcement")
      if (announced._tag !== "Headers") throw new Error("unreachable")
      const header = announced.headers[0]!
      expect(Hash.equals(BlockHeader.hash(header), hash!)).toBe(true)
      expect(Hash.equals(header.prevBlock, prevTip)).toBe(true)

      const reply = yield* peer.getData({ type: InvType.Block, hash: hash! })
      if (reply._tag !== "Block") throw new Error(`expected block, got ${reply._tag}`)
      expect(Hash.equals(Block.hash(reply), hash!)).toBe(true)
      expect(Hash.equals(Block.computeMerkleRoot(reply), header.merkleRoot)).toBe(true)
      expect(reply.transactions.length).toBe(2)
      expect(reply.transactions.some(Transaction.hasWitness)).toBe(false)
      expect(Hash.equals(Transaction.txid(reply.transactions[1]!), spend.txid)).toBe(true)
      expect(Hash.toHex(Transaction.txid(reply.transactions[1]!))).toBe(spend.tx.txid())
    }).pipe(Effect.scoped))

  it.live("addresses: pushAddresses reaches bcash; bcash answers our getaddr from its host list", () =>
    Effect.gen(function*() {
      const now = Math.floor(Date.now() / 1000)
      const { peer, theirs } = yield* connect()
      const seen: Array<Bcash> = []
      theirs.on("packet", (p: Bcash) => {
        if (p.cmd === "addr") seen.push(...p.items)
      })
      yield* peer.ping
      expect((yield* peer.stats).received.getaddr?.messages).toBe(1)
      const ours: Array<NetAddress.TimedNetAddressFields> = [
        { ...NetAddress.fromHost("198.51.100.10", 18444, ServiceFlags.NODE_NETWORK)!, time: now - 120 }
      ]
      expect(yield* peer.pushAddresses(ours)).toBe(1)
      yield* peer.ping
      expect(seen.map((a) => [a.host, a.port, a.services, a.time])).toEqual([["198.51.100.10", 18444, 1, now - 120]])
      const addr = yield* peer.request(Message.GetAddr.make({}), (m) => (m._tag === "Addr" ? m : undefined), { timeout: WAIT })
      expect(addr.addresses.map((a) => NetAddress.toString(a))).toContain("203.0.113.8:18444")
    }).pipe(Effect.scoped))
})

describe("the wrong network against bcash", () => {
  it.live("Bitcoin regtest's magic: a BadMagic decode error, bcash bans us, and the next dial ends with a clear reason", () =>
    Effect.gen(function*() {
      // A node of its own: it bans 127.0.0.1, which would end every other test.
      const other = yield* Effect.acquireRelease(Effect.promise(() => startBcash({ blocks: 1 })), (n) => Effect.promise(() => n.stop()))
      const dial = Effect.gen(function*() {
        const remote = NetAddress.fromHost(other.host, other.port)!
        const socket = yield* NodeTransport.make({ dialTimeout: "2 seconds" }).dial(remote)
        return yield* Peer.make(socket, { direction: "outbound", remote, config: { params: ChainParams.regtest } })
      }).pipe(Effect.scoped, Effect.flip)

      // bcash speaks first, in its own magic: we read it and say so.
      const firstTry = yield* dial
      const reason = firstTry._tag === "PeerError" ? firstTry.disconnect : undefined
      expect(reason?._tag).toBe("DecodeError")
      if (reason?._tag === "DecodeError") {
        expect(reason.error._tag).toBe("WireError")
        if (reason.error._tag === "WireError") {
          expect(reason.error.reason).toBe("BadMagic")
          expect(reason.error.actual).toBe("dab5bffa") // Bitcoin Cash regtest
        }
      }
      // bcash read our Bitcoin-magic version as garbage and banned us...
      yield* Effect.promise(async () => {
        for (let i = 0; i < 250 && !other.banned().includes("127.0.0.1"); i++) await new Promise((r) => setTimeout(r, 20))
      })
      expect(other.banned()).toContain("127.0.0.1")
      // ... so now it hangs up without a word: the reason says what that usually means.
      const secondTry = yield* dial
      const closed = secondTry._tag === "PeerError" ? secondTry.disconnect : undefined
      expect(closed?._tag).toBe("RemoteClosed")
      if (closed?._tag === "RemoteClosed") {
        expect(closed.detail).toMatch(/before sending its version/)
        expect(closed.detail).toMatch(/magic fabfb5da/)
        expect(DisconnectReason.describe(closed)).toMatch(/^remote closed: /)
      }
    }).pipe(Effect.scoped), { timeout: 30_000 })
})

describe("our network layer against bcash", () => {
  it.live("NodeNetwork.layer with bch-regtest: connects, pings, learns headers through the dispatcher", () => {
    const tag = `bchnet-${process.pid}`
    const layer = NodeNetwork.layer({
      peer: { params, services: OUR_SERVICES, userAgentComments: [tag], pingSchedule: Schedule.spaced(Duration.millis(400)) },
      manualPeers: [NetAddress.fromHost(bch.host, bch.port)!],
      connectOnly: true,
      retrySchedule: Schedule.spaced(Duration.millis(200)),
      addressBook: { allowLocal: true },
      dialTimeout: Duration.seconds(2)
    })
    return Effect.gen(function*() {
      const connector = yield* Connector
      const dispatcher = yield* Dispatcher
      const eventQueue = yield* Queue.unbounded<PeerEvent>()
      yield* Effect.forkScoped(Stream.runForEach(yield* connector.subscribeEvents, (e) => Queue.offer(eventQueue, e)))
      const headersSeen = yield* dispatcher.subscribe("Headers")
      const connected = yield* Queue.take(eventQueue).pipe(Effect.timeoutFail({ duration: WAIT, onTimeout: () => new Error("no Connected") }))
      if (connected._tag !== "Connected") throw new Error(`expected Connected, got ${connected._tag}`)
      expect(connected.info.negotiatedVersion).toBe(70015)
      expect(connected.info.userAgent).toBe(bch.node.pool.options.agent)
      const theirs = yield* Effect.promise(() => bcashPeer(bch, tag))
      expect(theirs.services).toBe(Number(ServiceFlags.NODE_NETWORK))

      // Headers through the dispatcher: ask with a locator at genesis.
      yield* dispatcher.sendTo(connected.peer.id, Message.GetHeaders.make({ version: 70015, locator: [params.genesisHash], stopHash: Hash.ZERO }))
      const got = yield* first(headersSeen, "headers via the dispatcher")
      expect(got.message.headers.length).toBeGreaterThanOrEqual(BLOCKS)
      expect(Hash.equals(got.message.headers[0]!.prevBlock, params.genesisHash)).toBe(true)

      yield* Effect.sleep(Duration.millis(1200))
      const stats = yield* connected.peer.stats
      expect(stats.received.pong?.messages).toBeGreaterThanOrEqual(2)
      expect(yield* connected.peer.disconnectReason).toBeUndefined()
      expect(yield* Queue.size(eventQueue)).toBe(0)
    }).pipe(Effect.provide(layer), Effect.scoped)
  }, { timeout: 45_000 })

  it.live("example program: npm start -- --network bch-regtest --connect bcash --json; exits 0", () =>
    Effect.gen(function*() {
      const result = yield* Effect.promise(() => example!.done)
      expect(result.signal, `killed; stderr: ${result.stderr}`).toBeNull()
      const events = result.stdout.split("\n").filter((l) => l.trim() !== "").map((l) => {
        try {
          return JSON.parse(l) as Record<string, unknown>
        } catch {
          throw new Error(`not JSON: ${l}\nstderr: ${result.stderr}`)
        }
      })
      expect(result.code, result.stderr).toBe(0)
      const connected = events.filter((e) => e.event === "connected")
      expect(connected.length).toBeGreaterThanOrEqual(1)
      expect(connected[0]).toMatchObject({ peer: `127.0.0.1:${bch.port}`, direction: "outbound", version: 70015 })
      const commands = events.filter((e) => e.event === "message" && e.peer === `127.0.0.1:${bch.port}`).map((e) => e.command)
      expect(commands).toContain("getaddr")
      expect(events.filter((e) => e.event === "disconnected")).toEqual([])
      expect(events.at(-1)?.event).toBe("done")
    }), { timeout: 100_000 })
})
