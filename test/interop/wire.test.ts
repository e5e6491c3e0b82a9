/**
 * Wire-level interop against an independent implementation: bcoin 1.0.2 on
 * regtest (see ./bcoinNode.ts), spoken to over a raw `node:net` socket on
 * 127.0.0.1 with nothing but this library's codecs (`Frame.encode`,
 * `FrameDecoder`). Every byte bcoin sends must decode, and bcoin must accept
 * every byte we send.
 *
 * bcoin behaviour observed here (bcoin 1.0.2; differs from Bitcoin Core):
 * - It sends its `version` first even on an INBOUND connection (Core waits for
 *   the initiator's). Waiting for the remote version before sending ours
 *   works against bcoin but would deadlock against Core, so the Peer must
 *   send first when it dials and must not care who speaks first.
 * - It speaks protocol 70015 and accepts our 70016 without complaint, but
 *   stores OUR number as the peer version (`peer.version = packet.version`)
 *   rather than min(ours, theirs). `wtxidrelay` and `sendaddrv2` before
 *   `verack` are accepted and ignored (bcoin parses them as unknown packets);
 *   it never sends either.
 * - Right after the handshake it sends `sendcmpct` (announce=false,
 *   version=2 because we advertise NODE_WITNESS) and
 *   `getaddr` — `getaddr` even to an inbound peer, which Core never does. It
 *   sends no `sendheaders`, `feefilter`, `ping` or `addr` of its own address
 *   (its only address is 127.0.0.1, not routable).
 * - It never sends an empty `headers` (Core does when nothing is new): a
 *   `getheaders` at the tip gets no answer at all.
 * - Block announcements to a non-`sendheaders` peer are `inv` of type
 *   MSG_BLOCK (2), flushed at once; transaction invs are queued and flushed
 *   every 5 s, possibly in the same `inv` as a block.
 * - `getdata` for a transaction is served from the mempool whether or not it
 *   was announced to us; once the transaction is mined the answer is
 *   `notfound` (bcoin keeps no tx index by default).
 * - `getaddr` is answered once per connection; later ones are ignored.
 *   Addresses that are not routable (RFC 5737 documentation ranges, RFC 3849
 *   2001:db8::/32, private ranges) are decoded but never stored from `addr`.
 */
import { afterAll, beforeAll, describe, expect, it } from "@effect/vitest"
import * as net from "node:net"
import * as Block from "../../src/wire/Block.js"
import * as BlockHeader from "../../src/wire/BlockHeader.js"
import * as ChainParams from "../../src/wire/ChainParams.js"
import * as Frame from "../../src/wire/Frame.js"
import * as Hash from "../../src/wire/Hash.js"
import { InvType } from "../../src/wire/InvVector.js"
import * as Message from "../../src/wire/Message.js"
import * as NetAddress from "../../src/wire/NetAddress.js"
import * as ProtocolVersion from "../../src/wire/ProtocolVersion.js"
import * as ServiceFlags from "../../src/wire/ServiceFlags.js"
import * as Transaction from "../../src/wire/Transaction.js"
import * as Effect from "effect/Effect"
import { type BcoinNode, bcoinScoped, isListening, loadBcoin, startBcoin } from "./bcoinNode.js"

const params = ChainParams.regtest
const BLOCKS = 2500
const WAIT_MS = 5_000

// ---------------------------------------------------------------------------
// A tiny wire client: a socket, our frame decoder, and "wait for a message".

type Tag = Exclude<Message.Tag, "Unknown">

class WireClient {
  /** Every message received, in order, with its command. */
  readonly log: Array<Frame.Received> = []
  /** Protocol version the decoder applies (lowered to the negotiated one after the handshake). */
  version = ProtocolVersion.CURRENT
  private readonly pending: Array<Frame.Received> = []
  private readonly waiters = new Set<() => void>()
  private failure: Error | undefined
  /** Resolves when the socket closes, for whatever reason. */
  readonly closed: Promise<void>
  private readonly decoder = new Frame.FrameDecoder({ params, version: () => this.version })

  private constructor(readonly socket: net.Socket) {
    this.closed = new Promise((resolve) => socket.once("close", () => resolve()))
    socket.on("data", (chunk: Buffer) => {
      const out: Array<Frame.Received> = []
      // Copy: decoded messages are views into the chunk.
      const error = this.decoder.push(new Uint8Array(chunk), out)
      this.log.push(...out)
      this.pending.push(...out)
      if (error !== undefined) this.fail(new Error(`decode failed after ${this.commands()}: ${error.message}`))
      this.wake()
    })
    socket.on("error", (e) => this.fail(e))
    socket.on("close", () => this.fail(new Error("socket closed by bcoin")))
  }

  static connect(port: number): Promise<WireClient> {
    return new Promise((resolve, reject) => {
      const socket = net.connect({ host: "127.0.0.1", port })
      socket.setNoDelay(true)
      socket.once("connect", () => {
        socket.off("error", reject)
        resolve(new WireClient(socket))
      })
      socket.once("error", reject)
    })
  }

  private fail(e: Error): void {
    this.failure ??= e
    this.wake()
  }

  private wake(): void {
    for (const w of [...this.waiters]) w()
  }

  commands(): string {
    return this.log.map((r) => r.command).join(",") || "(nothing)"
  }

  send(message: Message.NetworkMessage): void {
    this.socket.write(Frame.encode(params.magic, message, { version: this.version }))
  }

  /** The first pending message with this tag (and matching `where`); other messages stay pending. */
  expect<T extends Tag>(
    tag: T,
    where: (m: Message.MessageOf<T>) => boolean = () => true,
    timeoutMs = WAIT_MS
  ): Promise<Message.MessageOf<T>> {
    return new Promise((resolve, reject) => {
      const check = (): boolean => {
        const i = this.pending.findIndex((r) => r.message._tag === tag && where(r.message as Message.MessageOf<T>))
        if (i >= 0) {
          const [r] = this.pending.splice(i, 1)
          done()
          resolve(r!.message as Message.MessageOf<T>)
          return true
        }
        if (this.failure !== undefined) {
          done()
          reject(this.failure)
          return true
        }
        return false
      }
      const timer = setTimeout(() => {
        done()
        reject(new Error(`no ${tag} within ${timeoutMs} ms; received: ${this.commands()}`))
      }, timeoutMs)
      const done = () => {
        clearTimeout(timer)
        this.waiters.delete(check)
      }
      if (!check()) this.waiters.add(check)
    })
  }

  /**
   * A ping/pong round trip. bcoin handles a connection's messages in order,
   * so once the pong is back everything it sent before it has arrived: a
   * barrier that replaces sleeps.
   */
  async sync(): Promise<void> {
    const nonce = randomNonce()
    this.send(Message.Ping.make({ nonce }))
    await this.expect("Pong", (m) => m.nonce === nonce)
  }

  close(): Promise<void> {
    return new Promise((resolve) => {
      if (this.socket.destroyed) return resolve()
      this.socket.once("close", () => resolve())
      this.socket.destroy()
    })
  }
}

const randomNonce = (): bigint => {
  const b = new BigUint64Array(1)
  crypto.getRandomValues(b)
  return b[0]!
}

const ipv4 = (a: number, b: number, c: number, d: number) => ({ network: NetAddress.NetworkId.IPv4, address: Uint8Array.of(a, b, c, d) })
const OUR_SERVICES = ServiceFlags.make(ServiceFlags.NODE_NETWORK, ServiceFlags.NODE_WITNESS)
const OUR_VERSION = ProtocolVersion.WTXID_RELAY // 70016

const ourVersion = (port: number) =>
  Message.Version.make({
    version: OUR_VERSION,
    services: OUR_SERVICES,
    timestamp: BigInt(Math.floor(Date.now() / 1000)),
    addrRecv: { services: 0n, ...ipv4(127, 0, 0, 1), port },
    addrFrom: { services: OUR_SERVICES, ...ipv4(127, 0, 0, 1), port: 0 },
    nonce: randomNonce(),
    userAgent: "/effect-bitcoin-p2p:0.1.0/",
    startHeight: 0,
    relay: true
  })

// ---------------------------------------------------------------------------

let btc: BcoinNode
const clients: Array<WireClient> = []

/**
 * Connect, read bcoin's version, send ours (then `beforeVerack`, where BIP-0339
 * and BIP-0155 put `wtxidrelay` / `sendaddrv2`) and verack, wait for its verack.
 */
const handshake = async (
  beforeVerack: ReadonlyArray<Message.NetworkMessage> = []
): Promise<{ c: WireClient; theirs: Message.Version }> => {
  const c = await WireClient.connect(btc.port)
  clients.push(c)
  const theirs = await c.expect("Version")
  c.send(ourVersion(btc.port))
  for (const m of beforeVerack) c.send(m)
  c.send(Message.Verack.make({}))
  await c.expect("Verack")
  c.version = Math.min(OUR_VERSION, theirs.version)
  return { c, theirs }
}

/** bcoin's Peer object for our connection (matched on our local port). */
const bcoinPeerOf = (c: WireClient) => {
  const peer = btc.peers().find((p) => p.address.port === c.socket.localPort)
  if (peer === undefined) throw new Error("bcoin has no peer for this connection")
  return peer
}

const internalHex = (hash: Uint8Array) => Hash.bytesToHex(hash)

beforeAll(async () => {
  btc = await startBcoin({ blocks: BLOCKS })
})

afterAll(async () => {
  await Promise.all(clients.map((c) => c.close()))
  await btc?.stop()
})

describe("interop with bcoin (regtest, 127.0.0.1)", () => {
  it("handshake: decodes bcoin's version, bcoin accepts ours, and everything it sends next decodes", async () => {
    // As a 70016 node would: bcoin (70015) must tolerate what it does not know.
    const { c, theirs } = await handshake([Message.WtxidRelay.make({}), Message.SendAddrV2.make({})])
    expect(theirs.version).toBe(ProtocolVersion.INVALID_CB_NO_BAN) // 70015
    expect(theirs.userAgent.startsWith("/bcoin")).toBe(true)
    expect(ServiceFlags.has(theirs.services, ServiceFlags.NODE_NETWORK | ServiceFlags.NODE_WITNESS)).toBe(true)
    expect(theirs.startHeight).toBe(BLOCKS)
    expect(theirs.relay).toBe(true)
    // bcoin fills addr_recv with the address it sees us at.
    expect(theirs.addrRecv.network).toBe(NetAddress.NetworkId.IPv4)
    expect([...theirs.addrRecv.address]).toEqual([127, 0, 0, 1])
    expect(theirs.addrRecv.port).toBe(c.socket.localPort)

    // What bcoin sends right after the handshake, up to the pong of our ping.
    await c.sync()
    // Deterministic in bcoin (Pool#handleOpen); its timers (ping 30 s, inv flush 5 s) are far off.
    expect(c.log.map((r) => r.command)).toEqual(["version", "verack", "sendcmpct", "getaddr", "pong"])
    expect(c.log.some((r) => r.message._tag === "Unknown")).toBe(false)
    const cmpct = c.log.find((r) => r.message._tag === "SendCmpct")!.message as Message.SendCmpct
    expect(cmpct).toMatchObject({ announce: false, version: 2n }) // 2: witness compact blocks, we said NODE_WITNESS

    // bcoin's view of us: our version decoded as sent.
    const peer = bcoinPeerOf(c)
    expect(peer.handshake).toBe(true)
    expect(peer.version).toBe(OUR_VERSION)
    expect(peer.services).toBe(Number(OUR_SERVICES))
    expect(peer.agent).toBe("/effect-bitcoin-p2p:0.1.0/")
    expect(peer.noRelay).toBe(false)
  })

  it("ping/pong: bcoin echoes our nonce, and we answer its ping", async () => {
    const { c } = await handshake()
    for (const nonce of [1n, 0xffff_ffff_ffff_ffffn, randomNonce()]) {
      c.send(Message.Ping.make({ nonce }))
      expect((await c.expect("Pong")).nonce).toBe(nonce)
    }
    // Make bcoin ping us now (it would every 30 s) and check it sees our pong.
    const peer = bcoinPeerOf(c)
    peer.sendPing()
    const ping = await c.expect("Ping")
    expect(ping.nonce).not.toBe(0n)
    c.send(Message.Pong.make({ nonce: ping.nonce }))
    await c.sync()
    expect(peer.lastPong).toBeGreaterThan(0)
    expect(peer.challenge).toBeNull() // bcoin clears its outstanding nonce on a matching pong
  })

  it("header sync: 2,000 + 500 headers link from genesis to bcoin's tip", async () => {
    expect(btc.height()).toBe(BLOCKS)
    const { c } = await handshake()
    const getHeaders = (from: Uint8Array) =>
      c.send(Message.GetHeaders.make({ version: c.version, locator: [from], stopHash: Hash.ZERO }))

    // 2,000 headers are a 162,003-byte payload: over loopback it arrives in
    // ~3 socket chunks, so this also exercises the decoder's spanning path.
    getHeaders(params.genesisHash)
    const first = await c.expect("Headers")
    expect(first.headers.length).toBe(2000)
    const last1 = BlockHeader.hash(first.headers.at(-1)!)
    getHeaders(last1)
    const second = await c.expect("Headers")
    expect(second.headers.length).toBe(500)

    let prev = params.genesisHash
    for (const h of [...first.headers, ...second.headers]) {
      expect(Hash.equals(h.prevBlock, prev)).toBe(true)
      expect(h.bits).toBe(0x207fffff)
      prev = BlockHeader.hash(h)
    }
    expect(Hash.toHex(prev)).toBe(btc.node.chain.tip.rhash())
    expect(Hash.equals(prev, btc.bestHash())).toBe(true)

    // At the tip bcoin stays silent (no empty `headers`): the next thing we see is our pong.
    getHeaders(prev)
    await c.sync()
    expect(c.log.filter((r) => r.command === "headers").length).toBe(2)
  })

  it("new block: announced by headers (sendheaders) or inv; the witness block decodes and its roots check out", async () => {
    const { c: withHeaders } = await handshake()
    withHeaders.send(Message.SendHeaders.make({}))
    await withHeaders.sync() // bcoin has processed sendheaders before the block exists
    const { c: withInv } = await handshake()
    await withInv.sync()
    const prevTip = btc.bestHash()

    // A segwit transaction (spends a P2WPKH coinbase) in bcoin's mempool.
    const spend = await btc.addWitnessTx()
    withHeaders.send(Message.GetData.make({ inventory: [{ type: InvType.WitnessTx, hash: spend.txid }] }))
    const txMsg = (await withHeaders.expect("Tx")).tx
    expect(Hash.equals(Transaction.txid(txMsg), spend.txid)).toBe(true)
    expect(Hash.equals(Transaction.wtxid(txMsg), spend.wtxid)).toBe(true)
    expect(Transaction.hasWitness(txMsg)).toBe(true)
    expect(Hash.bytesToHex(Transaction.toBytes(txMsg))).toBe(spend.tx.toRaw().toString("hex"))

    const [mined] = await btc.mine(1)
    const hash = mined!

    // sendheaders peer: one header, linked to the previous tip.
    const announced = await withHeaders.expect("Headers")
    expect(announced.headers.length).toBe(1)
    expect(Hash.equals(BlockHeader.hash(announced.headers[0]!), hash)).toBe(true)
    expect(Hash.equals(announced.headers[0]!.prevBlock, prevTip)).toBe(true)
    // the other peer: an inv of type MSG_BLOCK (bcoin never announces MSG_WITNESS_BLOCK).
    const inv = await withInv.expect("Inv", (m) => m.inventory.some((v) => v.type === InvType.Block))
    expect(inv.inventory.filter((v) => v.type === InvType.Block).map((v) => internalHex(v.hash))).toEqual([internalHex(hash)])

    // Fetch it with witness data.
    withHeaders.send(Message.GetData.make({ inventory: [{ type: InvType.WitnessBlock, hash }] }))
    const block = await withHeaders.expect("Block")
    expect(Hash.equals(Block.hash(block), hash)).toBe(true)
    expect(Hash.equals(Block.computeMerkleRoot(block), block.header.merkleRoot)).toBe(true)
    expect(block.transactions.length).toBe(2)
    const [coinbase, tx] = block.transactions as [Transaction.Transaction, Transaction.Transaction]
    expect(Hash.equals(Transaction.txid(tx), spend.txid)).toBe(true)
    expect(Hash.equals(Transaction.wtxid(tx), spend.wtxid)).toBe(true)
    expect(tx.inputs[0]!.witness.length).toBe(2) // P2WPKH: signature, public key
    expect(tx.inputs[0]!.script.length).toBe(0)
    // BIP-0141 commitment: coinbase witness is the 32-byte reserved value and an
    // output commits to merkle(wtxids with the coinbase as zero) || reserved.
    expect(coinbase.inputs[0]!.witness.length).toBe(1)
    const reserved = coinbase.inputs[0]!.witness[0]!
    expect(reserved.length).toBe(32)
    const witnessRoot = Block.merkleRoot([new Uint8Array(32), Transaction.wtxid(tx)])
    const commitment = Hash.sha256d(new Uint8Array([...witnessRoot, ...reserved]))
    const commitmentScript = coinbase.outputs.map((o) => Hash.bytesToHex(o.script)).find((s) => s.startsWith("6a24aa21a9ed"))
    expect(commitmentScript).toBe("6a24aa21a9ed" + Hash.bytesToHex(commitment))
    // Byte-for-byte: our re-encoding equals bcoin's serialization.
    const theirs = await btc.node.chain.getBlock(internalHex(hash))
    expect(Hash.bytesToHex(Block.toBytes(block))).toBe(theirs.toRaw().toString("hex"))

    // Without the witness flag bcoin strips witnesses; same txids, same merkle root.
    withInv.send(Message.GetData.make({ inventory: [{ type: InvType.Block, hash }] }))
    const stripped = await withInv.expect("Block")
    expect(stripped.transactions.some(Transaction.hasWitness)).toBe(false)
    expect(Hash.equals(Block.computeMerkleRoot(stripped), block.header.merkleRoot)).toBe(true)
    expect(Hash.bytesToHex(Block.toBytes(stripped))).toBe(theirs.toNormal().toString("hex"))

    // Mined, so out of the mempool: bcoin answers a tx request with notfound.
    withInv.send(Message.GetData.make({ inventory: [{ type: InvType.WitnessTx, hash: spend.txid }] }))
    const notFound = await withInv.expect("NotFound")
    expect(notFound.inventory.map((v) => [v.type, internalHex(v.hash)])).toEqual([[InvType.WitnessTx, internalHex(spend.txid)]])
  })

  it("addr both ways: bcoin decodes our addr, and we decode its answer to getaddr", async () => {
    const bcoin = loadBcoin()
    const now = Math.floor(Date.now() / 1000)
    // Known to bcoin before we connect. Documentation ranges only: never dialled (outbound is off anyway).
    for (const [host, port] of [["203.0.113.7", 18444], ["2001:db8::7", 8333]] as const) {
      btc.node.pool.hosts.add(bcoin.net.NetAddress.fromOptions({ host, port, services: 9, time: now - 60 }))
    }
    const { c } = await handshake()
    const peer = bcoinPeerOf(c)
    const seen: Array<any> = []
    peer.on("packet", (p: any) => {
      if (p.cmd === "addr") seen.push(...p.items)
    })

    // bcoin asked us for addresses in the handshake (it does so even on inbound); answer.
    await c.expect("GetAddr")
    c.send(Message.Addr.make({
      addresses: [
        { time: now - 120, services: OUR_SERVICES, ...ipv4(198, 51, 100, 9), port: 18444 },
        {
          time: now - 240,
          services: ServiceFlags.NODE_NETWORK,
          network: NetAddress.NetworkId.IPv6,
          address: Hash.bytesFromHex("20010db8000000000000000000000009"),
          port: 8333
        }
      ]
    }))
    await c.sync()
    expect(seen.map((a) => [a.host, a.port, a.services, a.time])).toEqual([
      ["198.51.100.9", 18444, 9, now - 120],
      ["2001:db8::9", 8333, 1, now - 240]
    ])

    // We ask; bcoin answers with its host list.
    c.send(Message.GetAddr.make({}))
    const addr = await c.expect("Addr")
    const entries = addr.addresses.map((a) => [a.network, Hash.bytesToHex(a.address), a.port, a.services, a.time])
    expect(entries).toContainEqual([NetAddress.NetworkId.IPv4, "cb007107", 18444, 9n, now - 60])
    expect(entries).toContainEqual([NetAddress.NetworkId.IPv6, "20010db8000000000000000000000007", 8333, 9n, now - 60])
  })

  it("helper: restart drops peers and listens again on the same port, chain kept", async () => {
    const { c: before } = await handshake()
    const height = btc.height()
    const port = btc.port
    await btc.restart()
    await before.closed
    expect(btc.port).toBe(port)
    const { c: after, theirs } = await handshake()
    expect(theirs.startHeight).toBe(height)
    await after.sync()
  })
})

describe("bcoin test node helper", () => {
  it.scoped("bcoinScoped stops the node when the scope closes", () =>
    Effect.gen(function*() {
      const port = yield* Effect.scoped(
        Effect.gen(function*() {
          const node = yield* bcoinScoped({ blocks: 3 })
          expect(node.height()).toBe(3)
          expect(yield* Effect.promise(() => isListening(node.port))).toBe(true)
          return node.port
        })
      )
      expect(yield* Effect.promise(() => isListening(port))).toBe(false)
    }))
})
