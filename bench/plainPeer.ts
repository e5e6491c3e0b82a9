/**
 * A bench-only prototype (issue 15, the setup ceiling): a peer built from
 * our real pieces — `TcpSocket`, `PeerCore`, the v1 `MessageTransport`
 * (`FrameDecoder`, `Frame.encodeEither`), `Reader`, `Writer`, `Outbound`,
 * `Alarm`, `Subscribers`, `PreHandshake` — wired as `make.ts`'s `build`
 * wires them, but driven by plain callbacks: no fiber, no runtime, no
 * scope, no `Effect` run anywhere on a setup's path. It is what a
 * connection's setup would cost if the engine's start, handshake wait and
 * end ran without Effect: the floor of our protocol pieces, against which
 * `bench/setupCeiling.ts` measures what each Effect piece adds.
 *
 * Not a peer to use: no `Peer` surface (sends, requests, subscriptions), no
 * fiber fallbacks (a reader that must wait for a turn, an alarm ring that
 * needs an effect: counted in `fallbacks`, and none happen in a handshake).
 */
import * as Clock from "effect/Clock"
import * as Context from "effect/Context"
import * as DefaultServices from "effect/DefaultServices"
import * as Effect from "effect/Effect"
import * as Net from "node:net"
import { TcpSocket } from "../src/internal/node/TcpSocket.js"
import { Alarm, timerOf } from "../src/internal/peer/Alarm.js"
import { PeerCore } from "../src/internal/peer/core/PeerCore.js"
import { DirectClose, DirectRead } from "../src/internal/peer/DirectWrite.js"
import * as handshakeRules from "../src/internal/peer/handshake.js"
import { directReadLoop, liveRandom, stepper, writeFailure } from "../src/internal/peer/lifecycle.js"
import { Outbound } from "../src/internal/peer/Outbound.js"
import { ByteBudget, PreHandshake } from "../src/internal/peer/PreHandshake.js"
import { MAX_UNREAD_BYTES, Reader } from "../src/internal/peer/Reader.js"
import { ReadSide } from "../src/internal/peer/ReadSide.js"
import { Subscribers } from "../src/internal/peer/Subscribers.js"
import { Writer } from "../src/internal/peer/Writer.js"
import { DisconnectReason } from "../src/peer/DisconnectReason.js"
import * as MessageTransport from "../src/peer/MessageTransport.js"
import type { Direction, HandshakeInfo } from "../src/peer/Peer.js"
import * as PeerConfig from "../src/peer/PeerConfig.js"
import type * as Message from "../src/wire/Message.js"
import * as NetAddress from "../src/wire/NetAddress.js"

/** Times a plain peer needed a fiber (a reader turn, an effectful alarm ring, an effect writer): 0 in a handshake. */
export const fallbacks = { count: 0 }

/**
 * Frames plain peers wrote, by direction and command, and how they ended: what a setup's timing
 * can change (a ping sent if the close came after the alarm's turn; a reset instead of an orderly
 * end when the remote closed with our bytes unread, which costs an error with its stack).
 */
export const written = new Map<string, number>()

/** Stands for the engine's `fork`/`runFork`: counts the call and runs the effect (never on a handshake's path). */
const fallbackFork = (effect: Effect.Effect<any, any>): any => {
  fallbacks.count++
  return Effect.runFork(effect)
}

const liveClock = Context.get(DefaultServices.liveServices, Clock.Clock)
const liveTimer = timerOf(liveClock)
const now = (): number => liveClock.unsafeCurrentTimeMillis()
const u32 = (): number => Math.floor(Math.random() * 0x1_0000_0000)
const u64 = (hi: number, lo: number): bigint => (BigInt(hi) << 32n) | BigInt(lo)
const noWriter = () => Effect.dieMessage("the socket writes directly")

/** A running plain peer: `close` is what the closing scope's finalizer does (`cleanupNow`). */
export interface PlainPeer {
  readonly core: PeerCore<never>
  readonly close: () => void
}

export interface PlainHooks {
  readonly onHandshake: (info: HandshakeInfo) => void
  readonly onClosed: (reason: DisconnectReason) => void
}

/** `make.ts`'s `build` over a `TcpSocket`, with every Effect step replaced by its synchronous path. */
export const plainPeer = (
  socket: TcpSocket,
  direction: Direction,
  config: PeerConfig.PeerConfigShape,
  remote: NetAddress.NetAddressFields,
  hooks: PlainHooks
): PlainPeer => {
  const ourNonce = u64(u32(), u32())
  const pingSeed = u64(u32(), u32())
  const connectedAt = now()
  config.nonceRegistry.add(ourNonce)
  const preHandshake = new PreHandshake(
    config.maxPreHandshakeBytes,
    (config.preHandshakeBudget as ByteBudget | undefined) ?? new ByteBudget(PeerConfig.DEFAULT_PRE_HANDSHAKE_BUDGET)
  )
  const checkPreHandshake = (): void => {
    if (core.verackReceived || core.reason !== undefined) return
    const over = preHandshake.update(preHandshake.delivered + transport.bufferedBytes + reader.unreadBytes)
    if (over !== undefined) end(over)
  }
  let cleaned = false
  const core: PeerCore<never> = new PeerCore<never>({
    config,
    direction,
    connectedAt,
    ourVersion: handshakeRules.ourVersion(config, remote, ourNonce, 0, connectedAt),
    isOurNonce: (nonce) => config.nonceRegistry.has(nonce),
    transport: () => transport,
    pingSeed,
    // The default schedules are plain spacings: stepped without the runtime.
    stepPing: stepper(undefined as never, config.pingSchedule, liveRandom),
    stepTrickle: stepper(undefined as never, config.trickleSchedule, liveRandom)
  }, {
    send: (message: Message.NetworkMessage, stall) => outbound.enqueue(message, undefined, stall),
    deliver: (message, bytes) => {
      subscribers.publish(message, bytes)
      if (!core.verackReceived) {
        preHandshake.delivered += bytes
        checkPreHandshake()
      }
    },
    handshakeComplete: (info) => {
      preHandshake.release()
      hooks.onHandshake(info)
    },
    completeRequest: () => {},
    failRequest: () => {},
    dieRequest: () => {},
    pingAnswered: () => {},
    wakeAt: (at) => alarm.wakeBy(at),
    disconnect: () => {
      preHandshake.release()
      queueMicrotask(cleanup)
    }
  })
  const end = (reason: DisconnectReason): void => void core.end(reason)
  const transport = MessageTransport.v1({ params: config.params, direction, version: () => core.codecVersion })
  const subscribers = new Subscribers<Message.NetworkMessage>((m) => m._tag, config.subscriberBufferBytes)
  const writer = new Writer(socket, noWriter, fallbackFork, (batch, size) => {
    const t = now()
    core.wrote(size, t)
    for (const o of batch) {
      if (o.command === undefined) continue
      core.sent(o.command, o.payloadSize, o.expects, o.stall, t)
      const key = `${direction} ${o.command}`
      written.set(key, (written.get(key) ?? 0) + 1)
    }
  }, (cause) => end(writeFailure(cause)))
  const outbound = new Outbound(transport, writer, config, () => core.codecVersion, () => core.reason, end)
  const reader = new Reader(
    new ReadSide(transport, core.counters, outbound),
    Math.max(1, Math.floor(config.subscriberBuffer / 2)),
    now,
    (r, t) => core.received(r, t),
    (millis) => core.busy(millis),
    (error) => end(DisconnectReason.DecodeError({ error })),
    (cause) => end(DisconnectReason.Defect({ cause })),
    fallbackFork,
    (unreadBytes) => end(DisconnectReason.ReadOverflow({ unreadBytes, limit: MAX_UNREAD_BYTES })),
    checkPreHandshake
  )
  const alarm = new Alarm(
    now,
    fallbackFork,
    (t) => Effect.sync(() => core.timer(t)),
    (t) => core.reason === undefined && core.stallCheckDue(t) ? undefined : core.timer(t),
    liveTimer
  )
  let socketOpen = false
  const cleanup = (): void => {
    if (cleaned) return
    cleaned = true
    const r = core.reason ?? DisconnectReason.Shutdown()
    reader.stop()
    alarm.stopNow()
    if (socketOpen) socket[DirectClose]()
    stopReading()
    writer.stopNow()
    core.ping.abandon()
    subscribers.endAll()
    const key = `${direction} end ${r._tag}${r._tag === "RemoteClosed" && r.reset ? " (reset)" : ""}`
    written.set(key, (written.get(key) ?? 0) + 1)
    hooks.onClosed(r)
  }
  core.start()
  const stopReading = directReadLoop(socket[DirectRead], fallbackFork, reader, core, (open) => void (socketOpen = open))
  return {
    core,
    close: () => {
      end(DisconnectReason.Shutdown())
      cleanup()
    }
  }
}

const addressOf = (host: string, port: number): NetAddress.NetAddressFields =>
  NetAddress.fromHost(host, port) ?? { services: 0n, network: NetAddress.NetworkId.IPv4, address: new Uint8Array(4), port }

/** `NodeTransport`'s dial without Effect: connect (with the dial timeout armed, then cleared), then a `TcpSocket`. */
export const plainDial = (host: string, port: number, timeoutMillis = 10_000): Promise<TcpSocket> =>
  new Promise((resolve, reject) => {
    const socket = Net.createConnection({ host, port, noDelay: true })
    const onError = (cause: Error) => reject(cause)
    const onTimeout = () => {
      socket.destroy()
      reject(new Error("timeout"))
    }
    socket.once("connect", () => {
      socket.off("error", onError)
      socket.setTimeout(0, onTimeout)
      resolve(new TcpSocket(socket))
    })
    socket.on("error", onError)
    socket.setTimeout(timeoutMillis, onTimeout)
  })

/** The client side of a setup: dial, handshake, close once connected (as `Effect.scoped(dialPeer(...))`). */
export const plainClientSetup = (host: string, port: number, config: PeerConfig.PeerConfigShape): Promise<void> =>
  plainDial(host, port).then((socket) =>
    new Promise<void>((resolve, reject) => {
      const remote = addressOf(host, port)
      let connected = false
      const peer = plainPeer(socket, "outbound", config, remote, {
        // Closed on a microtask, as `Peer.make`'s fiber resumes: the writer first flushes what the
        // handshake queued in this callback (our verack), else the remote sees a handshake cut short.
        onHandshake: () => {
          connected = true
          queueMicrotask(() => {
            peer.close()
            resolve()
          })
        },
        onClosed: (reason) => {
          if (!connected) reject(new Error(`closed before the handshake: ${reason._tag}`))
        }
      })
    })
  )

/** A listener whose every connection runs an inbound plain peer until it ends (as `listenPeers`'s handler). */
export const plainListener = async (host: string, config: PeerConfig.PeerConfigShape) => {
  let live = 0
  const server = Net.createServer({ noDelay: true }, (conn) => {
    live++
    const socket = new TcpSocket(conn)
    const remote = addressOf(conn.remoteAddress ?? "0.0.0.0", conn.remotePort ?? 0)
    plainPeer(socket, "inbound", config, remote, {
      onHandshake: () => {},
      onClosed: () => {
        conn.destroy()
        live--
      }
    })
  })
  await new Promise<void>((resolve) => server.listen(0, host, resolve))
  const port = (server.address() as Net.AddressInfo).port
  return {
    port,
    address: addressOf(host, port),
    live: () => live,
    close: () => new Promise<void>((resolve) => server.close(() => resolve()))
  }
}
