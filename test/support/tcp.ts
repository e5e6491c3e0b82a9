/**
 * Kit of the loopback TCP attack tests: a raw `node:net` client/server that
 * speaks frames by hand (so it can lie, dribble, flood or stop reading), a
 * listener that runs one of our inbound peers per accepted connection, and
 * memory/handle probes. Loopback (127.0.0.1) only; every socket a test opens
 * is destroyed when its scope closes.
 */
import * as Duration from "effect/Duration"
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Layer from "effect/Layer"
import * as Queue from "effect/Queue"
import * as Scope from "effect/Scope"
import * as Stream from "effect/Stream"
import * as Net from "node:net"
import * as v8 from "node:v8"
import * as vm from "node:vm"
import { Worker } from "node:worker_threads"
import * as ChainParams from "../../src/wire/ChainParams.js"
import type { DisconnectReason } from "../../src/peer/DisconnectReason.js"
import * as Frame from "../../src/wire/Frame.js"
import * as Message from "../../src/wire/Message.js"
import * as NetAddress from "../../src/wire/NetAddress.js"
import * as Peer from "../../src/peer/Peer.js"
import * as PeerConfig from "../../src/peer/PeerConfig.js"
import { concat } from "./wire.js"
import { DirectRead } from "../../src/internal/peer/DirectWrite.js"
import { config } from "./peer.js"
import * as TestPeer from "../../src/testing/TestPeer.js"
import * as NodeNetwork from "../../src/node/NodeNetwork.js"
import * as NodeTransport from "../../src/node/NodeTransport.js"
import * as Transport from "../../src/network/Transport.js"
import * as AddressBook from "../../src/network/AddressBook.js"
import * as Connector from "../../src/network/Connector.js"
import * as DnsResolver from "../../src/network/DnsResolver.js"
import * as Network from "../../src/network/Network.js"
import type * as NetworkConfig from "../../src/network/NetworkConfig.js"

export const params = ChainParams.regtest
export const MAGIC = params.magic
export const HOST = "127.0.0.1"
export const MB = 1024 * 1024

/** Regtest, a nonce registry of its own (a separate "node"), then `overrides`: the one config helper of the peer tests. */
export const peerConfig = config

export const loopback = (port: number): NetAddress.NetAddressFields => NetAddress.fromHost(HOST, port)!

/** A loopback port nothing listens on (bound by the OS, then closed). */
export const closedPort = () =>
  new Promise<number>((resolve) => {
    const server = Net.createServer().listen(0, HOST, () => {
      const port = (server.address() as Net.AddressInfo).port
      server.close(() => resolve(port))
    })
  })

// --- memory and handles ------------------------------------------------------

/** `global.gc`, without needing `--expose-gc` on the command line. */
export const gc: () => void = (() => {
  const g = (globalThis as { gc?: () => void }).gc
  if (typeof g === "function") return g
  v8.setFlagsFromString("--expose-gc")
  return vm.runInNewContext("gc") as () => void
})()

/** Heap used and array buffers, in bytes, after two full collections. */
export const memory = (): { readonly heap: number; readonly arrayBuffers: number } => {
  gc()
  gc()
  const m = process.memoryUsage()
  return { heap: m.heapUsed, arrayBuffers: m.arrayBuffers }
}

/** Active libuv resources by type (`TCPSocketWrap`, `TCPServerWrap`, `Timeout`, …). */
export const handles = (): Record<string, number> => {
  const out: Record<string, number> = {}
  for (const r of process.getActiveResourcesInfo()) out[r] = (out[r] ?? 0) + 1
  return out
}

export const mb = (bytes: number): string => `${(bytes / MB).toFixed(1)} MB`

// --- frames by hand ------------------------------------------------------------

/** A `version` as a remote sends it now: the public kit's (`TestPeer.versionMessage`), stamped with the wall clock. */
export const versionMessage = (fields: Partial<Message.MessageOf<"Version">> = {}): Message.MessageOf<"Version"> =>
  TestPeer.versionMessage({ timestamp: BigInt(Math.floor(Date.now() / 1000)), userAgent: "/hostile:0.0.1/", ...fields })

export const frame = (m: Message.NetworkMessage): Uint8Array => Frame.encode(MAGIC, m)

/** A frame header announcing `length` payload bytes of `command`, checksum of nothing in particular. */
export const header = (command: string, length: number, magic: Uint8Array = MAGIC): Uint8Array => {
  const h = Frame.encodeRaw(magic, command, new Uint8Array(0))
  new DataView(h.buffer, h.byteOffset).setUint32(16, length, true)
  return h
}

// --- a raw remote over node:net ------------------------------------------------

/**
 * One end of a TCP connection driven by hand: decodes what our peer sends,
 * writes whatever bytes a test wants, answers pings if asked to, and can stop
 * reading altogether.
 */
export class Raw {
  readonly frames: Array<Frame.Received> = []
  readonly opened = Date.now()
  /** `Date.now()` when the socket closed (either side), else undefined. */
  closedAt: number | undefined
  readonly closed: Promise<void>
  bytesReceived = 0
  pongsReceived = 0
  autoPong = false
  decodeError: unknown
  private readonly decoder = new Frame.FrameDecoder({ params, version: () => 70016 })
  private wake: Array<() => void> = []

  constructor(readonly socket: Net.Socket) {
    socket.setNoDelay(true)
    // An attacker does not care about errors (resets after our peer hangs up).
    socket.on("error", () => {})
    this.closed = new Promise((resolve) =>
      socket.once("close", () => {
        this.closedAt = Date.now()
        resolve()
        this.notify()
      })
    )
    socket.on("data", (chunk: Buffer) => {
      this.bytesReceived += chunk.length
      if (this.decodeError !== undefined) return
      const out: Array<Frame.Received> = []
      const error = this.decoder.push(new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.length), out)
      if (error !== undefined) this.decodeError = error
      for (const r of out) {
        if (r.message._tag === "Pong") this.pongsReceived++
        if (this.autoPong && r.message._tag === "Ping") this.write(frame(Message.Pong.make({ nonce: r.message.nonce })))
        else this.frames.push(r)
      }
      if (out.length > 0) this.notify()
    })
  }

  /** Connects to 127.0.0.1:`port`, from `localAddress` (any 127.x.y.z on Linux) when given. */
  static connect(port: number, localAddress?: string): Promise<Raw> {
    return new Promise((resolve, reject) => {
      const s = Net.createConnection({ host: HOST, port, ...(localAddress === undefined ? {} : { localAddress }) })
      s.once("connect", () => resolve(new Raw(s)))
      s.once("error", reject)
    })
  }

  get isClosed(): boolean {
    return this.closedAt !== undefined
  }

  private notify(): void {
    const w = this.wake
    this.wake = []
    for (const f of w) f()
  }

  /** Writes; resolves once handed to the kernel (or at once when the socket is gone). */
  write(bytes: Uint8Array): Promise<void> {
    return new Promise((resolve) => {
      if (this.socket.destroyed) return resolve()
      this.socket.write(bytes, () => resolve())
    })
  }

  send(m: Message.NetworkMessage): Promise<void> {
    return this.write(frame(m))
  }

  /** Removes and returns the first received frame that is a `tag`, waiting up to `timeoutMs`. */
  async take<T extends Message.Tag>(tag: T, timeoutMs = 5000): Promise<Message.MessageOf<T>> {
    const deadline = Date.now() + timeoutMs
    for (;;) {
      const i = this.frames.findIndex((r) => r.message._tag === tag)
      if (i >= 0) return this.frames.splice(i, 1)[0]!.message as Message.MessageOf<T>
      if (this.isClosed) throw new Error(`socket closed while waiting for ${tag}`)
      const left = deadline - Date.now()
      if (left <= 0) throw new Error(`no ${tag} within ${timeoutMs} ms`)
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, left)
        this.wake.push(() => {
          clearTimeout(t)
          resolve()
        })
      })
    }
  }

  /** Resolves true when the socket closed within `timeoutMs`, false otherwise. */
  closedWithin(timeoutMs: number): Promise<boolean> {
    return new Promise((resolve) => {
      const t = setTimeout(() => resolve(false), timeoutMs)
      void this.closed.then(() => {
        clearTimeout(t)
        resolve(true)
      })
    })
  }

  destroy(): void {
    this.socket.destroy()
  }

  /** Plays the outbound side of the handshake against one of our inbound peers (we speak first). */
  async handshakeAsOutbound(): Promise<Message.MessageOf<"Version">> {
    await this.send(versionMessage())
    const theirs = await this.take("Version")
    await this.take("Verack")
    await this.send(Message.Verack.make({}))
    await this.take("SendHeaders")
    return theirs
  }

  /** Plays the inbound side of the handshake against one of our outbound peers (they speak first). */
  async handshakeAsInbound(): Promise<Message.MessageOf<"Version">> {
    const theirs = await this.take("Version")
    await this.send(versionMessage())
    await this.send(Message.Verack.make({}))
    await this.take("Verack")
    await this.take("SendHeaders")
    return theirs
  }
}

/** A raw client connected to `port` (from `localAddress` when given), destroyed when the scope closes. */
export const rawClient = (port: number, localAddress?: string): Effect.Effect<Raw, never, Scope.Scope> =>
  Effect.acquireRelease(Effect.promise(() => Raw.connect(port, localAddress)), (raw) => Effect.sync(() => raw.destroy()))

/** A raw TCP server on 127.0.0.1: every accepted connection goes to `accepted`. Closed with the scope. */
export const rawServer = Effect.gen(function*() {
  const accepted = yield* Queue.unbounded<Raw>()
  const all: Array<Raw> = []
  const server = Net.createServer((s) => {
    const raw = new Raw(s)
    all.push(raw)
    Queue.unsafeOffer(accepted, raw)
  })
  yield* Effect.acquireRelease(
    Effect.async<void>((resume) => {
      server.listen(0, HOST, () => resume(Effect.void))
    }),
    () =>
      Effect.async<void>((resume) => {
        for (const r of all) r.destroy()
        server.close(() => resume(Effect.void))
      })
  )
  const port = (server.address() as Net.AddressInfo).port
  return { port, accepted }
})

// --- our side: a listener of inbound peers ------------------------------------

/**
 * `NodeTransport.make()` whose accepted connections from 127.a.b.c are seen
 * as coming from 11.a.b.c. The sockets are real (Linux routes all of
 * 127.0.0.0/8 to loopback, so clients bind distinct source addresses), but
 * the connector puts every loopback address in one inbound group, as it must
 * for local proxies; seen as public, the sources fall into network groups by
 * their /16 (127.1.x.x in one, 127.2.x.x in another), as hosts on the
 * Internet would. 11.0.0.0/8 is routable and used nowhere else in the tests.
 */
export const loopbackAsPublic = (inner: Transport.TransportShape = NodeTransport.make()): Transport.TransportShape => ({
  ...inner,
  listen: (host, port, handler) =>
    inner.listen(host, port, (incoming) =>
      handler({
        ...incoming,
        remote: incoming.remote.network === NetAddress.NetworkId.IPv4 && incoming.remote.address[0] === 127
          ? { ...incoming.remote, address: Uint8Array.of(11, ...incoming.remote.address.subarray(1)) }
          : incoming.remote
      }))
})

/**
 * `inner`, with every byte the listener's connections read reported to
 * `onRead` (the remote as the handler sees it, the chunk's length), so a test
 * can wait until our side has read what a raw client sent. The socket is a
 * proxy forwarding everything else (its capabilities included) to the real one.
 */
export const tappingReads = (
  inner: Transport.TransportShape,
  onRead: (remote: NetAddress.NetAddressFields, bytes: number) => void
): Transport.TransportShape => ({
  ...inner,
  listen: (host, port, handler) =>
    inner.listen(host, port, (incoming) => {
      const tell = (data: string | Uint8Array) => onRead(incoming.remote, data.length)
      const socket = new Proxy(incoming.socket, {
        get: (target, prop) => {
          const value = Reflect.get(target, prop, target)
          if (typeof value !== "function") return value
          if (prop === DirectRead) {
            return (h: (data: Uint8Array) => unknown, ...rest: Array<unknown>) => value.call(target, (d: Uint8Array) => (tell(d), h(d)), ...rest)
          }
          if (prop === "run" || prop === "runRaw") {
            return (h: (data: Uint8Array) => unknown, ...rest: Array<unknown>) => value.call(target, (d: Uint8Array) => (tell(d), h(d)), ...rest)
          }
          return value.bind(target)
        }
      })
      return handler({ ...incoming, socket })
    })
})

export interface Accepted {
  readonly peer: Peer.StartingPeer
  readonly remote: NetAddress.NetAddressFields
}

/**
 * Listens on 127.0.0.1 through `NodeTransport.make()` and runs one of our
 * inbound peers per connection (with `config`), each until it disconnects.
 * Peers arrive on `accepted` as soon as they start.
 */
export const listenPeers = (config: Partial<PeerConfig.PeerConfigShape>) =>
  Effect.gen(function*() {
    const accepted = yield* Queue.unbounded<Accepted>()
    const address = yield* NodeTransport.make().listen(HOST, 0, ({ remote, socket }) =>
      Effect.gen(function*() {
        const peer = yield* Peer.start(socket, { direction: "inbound", remote, config })
        yield* Queue.offer(accepted, { peer, remote })
        yield* peer.awaitDisconnect
      })
    )
    return { port: address.port, accepted }
  })

/** The next accepted peer, within `timeout`. */
export const nextPeer = (accepted: Queue.Queue<Accepted>, timeout: Duration.DurationInput = "5 seconds") =>
  Queue.take(accepted).pipe(Effect.timeoutFail({ duration: timeout, onTimeout: () => new Error("no inbound peer accepted") }), Effect.orDie)

/** `awaitDisconnect` within `timeout` (dies otherwise: a peer that never ends is a failure). */
export const reasonWithin = (peer: Peer.StartingPeer, timeout: Duration.DurationInput = "5 seconds"): Effect.Effect<DisconnectReason> =>
  peer.awaitDisconnect.pipe(
    Effect.timeoutFail({ duration: timeout, onTimeout: () => new Error(`peer ${peer.id} did not disconnect within ${Duration.format(Duration.decode(timeout))}`) }),
    Effect.orDie
  )

// --- a flooder on a thread of its own -------------------------------------------

/**
 * What the flooder thread runs (plain JS, evaluated in a `Worker`): connect,
 * send version + verack, wait for our `sendheaders`, say "ready"; on "go",
 * write `inv` frames (and a ping every `pingEvery`) as fast as the socket
 * takes them for `ms`, then report and count pongs until all came back; on
 * "end", close and exit. A thread of its own, so the flood is not paced by
 * our own event loop (an in-process flooder only writes when we yield).
 */
const FLOODER = `
const { parentPort, workerData } = require("node:worker_threads")
const net = require("node:net")
const crypto = require("node:crypto")
const { port, magic, hello, inv, ms, pingEvery } = workerData
const sha256d = (b) => crypto.createHash("sha256").update(crypto.createHash("sha256").update(b).digest()).digest()
const ping = (n) => {
  const payload = Buffer.alloc(8); payload.writeBigUInt64LE(BigInt(n))
  const h = Buffer.alloc(24); Buffer.from(magic).copy(h, 0); h.write("ping", 4, "latin1"); h.writeUInt32LE(8, 16)
  sha256d(payload).copy(h, 20, 0, 4)
  return Buffer.concat([h, payload])
}
const invFrame = Buffer.from(inv)
let buf = Buffer.alloc(0), pongs = 0, handshook = false, closed = false, pings = 0
const s = net.createConnection({ host: "127.0.0.1", port, noDelay: true })
s.on("error", () => {})
s.on("close", () => { closed = true; parentPort.postMessage({ type: "closed" }) })
s.on("connect", () => s.write(Buffer.from(hello)))
s.on("data", (chunk) => {
  buf = Buffer.concat([buf, chunk])
  while (buf.length >= 24) {
    const len = buf.readUInt32LE(16)
    if (buf.length < 24 + len) break
    const cmd = buf.subarray(4, 16).toString("latin1").replace(/\0+$/, "")
    buf = buf.subarray(24 + len)
    if (cmd === "pong") pongs++
    if (cmd === "sendheaders" && !handshook) { handshook = true; parentPort.postMessage({ type: "ready" }) }
  }
})
const floodFor = async () => {
  const end = Date.now() + ms
  let frames = 0, bytes = 0
  while (Date.now() < end && !closed) {
    let ok = true
    for (let i = 0; i < pingEvery && ok; i++) { ok = s.write(invFrame); frames++; bytes += invFrame.length }
    const p = ping(++pings); bytes += p.length
    if (!s.write(p)) ok = false
    if (!ok) await new Promise((r) => { const t = setTimeout(r, Math.max(1, end - Date.now())); s.once("drain", () => { clearTimeout(t); r() }) })
  }
  parentPort.postMessage({ type: "sent", frames, pings, bytes, ms: Date.now() - end + ms })
  const deadline = Date.now() + 15000
  while (pongs < pings && !closed && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10))
  parentPort.postMessage({ type: "pongs", pongs })
}
parentPort.on("message", (m) => {
  if (m === "go") floodFor()
  if (m === "end") { s.destroy(); parentPort.close() }
})
`

export interface FloodReport {
  readonly frames: number
  readonly pings: number
  readonly bytes: number
  readonly ms: number
}

/**
 * A flooder thread connected to our listener on `port`, handshaken. `go`
 * floods for `ms` and returns what was sent; `pongs` then waits until every
 * ping was answered (or 15 s passed). The thread ends with the scope.
 */
export const flooderThread = (options: { readonly port: number; readonly ms: number; readonly pingEvery: number; readonly inv: Uint8Array }) =>
  Effect.gen(function*() {
    const messages = yield* Queue.unbounded<any>()
    const worker = yield* Effect.acquireRelease(
      Effect.sync(() =>
        new Worker(FLOODER, {
          eval: true,
          workerData: {
            port: options.port,
            magic: MAGIC,
            hello: concat(frame(versionMessage()), frame(Message.Verack.make({}))),
            inv: options.inv,
            ms: options.ms,
            pingEvery: options.pingEvery
          }
        })
      ),
      (w) => Effect.promise(() => (w.postMessage("end"), w.terminate()))
    )
    worker.on("message", (m) => Queue.unsafeOffer(messages, m))
    worker.on("error", (e) => Queue.unsafeOffer(messages, { type: "error", error: e }))
    const expect = (type: string, timeout: Duration.DurationInput) =>
      Effect.gen(function*() {
        for (;;) {
          const m = yield* Queue.take(messages)
          if (m.type === type) return m
          if (m.type === "error") return yield* Effect.die(m.error)
        }
      }).pipe(Effect.timeoutFail({ duration: timeout, onTimeout: () => new Error(`flooder: no ${type}`) }), Effect.orDie)
    // Generous: starting a worker and handshaking takes seconds on a loaded 2-core machine.
    yield* expect("ready", "60 seconds")
    return {
      go: Effect.zipRight(Effect.sync(() => worker.postMessage("go")), expect("sent", Duration.sum(Duration.decode(options.ms), "60 seconds"))) as Effect.Effect<FloodReport>,
      pongs: Effect.map(expect("pongs", "60 seconds"), (m) => m.pongs as number)
    }
  })

// --- our side: the whole network layer on a loopback listener --------------------

/** A listening network layer and its events, one queue per event kind. */
export interface ListeningNetwork {
  readonly port: number
  readonly connector: Connector.Connector["Type"]
  readonly book: AddressBook.AddressBookShape
  /** Every event so far, in order. */
  readonly events: ReadonlyArray<Connector.PeerEvent>
  /** The next event of `tag` not taken yet, within 10 s (dies otherwise). */
  readonly next: <T extends Connector.PeerEvent["_tag"]>(tag: T) => Effect.Effect<Extract<Connector.PeerEvent, { _tag: T }>>
}

/**
 * The network layer listening on 127.0.0.1 with no outbound peers, no
 * getaddr and v1 framing unless `config` says otherwise, and a memory book
 * that allows local addresses: `NodeNetwork.layer`, or with `transport`
 * the same services (`Network.layer`, no DNS) over that transport. Closed
 * with the scope.
 */
export const listenNetwork = (
  config: Partial<NetworkConfig.NetworkConfigShape> = {},
  transport?: Transport.TransportShape
): Effect.Effect<ListeningNetwork, Transport.TransportError | AddressBook.AddressBookError, Scope.Scope> =>
  Effect.gen(function*() {
    const scope = yield* Scope.make()
    yield* Effect.addFinalizer(() => Scope.close(scope, Exit.void))
    const options = {
      listen: { host: HOST, port: 0 },
      targetOutbound: 0,
      sendGetAddr: false,
      transportMode: "v1" as const,
      ...config,
      peer: { params, ...config.peer }
    }
    const book = AddressBook.layerMemory({ allowLocal: true })
    const layer = transport === undefined
      ? NodeNetwork.layer({ ...options, addressBook: { allowLocal: true } })
      : Network.layer(options).pipe(
        Layer.provideMerge(book),
        Layer.provide(Layer.succeed(Transport.Transport, transport)),
        Layer.provide(DnsResolver.layerNoop)
      )
    const context = yield* Layer.buildWithScope(layer, scope)
    const connector = Context.get(context, Connector.Connector)
    const events: Array<Connector.PeerEvent> = []
    const byTag = new Map<string, Queue.Queue<Connector.PeerEvent>>()
    for (const tag of ["Connected", "Disconnected", "InboundRefused", "HandshakeFailed"]) byTag.set(tag, yield* Queue.unbounded<Connector.PeerEvent>())
    yield* connector.subscribeEvents.pipe(
      Effect.flatMap(Stream.runForEach((e) => Effect.suspend(() => (events.push(e), Queue.offer(byTag.get(e._tag)!, e))))),
      Effect.forkIn(scope)
    )
    const next = <T extends Connector.PeerEvent["_tag"]>(tag: T) =>
      Queue.take(byTag.get(tag)!).pipe(
        Effect.map((e) => e as Extract<Connector.PeerEvent, { _tag: T }>),
        Effect.timeoutFail({ duration: "10 seconds", onTimeout: () => new Error(`no ${tag} event`) }),
        Effect.orDie
      )
    return { port: connector.listenAddress!.port, connector, book: Context.get(context, AddressBook.AddressBook), events, next }
  })

/** A regtest node of our own on 127.0.0.1: completes handshakes and counts the connections it accepted. */
export const ownNode = Effect.gen(function*() {
  let accepted = 0
  const bound = yield* NodeTransport.make().listen("127.0.0.1", 0, ({ remote, socket }) =>
    Effect.gen(function*() {
      accepted++
      const peer = yield* Peer.make(socket, { direction: "inbound", remote, config: { params: ChainParams.regtest, nonceRegistry: PeerConfig.makeNonceRegistry() } })
      yield* peer.awaitDisconnect
    }).pipe(Effect.ignore))
  return { port: bound.port, accepted: () => accepted }
})
