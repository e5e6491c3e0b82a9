/**
 * Shared helpers of the peer tests: transports that make a connected socket
 * pair (in memory or loopback TCP), peer configs that keep two of our peers
 * in one process from mistaking each other for themselves, and a "raw"
 * remote that speaks frames by hand so tests can break the protocol on
 * purpose and watch exactly what a peer writes.
 */
import * as NodeSocket from "@effect/platform-node/NodeSocket"
import * as NodeSocketServer from "@effect/platform-node/NodeSocketServer"
import * as Socket from "@effect/platform/Socket"
import * as Chunk from "effect/Chunk"
import * as Deferred from "effect/Deferred"
import * as Effect from "effect/Effect"
import * as Fiber from "effect/Fiber"
import * as Option from "effect/Option"
import * as Queue from "effect/Queue"
import type * as Scope from "effect/Scope"
import * as BlockHeader from "../../src/wire/BlockHeader.js"
import * as ChainParams from "../../src/wire/ChainParams.js"
import type { DisconnectReason } from "../../src/peer/DisconnectReason.js"
import type { PeerError } from "../../src/peer/PeerError.js"
import * as Frame from "../../src/wire/Frame.js"
import * as Hash from "../../src/wire/Hash.js"
import * as InvVector from "../../src/wire/InvVector.js"
import * as MemorySocket from "../../src/peer/MemorySocket.js"
import * as MessageTransport from "../../src/peer/MessageTransport.js"
import * as V2Transport from "../../src/peer/V2Transport.js"
import { shortIdOf } from "../../src/internal/peer/v2/messageIds.js"
import * as Message from "../../src/wire/Message.js"
import * as Peer from "../../src/peer/Peer.js"
import * as PeerConfig from "../../src/peer/PeerConfig.js"
import type { WireError } from "../../src/wire/WireError.js"
import * as TestPeer from "../../src/testing/TestPeer.js"

export const params = ChainParams.regtest

/** A config on regtest with a nonce registry of its own (a separate "node"). */
export const config = (overrides: Partial<PeerConfig.PeerConfigShape> = {}): Partial<PeerConfig.PeerConfigShape> => ({
  params,
  nonceRegistry: PeerConfig.makeNonceRegistry(),
  ...overrides
})

// --- transports -----------------------------------------------------------

/** Something that makes a connected socket pair: `[dialing side, accepting side]`. */
export interface Transport {
  readonly name: string
  readonly pair: Effect.Effect<readonly [Socket.Socket, Socket.Socket], unknown, Scope.Scope>
  /** The message transport both of our peers speak over this pair (v1 when absent). */
  readonly framing?: Framing | undefined
}

/** A message transport for the conformance suite, with what it adds to the bytes on the wire. */
export interface Framing {
  readonly name: "v1" | "v2"
  readonly factory: MessageTransport.Factory
  /** Bytes a message of `command` takes on the wire beyond its payload. */
  readonly overhead: (command: string) => number
  /** Least and most bytes of the transport's own handshake, per side. */
  readonly handshake: readonly [number, number]
}

/** v1 frames: a 24-byte header per message, no handshake of its own. */
export const v1Framing: Framing = { name: "v1", factory: MessageTransport.v1, overhead: () => 24, handshake: [0, 0] }

/**
 * v2 packets: a 3-byte length, a header byte, the message type (1 byte, or
 * 13 for a command without a short id) and a 16-byte tag; the handshake is a
 * 64-byte key, 0 to 4095 bytes of garbage, a 16-byte terminator and the
 * empty version packet (20 bytes).
 */
export const v2Framing: Framing = {
  name: "v2",
  factory: V2Transport.messageTransport(),
  overhead: (command) => 3 + 1 + 16 + (shortIdOf(command) === undefined ? 13 : 1),
  handshake: [64 + 16 + 20, 64 + 4095 + 16 + 20]
}

/** Peer options that make a peer speak `transport`'s framing. */
export const framed = (transport: Transport): Pick<Peer.PeerOptions, "transport"> => ({
  transport: (transport.framing ?? v1Framing).factory
})

export const memoryTransport: Transport = {
  name: "MemorySocket",
  pair: MemorySocket.makePair()
}

/**
 * A socket that becomes `deferred`'s socket once it is known. The client of
 * `NodeSocket.makeNet` only connects when it is run, so the accepted socket
 * does not exist yet when both sockets are handed out.
 */
const deferredSocket = (deferred: Deferred.Deferred<Socket.Socket>): Socket.Socket => {
  const run = <_, E, R>(
    handler: (data: Uint8Array) => Effect.Effect<_, E, R> | void,
    options?: { readonly onOpen?: Effect.Effect<void> | undefined }
  ) => Effect.flatMap(Deferred.await(deferred), (s) => s.run(handler, options))
  return Socket.Socket.of({
    [Socket.TypeId]: Socket.TypeId,
    run,
    runRaw: run as Socket.Socket["runRaw"],
    writer: Effect.flatMap(Deferred.await(deferred), (s) => s.writer)
  })
}

export const tcpTransport: Transport = {
  name: "loopback TCP",
  pair: Effect.gen(function*() {
    const server = yield* NodeSocketServer.make({ host: "127.0.0.1", port: 0 })
    if (server.address._tag !== "TcpAddress") return yield* Effect.dieMessage("not a TCP server")
    const accepted = yield* Deferred.make<Socket.Socket>()
    yield* server.run((socket) => Deferred.succeed(accepted, socket)).pipe(Effect.forkScoped)
    const client = yield* NodeSocket.makeNet({ host: "127.0.0.1", port: server.address.port })
    return [client, deferredSocket(accepted)] as const
  })
}

/** Our outbound and inbound peer over `transport`, handshaken with each other. */
export const connect = (
  transport: Transport,
  outbound: Partial<PeerConfig.PeerConfigShape> = {},
  inbound: Partial<PeerConfig.PeerConfigShape> = {}
) =>
  Effect.gen(function*() {
    const [a, b] = yield* transport.pair
    return yield* Effect.all([
      Peer.make(a, { direction: "outbound", config: config(outbound), ...framed(transport) }),
      Peer.make(b, { direction: "inbound", config: config(inbound), ...framed(transport) })
    ], { concurrency: 2 })
  })

/**
 * Waits until each side processed everything the other sent before: a ping
 * both ways (a connection is ordered, so the pong comes after all of it).
 */
export const settle = (a: Peer.Peer, b: Peer.Peer) => Effect.zipRight(a.ping, b.ping)

// --- a raw remote ---------------------------------------------------------

/** A remote written by hand: writes frames, decodes what the peer sends. */
export interface Raw {
  readonly socket: Socket.Socket
  /** Encodes and writes one message. */
  readonly send: (m: Message.NetworkMessage) => Effect.Effect<void>
  /** Writes bytes as they are. */
  readonly sendBytes: (bytes: Uint8Array) => Effect.Effect<void>
  /** The next frame the peer sent. */
  readonly next: Effect.Effect<Frame.Received>
  /** The next frame, which must be a `tag` message. */
  readonly expect: <T extends Message.Tag>(tag: T) => Effect.Effect<Message.MessageOf<T>>
  /** Skips frames until a `tag` message. */
  readonly nextOf: <T extends Message.Tag>(tag: T) => Effect.Effect<Message.MessageOf<T>>
  /** Frames received and not taken yet, without waiting. */
  readonly drain: Effect.Effect<ReadonlyArray<Frame.Received>>
  /** Stops reading (the peer's writes back up) / reads again. */
  readonly pause: Effect.Effect<void>
  readonly resume: Effect.Effect<void>
  /** Closes the connection (both directions). */
  readonly close: Effect.Effect<void>
  /** Completes when the peer closed its end. */
  readonly closed: Deferred.Deferred<void>
  /** Answer pings by itself (off by default). */
  autoPong: boolean
  /** The error that stopped our own decoding of the peer's bytes, if any. */
  readonly decodeError: () => WireError | undefined
  /** Its `version` nonce. */
  readonly nonce: bigint
}

let rawNonce = 0x5241_5700_0000_0000n

/** A `version` as a remote would send it: the public kit's (`TestPeer.versionMessage`) with this remote's user agent. */
export const versionMessage = (fields: Partial<Message.MessageOf<"Version">> = {}): Message.MessageOf<"Version"> =>
  TestPeer.versionMessage({ userAgent: "/raw:0.0.1/", nonce: rawNonce++, ...fields })

export const makeRaw = (socket: Socket.Socket): Effect.Effect<Raw, never, Scope.Scope> =>
  Effect.gen(function*() {
    const write = yield* socket.writer
    const received = yield* Queue.unbounded<Frame.Received>()
    const closed = yield* Deferred.make<void>()
    const latch = yield* Effect.makeLatch(true)
    const decoder = new Frame.FrameDecoder({ params, version: () => 70016 })
    let decodeError: WireError | undefined
    const writeOrDie = (bytes: Uint8Array) => Effect.orDie(write(bytes))
    const raw: Raw = {
      socket,
      send: (m) => writeOrDie(Frame.encode(params.magic, m)),
      sendBytes: writeOrDie,
      next: Queue.take(received),
      expect: (tag) =>
        Effect.flatMap(Queue.take(received), (r) =>
          r.message._tag === tag
            ? Effect.succeed(r.message as any)
            : Effect.dieMessage(`expected ${tag}, got ${r.message._tag}`)),
      nextOf: (tag) =>
        Effect.iterate(undefined as Message.NetworkMessage | undefined, {
          while: (m) => m?._tag !== tag,
          body: () => Effect.map(Queue.take(received), (r) => r.message)
        }) as any,
      drain: Effect.map(Queue.takeAll(received), Chunk.toReadonlyArray),
      close: Effect.ignore(write(new Socket.CloseEvent(1000))),
      pause: latch.close,
      resume: latch.open,
      closed,
      autoPong: false,
      decodeError: () => decodeError,
      nonce: rawNonce++
    }
    const onChunk = (chunk: Uint8Array) =>
      latch.whenOpen(Effect.suspend(() => {
        const out: Array<Frame.Received> = []
        const error = decoder.push(chunk, out)
        if (error !== undefined) decodeError = error
        const pongs: Array<Uint8Array> = []
        for (const r of out) {
          if (raw.autoPong && r.message._tag === "Ping") {
            pongs.push(Frame.encode(params.magic, Message.Pong.make({ nonce: r.message.nonce })))
          }
          Queue.unsafeOffer(received, r)
        }
        return Effect.forEach(pongs, (p) => Effect.ignore(write(p)), { discard: true })
      }))
    yield* socket.run(onChunk).pipe(
      Effect.ignore,
      Effect.ensuring(Deferred.succeed(closed, undefined)),
      Effect.forkScoped
    )
    return raw
  })

/**
 * Plays the remote's side of the handshake against one of our peers
 * (`peerDirection` is the peer's). Returns the peer's `version`. Consumes
 * everything the peer sends up to its `sendheaders` (unless `sendHeaders` is
 * false).
 */
export const rawHandshake = (
  raw: Raw,
  peerDirection: Peer.Direction,
  options: { readonly version?: Partial<Message.MessageOf<"Version">>; readonly sendHeaders?: boolean } = {}
) =>
  Effect.gen(function*() {
    const ours = versionMessage({ nonce: raw.nonce, ...options.version })
    let theirs: Message.MessageOf<"Version">
    if (peerDirection === "outbound") {
      theirs = yield* raw.expect("Version")
      yield* raw.send(ours)
      yield* raw.send(Message.Verack.make({}))
      yield* raw.nextOf("Verack")
    } else {
      yield* raw.send(ours)
      theirs = yield* raw.expect("Version")
      yield* raw.nextOf("Verack")
      yield* raw.send(Message.Verack.make({}))
    }
    if (options.sendHeaders !== false) yield* raw.expect("SendHeaders")
    return theirs
  })

/**
 * One of our peers (`Peer.make` forked, since it waits for the handshake)
 * over a `MemorySocket` pair whose other end is a raw remote.
 */
export const withRaw = (
  direction: Peer.Direction,
  overrides: Partial<PeerConfig.PeerConfigShape> = {},
  options: { readonly capacity?: number } = {}
) =>
  Effect.gen(function*() {
    const [peerSide, rawSide] = yield* MemorySocket.makePair(options.capacity === undefined ? {} : { capacity: options.capacity })
    const raw = yield* makeRaw(rawSide)
    const make = yield* Peer.make(peerSide, { direction, config: config(overrides) }).pipe(Effect.fork)
    return { raw, make }
  })

/** A peer that completed the handshake with a raw remote. */
export const connectRaw = (
  direction: Peer.Direction,
  overrides: Partial<PeerConfig.PeerConfigShape> = {},
  options: { readonly capacity?: number; readonly autoPong?: boolean } = {}
) =>
  Effect.gen(function*() {
    const { make, raw } = yield* withRaw(direction, overrides, options)
    yield* rawHandshake(raw, direction, { sendHeaders: overrides.announceSendHeaders !== false })
    const peer = yield* Fiber.join(make)
    raw.autoPong = options.autoPong ?? false
    return { peer, raw }
  })

/** The failure of a `Peer.make` that must fail. */
export const makeFailure = (make: Fiber.Fiber<Peer.Peer, PeerError>) => Effect.flip(Fiber.join(make))

/** The disconnect reason of a `PeerError`, asserting it is a disconnect. */
export const disconnectOf = (e: PeerError): DisconnectReason => {
  if (e.reason !== "Disconnected" || e.disconnect === undefined) throw new Error(`expected Disconnected, got ${e.message}`)
  return e.disconnect
}

/** Polls a fiber: its exit if it ended. */
export const polled = <A, E>(fiber: Fiber.Fiber<A, E>) => Effect.map(Fiber.poll(fiber), Option.getOrUndefined)

// --- fixtures -------------------------------------------------------------

/** A 32-byte hash whose first bytes spell `n` (big-endian) and `tag`. */
export const hashOf = (n: number, tag = 0): Uint8Array => {
  const h = new Uint8Array(32)
  h[0] = tag
  h[1] = (n >>> 24) & 0xff
  h[2] = (n >>> 16) & 0xff
  h[3] = (n >>> 8) & 0xff
  h[4] = n & 0xff
  return h
}

export const txInv = (n: number): InvVector.InvVector => ({ type: InvVector.InvType.Tx, hash: hashOf(n, 1) })
export const blockInv = (n: number): InvVector.InvVector => ({ type: InvVector.InvType.Block, hash: hashOf(n, 2) })

export const header = (n: number): BlockHeader.BlockHeader => ({
  version: 4,
  prevBlock: hashOf(n, 3),
  merkleRoot: Hash.ZERO,
  time: 1_700_000_000 + n,
  bits: 0x207fffff,
  nonce: n
})

export const headersMessage = (count: number, from = 0) =>
  Message.Headers.make({ headers: Array.from({ length: count }, (_, i) => header(from + i)) })

export const tx = (n: number) =>
  Message.Tx.make({
    tx: {
      version: 2,
      inputs: [{ prevout: { hash: hashOf(n, 4), index: 0 }, script: new Uint8Array(0), sequence: 0xffffffff, witness: [] }],
      outputs: [{ value: 1000n, script: new Uint8Array([0x51]) }],
      lockTime: 0
    }
  })

/** Payload size of a message as framed (the stats count payload bytes). */
export const payloadSize = (m: Message.NetworkMessage): number => Frame.encode(params.magic, m).length - Frame.HEADER_SIZE
