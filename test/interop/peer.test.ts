/**
 * Interop of OUR `Peer` (src/Peer.ts over `NodeTransport.make`) with an
 * independent implementation: bcoin 1.0.2 on regtest, 127.0.0.1 only (see
 * ./bcoinNode.ts). Where ./wire.test.ts checks bytes over a raw socket, this
 * file checks what the Peer makes of bcoin: the handshake it negotiates,
 * pings, header sync through `getHeaders`, block announcements and
 * `getData`, and address exchange.
 *
 * What bcoin does to a Peer (bcoin 1.0.2; see also wire.test.ts):
 * - Handshake: bcoin answers our outbound Peer as an inbound node, sending
 *   its own `version` before reading ours (our Peer does not care who speaks
 *   first). Negotiated version is bcoin's 70015, so we send no `sendaddrv2` (only at 70016, as Core).
 * - `sendheaders` (our default, sent after verack) sets bcoin's
 *   `peer.preferHeaders`: new blocks come as a one-header `headers`; a Peer
 *   configured with `announceSendHeaders: false` gets an `inv` (MSG_BLOCK).
 * - A `getheaders` whose locator is at bcoin's tip gets NO answer at all (Core
 *   and btcd send an empty `headers`). A header sync must stop when a batch
 *   ends at the start height (or is shorter than 2,000), and a `getHeaders`
 *   at the tip can only end by timing out. That timeout used to leave the
 *   stall deadline of the `getheaders` behind, so the stall detector then
 *   disconnected bcoin (`Stall getheaders`, 90 s by default); a request that
 *   times out now withdraws its deadline (src/internal/peer/make.ts).
 * - bcoin sends `getaddr` on every connection, right after the handshake; a
 *   bare Peer never answers it (answering is the network layer's duty, and it
 *   does so for inbound peers only). bcoin answers our `getaddr` once per
 *   connection, from its host list, and only when that list is not empty.
 */
import { afterAll, beforeAll, describe, expect, it } from "@effect/vitest"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import * as Stream from "effect/Stream"
import * as Block from "../../src/wire/Block.js"
import * as BlockHeader from "../../src/wire/BlockHeader.js"
import * as ChainParams from "../../src/wire/ChainParams.js"
import { DisconnectReason } from "../../src/peer/DisconnectReason.js"
import * as Hash from "../../src/wire/Hash.js"
import { InvType } from "../../src/wire/InvVector.js"
import * as Message from "../../src/wire/Message.js"
import * as NetAddress from "../../src/wire/NetAddress.js"
import * as Peer from "../../src/peer/Peer.js"
import type { PeerConfigShape } from "../../src/peer/PeerConfig.js"
import * as ProtocolVersion from "../../src/wire/ProtocolVersion.js"
import * as ServiceFlags from "../../src/wire/ServiceFlags.js"
import * as Transaction from "../../src/wire/Transaction.js"
import { type Bcoin, type BcoinNode, loadBcoin, startBcoin } from "./bcoinNode.js"
import * as NodeTransport from "../../src/node/NodeTransport.js"

const params = ChainParams.regtest
const BLOCKS = 2500
const WAIT = Duration.seconds(5)
const OUR_SERVICES = ServiceFlags.make(ServiceFlags.NODE_NETWORK, ServiceFlags.NODE_WITNESS)

let btc: BcoinNode

beforeAll(async () => {
  btc = await startBcoin({ blocks: BLOCKS })
})

afterAll(async () => {
  await btc?.stop()
})

let agentCounter = 0

/**
 * Dials bcoin and runs our outbound Peer on the socket, in the caller's
 * scope. Each peer gets a user agent comment of its own so bcoin's Peer
 * object for it can be found.
 */
const connect = (config: Partial<PeerConfigShape> = {}) =>
  Effect.gen(function*() {
    const tag = `interop-${process.pid}-${++agentCounter}`
    const remote = NetAddress.fromHost(btc.host, btc.port)!
    const socket = yield* NodeTransport.make({ dialTimeout: "2 seconds" }).dial(remote)
    const peer = yield* Peer.make(socket, {
      direction: "outbound",
      remote,
      config: { params, services: OUR_SERVICES, userAgentComments: [tag], ...config }
    })
    const theirs = yield* Effect.promise(() => bcoinPeer(tag))
    return { peer, theirs, agent: `/effect-bitcoin-p2p:0.1.0(${tag})/` }
  })

/** bcoin's Peer object for the connection whose user agent carries `tag` (it may lag our handshake by a tick). */
const bcoinPeer = async (tag: string): Promise<Bcoin> => {
  for (let i = 0; i < 100; i++) {
    const p = btc.peers().find((x: Bcoin) => typeof x.agent === "string" && x.agent.includes(tag))
    if (p !== undefined && p.handshake) return p
    await new Promise((r) => setTimeout(r, 20))
  }
  throw new Error(`bcoin has no peer with agent ${tag}`)
}

/** The first message of a stream, or fail after `WAIT`. */
const first = <A, E>(stream: Stream.Stream<A, E>, what: string) =>
  Stream.runHead(stream).pipe(
    Effect.flatMap(Option.match({ onNone: () => Effect.die(new Error(`${what}: stream ended`)), onSome: Effect.succeed })),
    Effect.timeoutFail({ duration: WAIT, onTimeout: () => new Error(`no ${what} within ${Duration.format(WAIT)}`) })
  )

/**
 * A block locator from our header chain (`chain[h]` is the hash at height h):
 * the last hash first, then one per height for ten more, then doubling the
 * step back, always ending with genesis (Bitcoin Core's `LocatorEntries`).
 */
const blockLocator = (chain: ReadonlyArray<Uint8Array>): Array<Uint8Array> => {
  const out: Array<Uint8Array> = []
  let step = 1
  for (let h = chain.length - 1; h > 0; h -= step) {
    out.push(chain[h]!)
    if (out.length >= 10) step *= 2
  }
  out.push(chain[0]!)
  return out
}

describe("our Peer against bcoin (regtest, 127.0.0.1)", () => {
  it("block locator: last first, dense then exponential, genesis last", () => {
    const chain = Array.from({ length: 2501 }, (_, h) => Uint8Array.of(h & 0xff, h >> 8))
    const heights = blockLocator(chain).map((x) => x[0]! | (x[1]! << 8))
    expect(heights.slice(0, 11)).toEqual([2500, 2499, 2498, 2497, 2496, 2495, 2494, 2493, 2492, 2491, 2489])
    expect(heights.slice(11)).toEqual([2485, 2477, 2461, 2429, 2365, 2237, 1981, 1469, 445, 0])
    expect(blockLocator(chain.slice(0, 1)).length).toBe(1)
    expect(blockLocator(chain.slice(0, 3)).map((x) => x[0])).toEqual([2, 1, 0])
  })

  it.live("handshake: negotiated version, services, user agent and height are bcoin's; bcoin sees ours", () =>
    Effect.gen(function*() {
      const bcoin = loadBcoin()
      const { agent, peer, theirs } = yield* connect()
      const pool = btc.node.pool
      // What bcoin advertises, from bcoin's own objects.
      expect(peer.info.version).toBe(bcoin.net.common.PROTOCOL_VERSION)
      expect(peer.info.version).toBe(ProtocolVersion.INVALID_CB_NO_BAN) // 70015
      expect(peer.info.negotiatedVersion).toBe(70015) // min(our 70016, its 70015)
      expect(peer.info.services).toBe(BigInt(pool.options.services))
      expect(ServiceFlags.has(peer.info.services, OUR_SERVICES)).toBe(true)
      expect(peer.info.userAgent).toBe(pool.options.agent)
      expect(peer.info.userAgent).toBe(bcoin.net.common.USER_AGENT)
      expect(peer.info.startHeight).toBe(btc.height())
      expect(peer.info.startHeight).toBe(BLOCKS)
      expect(peer.info.relay).toBe(true)
      expect(Math.abs(peer.info.timeOffset)).toBeLessThanOrEqual(2)
      const stats = yield* peer.stats
      expect(stats.direction).toBe("outbound")
      expect(stats.remote).toBe(`127.0.0.1:${btc.port}`)
      expect(stats.lastBlock).toBe(BLOCKS)
      expect(stats.remoteWantsAddrV2).toBe(false) // bcoin never sends sendaddrv2
      expect(stats.remoteWantsHeaders).toBe(false) // nor sendheaders
      // bcoin's view of us.
      expect(theirs.agent).toBe(agent)
      expect(theirs.version).toBe(ProtocolVersion.WTXID_RELAY) // our 70016, stored as sent (not min)
      expect(theirs.services).toBe(Number(OUR_SERVICES))
      expect(theirs.outbound).toBe(false)
      expect(theirs.height).toBe(0) // our default start height
      expect(theirs.noRelay).toBe(false)
    }).pipe(Effect.scoped))

  it.live("ping/pong: round trip recorded in stats, and bcoin's own ping answered", () =>
    Effect.gen(function*() {
      const { peer, theirs } = yield* connect()
      const before = yield* peer.stats
      expect(before.lastPingMillis).toBeUndefined()
      // Answered (a ping that is not fails with PingTimeout); how fast is the benchmark's business.
      const rtt = yield* peer.ping
      const rtt2 = yield* peer.ping
      const stats = yield* peer.stats
      expect(stats.lastPingMillis).toBe(Duration.toMillis(rtt2))
      expect(stats.minPingMillis).toBe(Math.min(Duration.toMillis(rtt), Duration.toMillis(rtt2)))
      expect(stats.sent.ping?.messages).toBe(2)
      expect(stats.received.pong?.messages).toBe(2)
      expect(stats.received.pong?.bytes).toBe(16) // two 8-byte nonces

      // bcoin pings every 30 s; make it ping now and check the Peer answered.
      const pings = yield* peer.subscribe("Ping")
      theirs.sendPing()
      const ping = yield* first(pings, "ping from bcoin")
      yield* peer.ping // barrier: our pong went out before this ping's pong came back
      expect(theirs.challenge).toBeNull() // bcoin cleared its nonce: our pong matched
      expect(theirs.lastPong).toBeGreaterThan(0)
      expect((yield* peer.stats).sent.pong?.messages).toBe(1)
      expect(ping.nonce).not.toBe(0n)
    }).pipe(Effect.scoped))

  it.live("header sync: 2,000 + 500 headers via getHeaders and block locators, linked from genesis to bcoin's tip", () =>
    Effect.gen(function*() {
      // A stall detector that would act within the test (default: 90 s for getheaders, checked every 15 s).
      const { peer } = yield* connect({
        stallRules: { getheaders: { replies: ["headers"], timeout: Duration.millis(1500) } },
        stallTickInterval: Duration.millis(100)
      })
      const chain: Array<Uint8Array> = [params.genesisHash]
      const batches: Array<number> = []
      // Never ask past the tip: bcoin does not answer a getheaders at its tip.
      while (chain.length - 1 < peer.info.startHeight) {
        const { headers } = yield* peer.getHeaders(blockLocator(chain))
        expect(headers.length).toBeGreaterThan(0)
        batches.push(headers.length)
        for (const h of headers) {
          expect(Hash.equals(h.prevBlock, chain.at(-1)!)).toBe(true)
          expect(h.bits).toBe(0x207fffff)
          chain.push(BlockHeader.hash(h))
        }
        if (headers.length < 2000) break
      }
      expect(batches).toEqual([2000, 500])
      expect(chain.length).toBe(BLOCKS + 1)
      expect(Hash.equals(chain.at(-1)!, btc.bestHash())).toBe(true)
      expect(Hash.toHex(chain.at(-1)!)).toBe(btc.node.chain.tip.rhash())
      // Spot checks against bcoin's chain index.
      for (const h of [1, 1000, 2000, 2001, 2500]) {
        const entry = yield* Effect.promise((): Promise<Bcoin> => btc.node.chain.getEntry(h))
        expect(Hash.toHex(chain[h]!)).toBe(entry.rhash())
      }

      // At the tip bcoin stays silent: the request can only time out ("nothing new").
      const atTip = yield* Effect.either(
        peer.request(
          Message.GetHeaders.make({ version: peer.info.negotiatedVersion, locator: blockLocator(chain), stopHash: Hash.ZERO }),
          (m) => (m._tag === "Headers" ? m : undefined),
          { timeout: Duration.millis(500) }
        )
      )
      expect(atTip._tag).toBe("Left")
      if (atTip._tag === "Left") expect(atTip.left.reason).toBe("RequestTimeout")
      // ... and that timeout must not turn into a stall disconnect once the getheaders deadline (1.5 s) passed.
      yield* Effect.sleep(Duration.millis(1500))
      expect(yield* peer.disconnectReason).toBeUndefined()
      yield* peer.ping
      const stats = yield* peer.stats
      expect(stats.sent.getheaders?.messages).toBe(3)
      expect(stats.received.headers?.messages).toBe(2)

      // A fire-and-forget getheaders keeps its deadline: at bcoin's tip it ends in a stall disconnect
      // (after 90 s with the default rules). Ask bcoin only when it is ahead (announcement, start height).
      yield* peer.pushGetHeaders(blockLocator(chain))
      const reason = yield* peer.awaitDisconnect.pipe(Effect.timeout(Duration.seconds(4)))
      expect(reason).toEqual(DisconnectReason.Stall({ command: "getheaders" }))
    }).pipe(Effect.scoped))

  it.live("new block: headers announcement (sendheaders) or inv, getData of the witness block, merkle root and wtxid", () =>
    Effect.gen(function*() {
      const withHeaders = yield* connect()
      const withInv = yield* connect({ announceSendHeaders: false })
      // Barriers: bcoin handles a connection's messages in order, so our sendheaders is processed.
      yield* withHeaders.peer.ping
      yield* withInv.peer.ping
      expect(withHeaders.theirs.preferHeaders).toBe(true) // what bcoin does with our sendheaders
      expect(withInv.theirs.preferHeaders).toBe(false)
      expect((yield* withHeaders.peer.stats).sent.sendheaders?.messages).toBe(1)
      expect((yield* withInv.peer.stats).sent.sendheaders).toBeUndefined()

      const headersStream = yield* withHeaders.peer.subscribe("Headers", "Inv")
      const invStream = yield* withInv.peer.subscribe("Headers", "Inv")
      const prevTip = btc.bestHash()
      const spend = yield* Effect.promise(() => btc.addWitnessTx())
      const [hash] = yield* Effect.promise(() => btc.mine(1))

      // sendheaders peer: one header, linked to the previous tip.
      const announced = yield* first(
        Stream.filter(headersStream, (m) => m._tag === "Headers"),
        "headers announcement"
      )
      if (announced._tag !== "Headers") throw new Error("unreachable")
      expect(announced.headers.length).toBe(1)
      const header = announced.headers[0]!
      expect(Hash.equals(BlockHeader.hash(header), hash!)).toBe(true)
      expect(Hash.equals(header.prevBlock, prevTip)).toBe(true)
      // the other peer: inv MSG_BLOCK (the transaction inv may come in the same message, 5 s later, or not at all)
      const inv = yield* first(
        Stream.filter(invStream, (m) => m._tag === "Inv" && m.inventory.some((v) => v.type === InvType.Block)),
        "block inv"
      )
      if (inv._tag !== "Inv") throw new Error("unreachable")
      expect(inv.inventory.filter((v) => v.type === InvType.Block).map((v) => Hash.toHex(v.hash))).toEqual([Hash.toHex(hash!)])

      // The block, with witnesses.
      const reply = yield* withHeaders.peer.getData({ type: InvType.WitnessBlock, hash: hash! })
      expect(reply._tag).toBe("Block")
      if (reply._tag !== "Block") throw new Error("unreachable")
      expect(Hash.equals(Block.hash(reply), hash!)).toBe(true)
      expect(Hash.equals(Block.merkleRoot(reply.transactions.map(Transaction.txid)), header.merkleRoot)).toBe(true)
      expect(Hash.equals(reply.header.merkleRoot, header.merkleRoot)).toBe(true)
      expect(reply.transactions.length).toBe(2)
      const tx = reply.transactions[1]!
      expect(Transaction.hasWitness(tx)).toBe(true)
      expect(Hash.equals(Transaction.txid(tx), spend.txid)).toBe(true)
      expect(Hash.equals(Transaction.wtxid(tx), spend.wtxid)).toBe(true)
      expect(Hash.equals(Transaction.wtxid(tx), Transaction.txid(tx))).toBe(false)
      expect(Hash.toHex(Transaction.wtxid(tx))).toBe(spend.tx.wtxid())
      // getData by MSG_BLOCK through the other peer: same block, witnesses stripped.
      const plain = yield* withInv.peer.getData({ type: InvType.Block, hash: hash! })
      if (plain._tag !== "Block") throw new Error(`expected block, got ${plain._tag}`)
      expect(plain.transactions.some(Transaction.hasWitness)).toBe(false)
      expect(Hash.equals(Block.computeMerkleRoot(plain), header.merkleRoot)).toBe(true)
      // Unknown block: notfound.
      const missing = yield* withInv.peer.getData({ type: InvType.WitnessBlock, hash: new Uint8Array(32).fill(7) })
      expect(missing._tag).toBe("NotFound")

      // The announcement updated nothing by itself; the application records the height.
      yield* withHeaders.peer.updateLastBlock(BLOCKS + 1)
      expect((yield* withHeaders.peer.stats).lastBlock).toBe(BLOCKS + 1)
    }).pipe(Effect.scoped))

  it.live("addresses: bcoin's getaddr is not answered by a bare Peer; pushAddresses reaches bcoin; bcoin answers our getaddr once", () =>
    Effect.gen(function*() {
      const bcoin = loadBcoin()
      const now = Math.floor(Date.now() / 1000)
      // Known to bcoin before we connect (documentation ranges: never dialled, outbound is off anyway).
      btc.node.pool.hosts.add(bcoin.net.NetAddress.fromOptions({ host: "203.0.113.7", port: 18444, services: 9, time: now - 60 }))
      btc.node.pool.hosts.add(bcoin.net.NetAddress.fromOptions({ host: "2001:db8::7", port: 8333, services: 9, time: now - 60 }))

      const { peer, theirs } = yield* connect()
      const seen: Array<Bcoin> = []
      theirs.on("packet", (p: Bcoin) => {
        if (p.cmd === "addr") seen.push(...p.items)
      })
      yield* peer.ping // barrier: everything bcoin sent after verack has arrived
      const stats = yield* peer.stats
      expect(stats.received.getaddr?.messages).toBe(1) // bcoin asks, even though we dialled it
      expect(stats.sent.addr).toBeUndefined() // ... and a bare Peer does not answer
      expect(stats.sent.addrv2).toBeUndefined()
      expect(seen).toEqual([])

      // pushAddresses: bcoin decodes what we send (as `addr`: bcoin never asked for addrv2).
      const ours: Array<NetAddress.TimedNetAddressFields> = [
        { ...NetAddress.fromHost("198.51.100.9", 18444, OUR_SERVICES)!, time: now - 120 },
        { ...NetAddress.fromHost("2001:db8::9", 8333, ServiceFlags.NODE_NETWORK)!, time: now - 240 }
      ]
      expect(yield* peer.pushAddresses(ours)).toBe(2)
      expect(yield* peer.pushAddresses(ours)).toBe(0) // already sent: skipped
      yield* peer.ping
      expect(seen.map((a) => [a.host, a.port, a.services, a.time]).sort()).toEqual([
        ["198.51.100.9", 18444, 9, now - 120],
        ["2001:db8::9", 8333, 1, now - 240]
      ])
      expect((yield* peer.stats).sent.addr?.messages).toBe(1)

      // Our getaddr: bcoin answers from its host list...
      const addr = yield* peer.request(Message.GetAddr.make({}), (m) => (m._tag === "Addr" ? m : undefined), { timeout: WAIT })
      const entries = addr.addresses.map((a) => [NetAddress.toString(a), a.services, a.time])
      expect(entries).toContainEqual(["203.0.113.7:18444", 9n, now - 60])
      expect(entries).toContainEqual(["[2001:db8::7]:8333", 9n, now - 60])
      // ... once per connection: a second getaddr is ignored.
      const again = yield* Effect.either(
        peer.request(Message.GetAddr.make({}), (m) => (m._tag === "Addr" ? m : undefined), { timeout: Duration.millis(300) })
      )
      expect(again._tag).toBe("Left")
      expect(yield* peer.disconnectReason).toBeUndefined()
    }).pipe(Effect.scoped))

  it.live("disconnect: our Peer ends bcoin's side, and bcoin restarting ends ours with RemoteClosed", () =>
    Effect.gen(function*() {
      const a = yield* Effect.scoped(Effect.gen(function*() {
        const { peer, theirs } = yield* connect()
        yield* peer.disconnect("test done")
        expect((yield* peer.awaitDisconnect)._tag).toBe("LocalRequest")
        return theirs
      }))
      for (let i = 0; i < 50 && !a.destroyed; i++) yield* Effect.sleep(Duration.millis(20))
      expect(a.destroyed).toBe(true)

      const { peer } = yield* connect()
      yield* Effect.promise(() => btc.restart())
      const reason = yield* peer.awaitDisconnect.pipe(Effect.timeout(WAIT))
      expect(reason._tag).toBe("RemoteClosed")
    }).pipe(Effect.scoped))
})
