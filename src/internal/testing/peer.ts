/**
 * The scripted peer: one fiber reads the socket, decodes frames, records
 * them, plays its part of the handshake and runs the reply rules, in
 * arrival order. Waiters (`expect`, `handshake`) watch a `SubscriptionRef`
 * that counts what happened, so none misses an arrival.
 */
import * as Socket from "@effect/platform/Socket"
import * as Clock from "effect/Clock"
import * as Deferred from "effect/Deferred"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import * as Queue from "effect/Queue"
import type * as Scope from "effect/Scope"
import * as Stream from "effect/Stream"
import * as SubscriptionRef from "effect/SubscriptionRef"
import * as Transport from "../../network/Transport.js"
import * as MemorySocket from "../../peer/MemorySocket.js"
import * as Peer from "../../peer/Peer.js"
import * as PeerConfig from "../../peer/PeerConfig.js"
import * as TestPeer from "../../testing/TestPeer.js"
import * as ChainParams from "../../wire/ChainParams.js"
import * as Frame from "../../wire/Frame.js"
import * as Message from "../../wire/Message.js"
import * as NetAddress from "../../wire/NetAddress.js"
import type { WireError } from "../../wire/WireError.js"

const PROTOCOL_VERSION = 70016
const DEFAULT_TIMEOUT = Duration.seconds(10)

const NO_ADDRESS: NetAddress.NetAddressFields = {
  services: 0n,
  network: NetAddress.NetworkId.IPv4,
  address: new Uint8Array(4),
  port: 0
}

/** "TEST" in the high bytes: far from the nonces our peers draw at random. */
let nextNonce = 0x5445_5354_0000_0000n

export const versionMessage = (fields: Partial<Message.MessageOf<"Version">> = {}): Message.MessageOf<"Version"> =>
  Message.Version.make({
    version: PROTOCOL_VERSION,
    services: 0n,
    timestamp: 0n,
    addrRecv: NO_ADDRESS,
    addrFrom: NO_ADDRESS,
    nonce: nextNonce++,
    userAgent: "/TestPeer:0.1.0/",
    startHeight: 0,
    relay: true,
    ...fields
  })

type Handler = (message: Message.NetworkMessage) => TestPeer.Reply | Effect.Effect<TestPeer.Reply>

export const fromSocket = (
  socket: Socket.Socket,
  options: TestPeer.Options = {}
): Effect.Effect<TestPeer.TestPeer, never, Scope.Scope> =>
  Effect.gen(function*() {
    const params = options.params ?? ChainParams.regtest
    const mode = options.handshake ?? "complete"
    const defaultTimeout = options.timeout ?? DEFAULT_TIMEOUT
    const now = yield* Clock.currentTimeMillis
    const version = versionMessage({ timestamp: BigInt(Math.floor(now / 1000)), ...options.version })
    const write = yield* socket.writer
    const log: Array<Message.NetworkMessage> = []
    const taken: Array<boolean> = []
    const events = yield* SubscriptionRef.make(0)
    const bump = SubscriptionRef.update(events, (n) => n + 1)
    const handshake = yield* Deferred.make<Message.MessageOf<"Version">, TestPeer.TestPeerError>()
    const closedSignal = yield* Deferred.make<void>()
    const rules = new Map<string, Handler>()
    if (options.answerPings ?? true) {
      rules.set("Ping", (m) => Message.Pong.make({ nonce: (m as Message.MessageOf<"Ping">).nonce }))
    }
    let closed = false
    let decodeError: WireError | undefined
    let theirs: Message.MessageOf<"Version"> | undefined
    let sentVersion = false
    let sentVerack = false
    let gotVerack = false
    // Frames both ways use the negotiated version, as a real node's do.
    const negotiated = () => Math.min(version.version, theirs?.version ?? PROTOCOL_VERSION)
    const decoder = new Frame.FrameDecoder({ params, version: negotiated })

    const pending = () => log.filter((_, i) => !taken[i]).map((m) => m._tag)
    const closedError = (expected: string) => new TestPeer.TestPeerError({ reason: "Closed", expected, pending: pending() })
    const writeBytes = (bytes: Uint8Array) => Effect.mapError(write(bytes), () => closedError("a write"))
    const send = (m: Message.NetworkMessage) =>
      Effect.suspend(() => writeBytes(Frame.encode(params.magic, m, { version: negotiated() })))
    const sendAll = (ms: ReadonlyArray<Message.NetworkMessage>) => Effect.forEach(ms, send, { discard: true })

    const sendVersion = Effect.suspend(() => {
      if (sentVersion || mode === "silent" || mode === "manual") return Effect.void
      sentVersion = true
      const opening = typeof mode === "object" ? writeBytes(mode.garbage) : Effect.zipRight(send(version), sendAll(options.beforeVerack ?? []))
      return options.delay === undefined ? opening : Effect.zipRight(Effect.sleep(options.delay), opening)
    })
    const checkDone = Effect.suspend(() =>
      theirs !== undefined && sentVerack && gotVerack ? Deferred.succeed(handshake, theirs) : Effect.void
    )

    const playHandshake = (m: Message.NetworkMessage) =>
      Effect.gen(function*() {
        if (m._tag === "Version" && theirs === undefined) {
          theirs = m
          yield* sendVersion
          if (mode === "complete") {
            yield* send(Message.Verack.make({}))
            sentVerack = true
          }
        } else if (m._tag === "Verack") {
          gotVerack = true
        }
        yield* checkDone
      })

    const runRule = (m: Message.NetworkMessage) =>
      Effect.gen(function*() {
        const rule = rules.get(m._tag)
        if (rule === undefined) return
        const result = rule(m)
        const reply = Effect.isEffect(result) ? yield* result : result
        if (reply === undefined) return
        yield* sendAll(Array.isArray(reply) ? reply : [reply as Message.NetworkMessage])
      })

    const onChunk = (chunk: Uint8Array) =>
      Effect.gen(function*() {
        if (decodeError !== undefined) return
        const out: Array<Frame.Received> = []
        const error = decoder.push(chunk, out)
        if (error !== undefined) decodeError = error
        for (const { message } of out) {
          log.push(message)
          taken.push(false)
          if (mode !== "manual") yield* playHandshake(message)
          yield* runRule(message)
          yield* bump
        }
        if (error !== undefined) yield* bump
      }).pipe(Effect.catchAll(() => Effect.void))

    const markClosed = Effect.suspend(() => {
      closed = true
      return Effect.all([
        Deferred.fail(handshake, closedError("the handshake")),
        Deferred.succeed(closedSignal, undefined),
        bump
      ], { discard: true })
    })
    yield* socket.run(onChunk).pipe(Effect.ignore, Effect.ensuring(markClosed), Effect.forkScoped)
    if (options.speaksFirst === true) yield* Effect.forkScoped(Effect.ignore(sendVersion))

    const expect = <T extends Message.Tag>(
      tag: T,
      predicate?: (message: Message.MessageOf<T>) => boolean,
      expectOptions?: { readonly timeout?: Duration.DurationInput }
    ): Effect.Effect<Message.MessageOf<T>, TestPeer.TestPeerError> => {
      const attempt = Effect.suspend(() => {
        for (let i = 0; i < log.length; i++) {
          const m = log[i]!
          if (!taken[i] && m._tag === tag && (predicate === undefined || predicate(m as Message.MessageOf<T>))) {
            taken[i] = true
            return Effect.succeed(Option.some(m as Message.MessageOf<T>))
          }
        }
        return closed ? Effect.fail(closedError(tag)) : Effect.succeed(Option.none())
      })
      return events.changes.pipe(
        Stream.mapEffect(() => attempt),
        Stream.filterMap((found) => found),
        Stream.runHead,
        Effect.flatMap(Option.match({ onNone: () => Effect.fail(closedError(tag)), onSome: Effect.succeed })),
        Effect.timeoutFail({
          duration: expectOptions?.timeout ?? defaultTimeout,
          onTimeout: () => new TestPeer.TestPeerError({ reason: "Timeout", expected: tag, pending: pending() })
        })
      )
    }

    return {
      socket,
      version,
      handshake: Deferred.await(handshake),
      received: Effect.sync(() => log.slice()),
      expect,
      send,
      sendBytes: writeBytes,
      respond: (tag, handler) => Effect.sync(() => void rules.set(tag, handler as Handler)),
      disconnect: Effect.ignore(write(new Socket.CloseEvent(1000))),
      closed: Deferred.await(closedSignal),
      isClosed: Effect.sync(() => closed),
      decodeError: Effect.sync(() => Option.fromNullable(decodeError))
    } satisfies TestPeer.TestPeer
  })

export const make = (options: TestPeer.Options = {}): Effect.Effect<TestPeer.TestPeer, never, Scope.Scope> =>
  Effect.gen(function*() {
    const [theirs, ours] = yield* MemorySocket.makePair(options.capacity === undefined ? {} : { capacity: options.capacity })
    const peer = yield* fromSocket(ours, options)
    return { ...peer, socket: theirs }
  })

export const connect = (
  options: TestPeer.Options & {
    readonly direction?: Peer.Direction
    readonly config?: Partial<PeerConfig.PeerConfigShape>
  } = {}
) =>
  Effect.gen(function*() {
    const direction = options.direction ?? "outbound"
    const remote = yield* make({ ...options, speaksFirst: options.speaksFirst ?? direction === "inbound" })
    const peer = yield* Peer.make(remote.socket, {
      direction,
      config: { params: options.params ?? ChainParams.regtest, nonceRegistry: PeerConfig.makeNonceRegistry(), ...options.config }
    })
    yield* remote.handshake
    return { peer, remote }
  })

export const listen = (hub: Transport.MemoryHub, address: NetAddress.NetAddressFields, options: TestPeer.Options = {}) =>
  Effect.gen(function*() {
    const accepted = yield* Queue.unbounded<TestPeer.TestPeer>()
    const host = NetAddress.hostToString(address)
    yield* Transport.makeMemory(hub, host).listen(host, address.port, ({ socket }) =>
      Effect.gen(function*() {
        const peer = yield* fromSocket(socket, options)
        yield* Queue.offer(accepted, peer)
        // The connection lives as long as the handler: until either side hangs up.
        yield* peer.closed
      }))
    return { accept: Queue.take(accepted) }
  })

export const dial = (
  hub: Transport.MemoryHub,
  address: NetAddress.NetAddressFields,
  options: TestPeer.Options & { readonly from?: string } = {}
) =>
  Effect.gen(function*() {
    const socket = yield* Transport.makeMemory(hub, options.from ?? "127.0.0.1").dial(address)
    return yield* fromSocket(socket, { speaksFirst: true, ...options })
  })
