/**
 * Interop of OUR network layer (`NodeNetwork.layer`: Connector, Dispatcher,
 * address book, TCP transport) and of the example program with bcoin 1.0.2
 * on regtest, 127.0.0.1 only (see ./bcoinNode.ts). One bcoin node serves the
 * whole file.
 *
 * What this shows about bcoin through the network layer:
 * - A manual peer in connect-only mode connects, stays connected with pings
 *   answered both ways, and after bcoin drops every peer and listens again
 *   (`restart`) we see `Disconnected` (RemoteClosed, not banned) and then
 *   `Connected` again on the short retry schedule.
 * - bcoin sends `getaddr` to us on every connection. When we dialled bcoin
 *   (outbound), the Dispatcher does NOT answer it, by design, as Bitcoin Core
 *   (an outbound peer could fingerprint us through our address book); when
 *   bcoin dialled us (inbound), the Dispatcher answers it once from the
 *   address book. Our own `getaddr` to an outbound bcoin is answered from
 *   bcoin's host list, and the Dispatcher feeds it into our address book.
 * - The Dispatcher answers `getaddr` with a random 23% of the address book
 *   (Bitcoin Core's share), so a book of fewer than 5 entries answers nothing.
 * - As the dialling side bcoin demands NODE_NETWORK and NODE_WITNESS from us
 *   (it disconnects otherwise) and makes us its sync "loader".
 * - The example program sent `mempool` to every peer it connected to. bcoin
 *   (without BIP-0037, its default) destroys a peer that sends `mempool`, as
 *   Bitcoin Core does without NODE_BLOOM: the program was disconnected and
 *   reconnected about once a second. It now asks only peers that advertise
 *   NODE_BLOOM.
 */
import { afterAll, beforeAll, describe, expect, it } from "@effect/vitest"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import * as Queue from "effect/Queue"
import * as Schedule from "effect/Schedule"
import * as Stream from "effect/Stream"
import * as AddressBook from "../../src/network/AddressBook.js"
import * as ChainParams from "../../src/wire/ChainParams.js"
import { Connector, type PeerEvent } from "../../src/network/Connector.js"
import { Dispatcher } from "../../src/network/Dispatcher.js"
import * as Message from "../../src/wire/Message.js"
import * as NetAddress from "../../src/wire/NetAddress.js"
import * as ServiceFlags from "../../src/wire/ServiceFlags.js"
import { type Bcoin, type BcoinNode, loadBcoin, startBcoin } from "./bcoinNode.js"
import * as NodeNetwork from "../../src/node/NodeNetwork.js"
import { type CliChild, startCli } from "../support/cli.js"

const params = ChainParams.regtest
const BLOCKS = 20
const WAIT = Duration.seconds(5)
const OUR_SERVICES = ServiceFlags.make(ServiceFlags.NODE_NETWORK, ServiceFlags.NODE_WITNESS)

let btc: BcoinNode

/** The example program's run; started in `beforeAll` so that its start-up overlaps the other tests. */
let example: CliChild | undefined

beforeAll(async () => {
  btc = await startBcoin({ blocks: BLOCKS })
  // Known to bcoin, so it has something to answer our getaddr with (documentation
  // ranges: decoded by everyone, dialled by no one; bcoin's outbound is off anyway).
  const bcoin = loadBcoin()
  const now = Math.floor(Date.now() / 1000)
  btc.node.pool.hosts.add(bcoin.net.NetAddress.fromOptions({ host: "203.0.113.7", port: 18444, services: 9, time: now - 60 }))
  // Generous: on a loaded 2-core machine, compiling and starting the program alone can take tens of seconds.
  example = startCli(["--network", "regtest", "--connect", `127.0.0.1:${btc.port}`, "--duration", "5", "--json", "--transport", "v1"], 150_000)
})

afterAll(async () => {
  example?.kill()
  await example?.done
  await btc?.stop()
})

/** bcoin's Peer object for the connection whose user agent carries `tag`. */
const bcoinPeer = (tag: string) =>
  Effect.promise(async (): Promise<Bcoin> => {
    for (let i = 0; i < 100; i++) {
      const p = btc.peers().find((x: Bcoin) => typeof x.agent === "string" && x.agent.includes(tag) && x.handshake)
      if (p !== undefined) return p
      await new Promise((r) => setTimeout(r, 20))
    }
    throw new Error(`bcoin has no peer with agent ${tag}`)
  })

/** Polls `check` every 20 ms until it holds, for at most `WAIT`. */
const eventually = (what: string, check: () => boolean) =>
  Effect.suspend(() => (check() ? Effect.void : Effect.fail(what))).pipe(
    Effect.retry(Schedule.spaced(Duration.millis(20))),
    Effect.timeoutFail({ duration: WAIT, onTimeout: () => new Error(`${what}: not within ${Duration.format(WAIT)}`) })
  )

const nextEvent = (events: Queue.Dequeue<PeerEvent>, what: string) =>
  Queue.take(events).pipe(
    Effect.timeoutFail({ duration: WAIT, onTimeout: () => new Error(`no ${what} event within ${Duration.format(WAIT)}`) })
  )

describe("our network layer against bcoin (regtest, 127.0.0.1)", () => {
  it.live("manual peer: connects, stays connected with pings answered, reconnects after bcoin restarts", () => {
    const tag = `net-${process.pid}`
    const bcoinAddress = NetAddress.fromHost(btc.host, btc.port)!
    const layer = NodeNetwork.layer({
      peer: {
        params,
        services: OUR_SERVICES,
        userAgentComments: [tag],
        pingSchedule: Schedule.spaced(Duration.millis(400))
      },
      manualPeers: [bcoinAddress],
      connectOnly: true,
      // bcoin 1.0.2 answers a v2 key by banning our host (it sends its version first, so our
      // initiator sees a v1 header and could retry over v1, but bcoin refuses the retry): v1 only.
      transportMode: "v1",
      retrySchedule: Schedule.spaced(Duration.millis(200)),
      addressBook: { allowLocal: true },
      dialTimeout: Duration.seconds(2)
    })
    return Effect.gen(function*() {
      const connector = yield* Connector
      const dispatcher = yield* Dispatcher
      const book = yield* AddressBook.AddressBook
      // Subscribed while the first dial is still under way (it needs I/O to complete).
      const eventQueue = yield* Queue.unbounded<PeerEvent>()
      const events = yield* connector.subscribeEvents
      yield* Effect.forkScoped(Stream.runForEach(events, (e) => Queue.offer(eventQueue, e)))
      const received: Array<string> = []
      const bus = yield* dispatcher.subscribe()
      yield* Effect.forkScoped(Stream.runForEach(bus, ({ message }) => Effect.sync(() => received.push(Message.commandOf(message)))))

      const connected = yield* nextEvent(eventQueue, "Connected")
      if (connected._tag !== "Connected") throw new Error(`expected Connected, got ${connected._tag}`)
      expect(connected.manual).toBe(true)
      expect(connected.peer.direction).toBe("outbound")
      expect(connected.peer.remote).toBe(`127.0.0.1:${btc.port}`)
      expect(connected.info.userAgent).toBe(btc.node.pool.options.agent)
      expect(connected.info.startHeight).toBe(BLOCKS)
      expect(connected.info.negotiatedVersion).toBe(70015)
      // v1 on purpose (see the layer): bcoin bans the host of a connection that opens with a v2 key.
      expect(connected.info.transport).toBe("v1")
      expect(connected.info.sessionId).toBeUndefined()
      // The headers bcoin has.
      const headers = yield* connected.peer.getHeaders([params.genesisHash])
      expect(headers.headers.length).toBe(BLOCKS)
      expect((yield* connector.peers).map((p) => p.id)).toEqual([connected.peer.id])
      const theirs = yield* bcoinPeer(tag)
      expect(theirs.outbound).toBe(false)

      // Connected for a while: our pings (every 400 ms) answered, bcoin's ping answered. Waited for
      // as conditions (four pongs; bcoin's ping answered), not as a time: a busy machine is slower.
      let latest = yield* connected.peer.stats
      const refresh = Effect.map(connected.peer.stats, (s) => (latest = s))
      const until = (what: string, check: () => boolean) =>
        Effect.zipRight(refresh, Effect.suspend(() => (check() ? Effect.void : Effect.fail(what)))).pipe(
          Effect.retry(Schedule.spaced(Duration.millis(20))),
          Effect.timeoutFail({ duration: Duration.seconds(30), onTimeout: () => new Error(`${what}: not within 30 s`) })
        )
      yield* until("four of our pings answered", () => (latest.received.pong?.messages ?? 0) >= 4)
      theirs.sendPing()
      yield* until("bcoin's ping answered", () => (latest.sent.pong?.messages ?? 0) >= 1)
      yield* eventually("bcoin matched our pong", () => theirs.challenge === null && theirs.lastPong > 0)
      expect(theirs.challenge).toBeNull() // our pong matched bcoin's nonce
      expect(theirs.lastPong).toBeGreaterThan(0)
      const stats = yield* connected.peer.stats
      expect(stats.received.pong?.messages).toBeGreaterThanOrEqual(4)
      expect(stats.lastPingMillis).toBeDefined()
      expect(stats.received.ping?.messages).toBe(1)
      expect(stats.sent.pong?.messages).toBe(1)
      expect(yield* Queue.size(eventQueue)).toBe(0) // no disconnect
      expect(yield* connected.peer.disconnectReason).toBeUndefined()

      // Addresses, outbound: bcoin asked (getaddr) and was not answered; we asked and were answered.
      expect(stats.received.getaddr?.messages).toBe(1)
      expect(stats.sent.getaddr?.messages).toBe(1)
      expect(stats.sent.addr).toBeUndefined()
      expect(stats.sent.addrv2).toBeUndefined()
      expect(stats.received.addr?.messages).toBe(1)
      expect(received).toEqual(expect.arrayContaining(["sendcmpct", "getaddr", "addr", "ping", "pong"]))
      const learned = yield* book.get(NetAddress.fromHost("203.0.113.7", 18444)!)
      // Our book may refuse documentation ranges; if it took the address, it came from bcoin.
      if (Option.isSome(learned)) expect(learned.value.source.startsWith("peer:")).toBe(true)

      // bcoin drops everyone and listens again on the same port: we see it go and come back.
      // (Not while the example program, started in beforeAll, is still connected to bcoin.)
      yield* Effect.promise(() => example!.done)
      yield* Effect.promise(() => btc.restart())
      const gone = yield* nextEvent(eventQueue, "Disconnected")
      if (gone._tag !== "Disconnected") throw new Error(`expected Disconnected, got ${gone._tag}`)
      expect(gone.id).toBe(connected.peer.id)
      expect(gone.reason._tag).toBe("RemoteClosed")
      expect(gone.banned).toBe(false)
      const again = yield* nextEvent(eventQueue, "Connected")
      if (again._tag !== "Connected") throw new Error(`expected Connected, got ${again._tag}`)
      expect(again.manual).toBe(true)
      expect(again.peer.id).not.toBe(connected.peer.id)
      expect(again.info.startHeight).toBe(BLOCKS)
      // Answered (a ping that is not fails with PingTimeout); how fast is the benchmark's business.
      yield* again.peer.ping
      expect((yield* connector.peers).map((p) => p.id)).toEqual([again.peer.id])
      expect(yield* book.isBanned(bcoinAddress)).toBe(false)
    }).pipe(Effect.provide(layer), Effect.scoped)
  }, { timeout: 180_000 })

  it.live("inbound: bcoin dials our listener; its getaddr is answered from our address book", () => {
    const layer = NodeNetwork.layer({
      peer: { params, services: OUR_SERVICES },
      listen: { host: "127.0.0.1", port: 0 },
      connectOnly: true,
      addressBook: { allowLocal: true }
    })
    return Effect.gen(function*() {
      const bcoin = loadBcoin()
      const connector = yield* Connector
      const book = yield* AddressBook.AddressBook
      const listen = connector.listenAddress!
      expect(NetAddress.hostToString(listen)).toBe("127.0.0.1")
      expect(listen.port).toBeGreaterThan(0)
      // getaddr is answered with a random 23% of the book (Bitcoin Core's share): 20 entries give 4.
      const now = Math.floor(Date.now() / 1000)
      const ours = Array.from({ length: 20 }, (_, i) => ({
        ...NetAddress.fromHost(`10.${i + 1}.${i * 7}.${i + 3}`, 18444 + i)!,
        services: i % 2 === 0 ? OUR_SERVICES : ServiceFlags.NODE_NETWORK,
        time: now - 100 - i
      }))
      const summary = yield* book.add(ours, "user")
      expect(summary.added).toBe(20)
      const expected = new Set(ours.map((a) => `${NetAddress.hostToString(a)}:${a.port}/${Number(a.services)}/${a.time}`))

      const eventQueue = yield* Queue.unbounded<PeerEvent>()
      const events = yield* connector.subscribeEvents
      yield* Effect.forkScoped(Stream.runForEach(events, (e) => Queue.offer(eventQueue, e)))

      // bcoin's outbound is switched off in the harness; open one connection by hand (loopback only).
      const pool = btc.node.pool
      const addr = bcoin.net.NetAddress.fromHostname(`127.0.0.1:${listen.port}`, "regtest")
      const theirs: Bcoin = pool.createOutbound(addr)
      const seen: Array<Bcoin> = []
      theirs.on("packet", (p: Bcoin) => {
        if (p.cmd === "addr") seen.push(...p.items)
      })
      pool.peers.add(theirs)
      yield* Effect.addFinalizer(() => Effect.sync(() => theirs.destroy()))

      const connected = yield* nextEvent(eventQueue, "Connected")
      if (connected._tag !== "Connected") throw new Error(`expected Connected, got ${connected._tag}`)
      expect(connected.peer.direction).toBe("inbound")
      expect(connected.manual).toBe(false)
      expect(connected.info.userAgent).toBe(pool.options.agent)
      expect(theirs.outbound).toBe(true)
      expect(theirs.agent).toBe("/effect-bitcoin-p2p:0.1.0/")

      // bcoin's getaddr is answered, once, with what our book holds.
      yield* eventually("addr answer reaching bcoin", () => seen.length > 0)
      yield* connected.peer.ping
      const stats = yield* connected.peer.stats
      expect(seen.length).toBe(Math.floor((20 * 23) / 100))
      for (const a of seen) expect(expected.has(`${a.host}:${a.port}/${a.services}/${a.time}`)).toBe(true)
      expect(stats.received.getaddr?.messages).toBe(1)
      expect(stats.sent.addr).toEqual({ messages: 1, bytes: 1 + 30 * seen.length })
      expect(stats.sent.getaddr).toBeUndefined() // we ask outbound peers only
      // bcoin made us its "loader" (sync peer), but sends no getblocks: the test node never starts syncing.
      expect(theirs.loader).toBe(true)
      expect(Object.keys(stats.received).sort()).toEqual(["getaddr", "pong", "sendcmpct", "verack", "version"])
      expect(yield* connected.peer.disconnectReason).toBeUndefined()
      expect(connected.info.transport).toBe("v1")

      // The same listener, the same port: one of our v2-only nodes dials in and gets v2.
      const client = NodeNetwork.layer({
        peer: { params, services: OUR_SERVICES },
        transportMode: "v2",
        manualPeers: [listen],
        connectOnly: true,
        addressBook: { allowLocal: true }
      })
      // Built in this test's scope: it stays connected until the test ends.
      yield* Layer.build(client)
      const v2 = yield* nextEvent(eventQueue, "Connected")
      if (v2._tag !== "Connected") throw new Error(`expected Connected, got ${v2._tag}`)
      expect(v2.peer.direction).toBe("inbound")
      expect(v2.info.transport).toBe("v2")
      expect(v2.info.sessionId).toHaveLength(32)
      yield* v2.peer.ping
      // bcoin's v1 connection is untouched (a ping not answered fails with PingTimeout).
      yield* connected.peer.ping
      expect((yield* connector.peers).length).toBe(2)
    }).pipe(Effect.provide(layer), Effect.scoped)
  })

  it.live("example program: --network regtest --connect bcoin --json prints connected, messages, done; exits 0", () =>
    Effect.gen(function*() {
      const result = yield* Effect.promise(() => example!.done)
      expect(result.signal, `killed; stderr: ${result.stderr}`).toBeNull()
      const lines = result.stdout.split("\n").filter((l) => l.trim() !== "")
      const events = lines.map((l) => {
        try {
          return JSON.parse(l) as Record<string, unknown>
        } catch {
          throw new Error(`not JSON: ${l}\nstderr: ${result.stderr}`)
        }
      })
      expect(result.code, result.stderr).toBe(0)
      const connected = events.filter((e) => e.event === "connected")
      expect(connected.length).toBeGreaterThanOrEqual(1)
      expect(connected[0]).toMatchObject({
        peer: `127.0.0.1:${btc.port}`,
        direction: "outbound",
        userAgent: btc.node.pool.options.agent,
        version: 70015,
        startHeight: btc.height()
      })
      const commands = events.filter((e) => e.event === "message" && e.peer === `127.0.0.1:${btc.port}`).map((e) => e.command)
      expect(commands).toEqual(expect.arrayContaining(["sendcmpct", "getaddr"]))
      expect(events.filter((e) => e.event === "disconnected")).toEqual([])
      expect(events.some((e) => e.event === "status" && e.peers === 1)).toBe(true)
      expect(events.at(-1)?.event).toBe("done")
    }), { timeout: 180_000 })
})
