/**
 * Shared pieces of the loopback benchmarks (`bench/peer.ts`,
 * `bench/network.ts`): tables, timing, heap/handle probes, a deterministic
 * ~1 MB block, our peers over `NodeTransport.make()` on 127.0.0.1, and the
 * bare `node:net` reference that frames the same bytes with `Frame.encode`
 * and reads them with `FrameDecoder` (header checks, checksum, payload
 * decode), so a ratio against it is the cost of the peer machinery alone.
 */
import * as Effect from "effect/Effect"
import * as Queue from "effect/Queue"
import type * as Scope from "effect/Scope"
import * as Net from "node:net"
import * as Block from "../src/wire/Block.js"
import * as ChainParams from "../src/wire/ChainParams.js"
import * as Frame from "../src/wire/Frame.js"
import * as Message from "../src/wire/Message.js"
import type * as NetAddress from "../src/wire/NetAddress.js"
import type * as MessageTransport from "../src/peer/MessageTransport.js"
import * as Peer from "../src/peer/Peer.js"
import * as PeerConfig from "../src/peer/PeerConfig.js"
import type * as Transaction from "../src/wire/Transaction.js"
import type * as Transport from "../src/network/Transport.js"
import { prng } from "./corpus.js"

export const params = ChainParams.regtest
export const HOST = "127.0.0.1"

// ---------------------------------------------------------------------------
// Formatting

export { envNumber, progress, table } from "./report.js"

export const si = (x: number): string =>
  x >= 1e6 ? `${(x / 1e6).toFixed(2)}M` : x >= 1e4 ? `${(x / 1e3).toFixed(1)}k` : x >= 1e3 ? `${(x / 1e3).toFixed(2)}k` : x >= 100 ? x.toFixed(0) : x.toFixed(1)
export const ratio = (a: number, b: number): string => (Number.isFinite(a / b) ? `${(a / b).toFixed(2)}x` : "–")
export const pct = (a: number, b: number): string => (Number.isFinite(a / b) ? `${((a / b) * 100).toFixed(0)}%` : "–")
export const kib = (bytes: number): string => `${(bytes / 1024).toFixed(1)} KiB`
export const mib = (bytes: number): string => `${(bytes / 1024 / 1024).toFixed(1)} MiB`
export const ms = (x: number): string => (x >= 100 ? `${x.toFixed(0)} ms` : x >= 1 ? `${x.toFixed(2)} ms` : `${(x * 1000).toFixed(0)} µs`)

export const median = (xs: ReadonlyArray<number>): number => {
  const s = [...xs].sort((a, b) => a - b)
  const mid = s.length >> 1
  return s.length === 0 ? Number.NaN : s.length % 2 === 1 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2
}

export const quantile = (xs: ReadonlyArray<number>, q: number): number => {
  const s = [...xs].sort((a, b) => a - b)
  return s[Math.min(s.length - 1, Math.floor(q * s.length))]!
}

export const now = (): number => performance.now()

/** Whether this module is the entry point (`npx tsx bench/x.ts`, `node --import tsx bench/x.ts`). */
export const isMain = (url: string): boolean => {
  const entry = process.argv[1]
  if (entry === undefined) return false
  const path = new URL(url).pathname
  return path === entry || path.replace(/\.ts$/, "") === entry.replace(/\.ts$/, "")
}

// ---------------------------------------------------------------------------
// Memory and handles

const gcFn = (globalThis as { gc?: () => void }).gc

export const hasGc = gcFn !== undefined

/** Full collections until the heap stops shrinking (finalizers and weak maps need more than one pass). */
export const settleGc = async (): Promise<void> => {
  if (gcFn === undefined) return
  let last = Number.POSITIVE_INFINITY
  for (let i = 0; i < 6; i++) {
    gcFn()
    await new Promise((r) => setImmediate(r))
    const used = process.memoryUsage().heapUsed
    if (last - used < 64 * 1024) break
    last = used
  }
}

export interface MemorySample {
  readonly heapUsed: number
  readonly rss: number
  readonly handles: number
}

export const memory = async (): Promise<MemorySample> => {
  await settleGc()
  const m = process.memoryUsage()
  return { heapUsed: m.heapUsed, rss: m.rss, handles: process.getActiveResourcesInfo().length }
}

export const resourceSummary = (): string => {
  const counts = new Map<string, number>()
  for (const r of process.getActiveResourcesInfo()) counts.set(r, (counts.get(r) ?? 0) + 1)
  return [...counts].map(([k, v]) => `${k}:${v}`).join(" ")
}

/** Polls until `done()` or `timeoutMs`; returns whether it became true. */
export const waitUntil = async (done: () => boolean, timeoutMs: number): Promise<boolean> => {
  const end = now() + timeoutMs
  while (!done()) {
    if (now() > end) return false
    await new Promise((r) => setTimeout(r, 5))
  }
  return true
}

// ---------------------------------------------------------------------------
// A deterministic ~1 MB block

/** A block of `txs` segwit-ish transactions (1–3 inputs, one in ten legacy; 1–3 outputs): ~1 MB at 2,700. */
export const makeBlock = (txs = 2_700, seed = 0xb10c): Message.MessageOf<"Block"> => {
  const rand = prng(seed)
  const int = (lo: number, hi: number): number => lo + Math.floor(rand() * (hi - lo + 1))
  const bytes = (n: number): Uint8Array => {
    const b = new Uint8Array(n)
    for (let i = 0; i < n; i++) b[i] = (rand() * 256) | 0
    return b
  }
  const output = (): Transaction.TxOut => ({ value: BigInt(int(546, 2_000_000_000)), script: rand() < 0.7 ? bytes(22) : bytes(25) })
  const tx = (): Transaction.Transaction => {
    const legacy = rand() < 0.1
    return {
      version: legacy ? 1 : 2,
      inputs: Array.from({ length: int(1, 3) }, () => ({
        prevout: { hash: bytes(32), index: int(0, 3) },
        script: legacy ? bytes(int(106, 107)) : new Uint8Array(0),
        sequence: legacy ? 0xffff_ffff : 0xffff_fffd,
        witness: legacy ? [] : [bytes(int(71, 72)), bytes(33)]
      })),
      outputs: Array.from({ length: int(1, 3) }, output),
      lockTime: 0
    }
  }
  const coinbase: Transaction.Transaction = {
    version: 2,
    inputs: [{ prevout: { hash: new Uint8Array(32), index: 0xffff_ffff }, script: bytes(40), sequence: 0xffff_ffff, witness: [new Uint8Array(32)] }],
    outputs: [output(), { value: 0n, script: bytes(38) }],
    lockTime: 0
  }
  const transactions = [coinbase, ...Array.from({ length: txs }, tx)]
  const header = { version: 0x2000_0000, prevBlock: bytes(32), merkleRoot: new Uint8Array(32), time: 1_700_000_000, bits: 0x207f_ffff, nonce: 0 }
  const merkleRoot = Block.computeMerkleRoot({ header, transactions })
  return Message.BlockMessage.make({ header: { ...header, merkleRoot }, transactions })
}

// ---------------------------------------------------------------------------
// Our peers over loopback TCP

/** A config of its own "node": regtest, and a nonce registry of its own (else two of our peers see a self-connection). */
export const nodeConfig = (overrides: Partial<PeerConfig.PeerConfigShape> = {}): Partial<PeerConfig.PeerConfigShape> => ({
  params,
  nonceRegistry: PeerConfig.makeNonceRegistry(),
  ...overrides
})

export interface PeerListener {
  readonly address: NetAddress.NetAddressFields
  /** Inbound peers, once their handshake completed (only when `keep`). */
  readonly accepted: Queue.Queue<Peer.Peer>
  /** Inbound peers alive now. */
  readonly live: () => number
}

/**
 * Listens on 127.0.0.1 and runs an inbound peer on each connection until it
 * ends. Closing the scope closes the listener and every inbound peer.
 * `messages` is the peers' message transport (v1 framing by default).
 */
export const listenPeers = (
  transport: Transport.TransportShape,
  config: Partial<PeerConfig.PeerConfigShape>,
  keep = true,
  messages?: MessageTransport.Factory
): Effect.Effect<PeerListener, Transport.TransportError, Scope.Scope> =>
  Effect.gen(function*() {
    const accepted = yield* Queue.unbounded<Peer.Peer>()
    let live = 0
    const address = yield* transport.listen(HOST, 0, ({ remote, socket }) =>
      Effect.gen(function*() {
        live++
        const peer = yield* Peer.make(socket, { direction: "inbound", remote, config, transport: messages })
        if (keep) yield* Queue.offer(accepted, peer)
        yield* peer.awaitDisconnect
      }).pipe(Effect.ignore, Effect.ensuring(Effect.sync(() => live--))))
    return { address, accepted, live: () => live }
  })

/** Dials and handshakes one outbound peer; it lives until the scope closes. */
export const dialPeer = (
  transport: Transport.TransportShape,
  address: NetAddress.NetAddressFields,
  config: Partial<PeerConfig.PeerConfigShape>,
  messages?: MessageTransport.Factory
) =>
  Effect.flatMap(transport.dial(address), (socket) => Peer.make(socket, { direction: "outbound", remote: address, config, transport: messages }))

/** A connected pair of our peers: [outbound, inbound]. */
export const peerPair = (
  transport: Transport.TransportShape,
  listener: PeerListener,
  config: Partial<PeerConfig.PeerConfigShape>,
  messages?: MessageTransport.Factory
) =>
  Effect.gen(function*() {
    const out = yield* dialPeer(transport, listener.address, config, messages)
    const inb = yield* Queue.take(listener.accepted)
    return [out, inb] as const
  })

// ---------------------------------------------------------------------------
// The bare reference: node:net, Frame.encode, FrameDecoder

export const magic = params.magic

/** A framed connection end: decodes every chunk with its own `FrameDecoder` and calls `onMessage`. */
export class BareEnd {
  private readonly decoder = new Frame.FrameDecoder({ params })
  private readonly out: Array<Frame.Received> = []
  onMessage: (m: Message.NetworkMessage, end: BareEnd) => void = () => {}
  failed: Error | undefined

  constructor(readonly socket: Net.Socket) {
    socket.setNoDelay(true)
    socket.on("data", (chunk: Buffer) => {
      const out = this.out
      out.length = 0
      const error = this.decoder.push(chunk, out)
      for (let i = 0; i < out.length; i++) this.onMessage(out[i]!.message, this)
      if (error !== undefined) {
        this.failed = error
        socket.destroy()
      }
    })
    socket.on("error", () => {})
  }

  send(m: Message.NetworkMessage): boolean {
    return this.socket.write(Frame.encode(magic, m))
  }

  write(frame: Uint8Array): boolean {
    return this.socket.write(frame)
  }
}

export interface BareServer {
  readonly port: number
  readonly server: Net.Server
  /** Server-side ends of accepted connections, in order. */
  readonly accepted: Array<BareEnd>
  /** What a new server end does with messages. */
  onAccept: (end: BareEnd) => void
  /** Resolves the next accepted end. */
  readonly nextAccepted: () => Promise<BareEnd>
  readonly close: () => Promise<void>
}

export const bareServer = async (): Promise<BareServer> => {
  const server = Net.createServer()
  const waiting: Array<(e: BareEnd) => void> = []
  const self: BareServer = {
    port: 0,
    server,
    accepted: [],
    onAccept: () => {},
    nextAccepted: () => new Promise((resolve) => waiting.push(resolve)),
    close: () =>
      new Promise<void>((resolve) => {
        for (const e of self.accepted) e.socket.destroy()
        self.accepted.length = 0
        server.close(() => resolve())
      })
  }
  server.on("connection", (socket) => {
    const end = new BareEnd(socket)
    self.accepted.push(end)
    socket.on("close", () => {
      const i = self.accepted.indexOf(end)
      if (i >= 0) self.accepted.splice(i, 1)
    })
    self.onAccept(end)
    waiting.shift()?.(end)
  })
  await new Promise<void>((resolve) => server.listen(0, HOST, () => resolve()))
  ;(self as { port: number }).port = (server.address() as Net.AddressInfo).port
  return self
}

export const bareDial = (port: number): Promise<BareEnd> =>
  new Promise((resolve, reject) => {
    const socket = Net.createConnection({ host: HOST, port, noDelay: true })
    socket.once("connect", () => resolve(new BareEnd(socket)))
    socket.once("error", reject)
  })

/** A bare connection pair: [client end, server end]. */
export const barePair = async (server: BareServer): Promise<readonly [BareEnd, BareEnd]> => {
  const accepted = server.nextAccepted()
  const client = await bareDial(server.port)
  return [client, await accepted] as const
}

/** The `version` our peers send, for the bare handshake. */
export const versionMessage = (nonce: bigint): Message.MessageOf<"Version"> =>
  Message.Version.make({
    version: params.protocolVersion,
    services: 0n,
    timestamp: BigInt(Math.floor(Date.now() / 1000)),
    addrRecv: { services: 0n, network: 1, address: new Uint8Array([127, 0, 0, 1]), port: 0 },
    addrFrom: { services: 0n, network: 1, address: new Uint8Array(4), port: 0 },
    nonce,
    userAgent: "/effect-bitcoin-p2p:0.1.0/",
    startHeight: 0,
    relay: true
  })

let bareNonce = 0x6261_7265_0000_0000n
export const nextNonce = (): bigint => bareNonce++

/** The server half of a bare handshake: version, sendaddrv2, verack; sendheaders after their verack. */
export const bareHandshakeServer = (end: BareEnd): void => {
  end.onMessage = (m, e) => {
    if (m._tag === "Version") {
      e.send(versionMessage(nextNonce()))
      e.send(Message.SendAddrV2.make({}))
      e.send(Message.Verack.make({}))
    } else if (m._tag === "Verack") e.send(Message.SendHeaders.make({}))
  }
}

/** The client half of a bare handshake, closing the connection once it completed. */
export const bareHandshake = (port: number): Promise<void> =>
  bareDial(port).then((client) =>
    new Promise<void>((resolve) => {
      client.onMessage = (m, e) => {
        if (m._tag === "Version") {
          e.send(Message.SendAddrV2.make({}))
          e.send(Message.Verack.make({}))
        } else if (m._tag === "Verack") {
          e.send(Message.SendHeaders.make({}))
          e.socket.destroy()
          resolve()
        }
      }
      client.send(versionMessage(nextNonce()))
    })
  )
