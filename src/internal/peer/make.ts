import type * as Socket from "@effect/platform/Socket"
import { CloseEvent } from "@effect/platform/Socket"
import * as Cause from "effect/Cause"
import * as Chunk from "effect/Chunk"
import * as Deferred from "effect/Deferred"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as Exit from "effect/Exit"
import * as Fiber from "effect/Fiber"
import * as Mailbox from "effect/Mailbox"
import * as Option from "effect/Option"
import * as Random from "effect/Random"
import * as Runtime from "effect/Runtime"
import type * as Schedule from "effect/Schedule"
import * as ScheduleDecision from "effect/ScheduleDecision"
import * as ScheduleIntervals from "effect/ScheduleIntervals"
import * as Scope from "effect/Scope"
import * as Stream from "effect/Stream"
import { DisconnectReason, type ViolationRule } from "../../peer/DisconnectReason.js"
import { PeerError } from "../../peer/PeerError.js"
import * as Frame from "../../wire/Frame.js"
import * as Hash from "../../wire/Hash.js"
import * as InvVector from "../../wire/InvVector.js"
import * as Message from "../../wire/Message.js"
import * as NetAddress from "../../wire/NetAddress.js"
import type { CommandCounters, HandshakeInfo, Peer, PeerOptions, PeerStats, StartingPeer } from "../../peer/Peer.js"
import * as PeerConfig from "../../peer/PeerConfig.js"
import * as MessageTransport from "../../peer/MessageTransport.js"
import * as ProtocolVersion from "../../wire/ProtocolVersion.js"
import { Subscribers } from "./Subscribers.js"
import { Alarm } from "./Alarm.js"
import * as handshakeRules from "./handshake.js"
import { answersGetData } from "./replies.js"
import { BoundedSet, inventoryKey } from "./BoundedSet.js"
import { MAX_UNREAD_BYTES, Reader } from "./Reader.js"
import { StallTable } from "./StallTable.js"
import { type Outgoing, type StallHandle, Writer } from "./Writer.js"


let nextId = 1

/**
 * A `request` waiting for its reply. Requests, pings and `sendAndAwait` complete through
 * `Effect.async` callbacks rather than a `Deferred` each: making a `Deferred` copies the Effect
 * prototype into the new object, which cost more than the rest of a small request.
 */
interface Waiter {
  readonly match: (m: Message.NetworkMessage) => unknown
  readonly resume: (exit: Exit.Exit<unknown, PeerError>) => void
  readonly command: string
  readonly timeout: Duration.Duration
  /** When the request times out (our clock, milliseconds). */
  readonly due: number
  readonly stall: StallHandle
}

/** A schedule the peer follows (pings, trickle), stepped by the alarm. */
interface Recurring {
  readonly schedule: Schedule.Schedule<unknown>
  state: unknown
  /** When it recurs next; undefined while not scheduled. */
  next: number | undefined
  /** The schedule must be stepped (at the handshake, and after a scheduled ping was answered). */
  stepDue: boolean
}

const bump = (table: Map<string, { messages: number; bytes: number }>, command: string, bytes: number): void => {
  const c = table.get(command)
  if (c === undefined) table.set(command, { messages: 1, bytes })
  else {
    c.messages++
    c.bytes += bytes
  }
}

/**
 * Ping nonces: a small generator per peer (xorshift32 on each half), seeded
 * from Effect's `Random` when the peer starts (so a seeded `TestRandom` makes
 * them reproducible), rather than two `Random` effects per ping, which cost a
 * noticeable share of a round trip. A ping nonce only has to differ from the
 * previous one (BIP-0031); it guards nothing.
 */
class NonceSource {
  private a: number
  private b: number
  constructor(seed: bigint) {
    this.a = Number(seed & 0xffff_ffffn) | 1
    this.b = Number(seed >> 32n) | 1
  }
  next(): bigint {
    let a = this.a
    a ^= a << 13
    a ^= a >>> 17
    a ^= a << 5
    this.a = a
    let b = this.b
    b ^= b << 13
    b ^= b >>> 17
    b ^= b << 5
    this.b = b
    return (BigInt(b >>> 0) << 32n) | BigInt(a >>> 0)
  }
}

const randomU64 = Effect.zipWith(
  Random.nextIntBetween(0, 0x1_0000_0000),
  Random.nextIntBetween(0, 0x1_0000_0000),
  (hi, lo) => (BigInt(hi) << 32n) | BigInt(lo)
)

export const make = (socket: Socket.Socket, options: PeerOptions): Effect.Effect<Peer, PeerError, Scope.Scope> =>
  Effect.flatMap(start(socket, options), (peer) => peer.connected)

export const start = (socket: Socket.Socket, options: PeerOptions): Effect.Effect<StartingPeer, never, Scope.Scope> =>
  Effect.gen(function*() {
    const config = PeerConfig.make(options.config)
    const params = config.params
    const id = nextId++
    const direction = options.direction
    const remoteAddress = options.remote ?? handshakeRules.ZERO_ADDRESS
    const remote = NetAddress.toString(remoteAddress)
    const clock = yield* Effect.clock
    const now = () => clock.unsafeCurrentTimeMillis()

    const outerScope = yield* Effect.scope

    // --- state, owned by this peer's fibers (JS is single-threaded; no locks needed) ---
    let reason: DisconnectReason | undefined
    let negotiatedVersion = 0
    let handshake: HandshakeInfo | undefined
    let versionReceived = false
    let verackReceived = false
    let remoteWantsHeaders = false
    let remoteWantsAddrV2 = false
    let remoteWantsWtxid = false
    let remoteFeeFilter: bigint | undefined
    let lastBlock = 0
    const connectedAt = now()
    let lastSend: number | undefined
    let lastReceive: number | undefined
    let bytesSent = 0
    let bytesReceived = 0
    const sent = new Map<string, { messages: number; bytes: number }>()
    const received = new Map<string, { messages: number; bytes: number }>()
    let lastPingMillis: number | undefined
    let minPingMillis: number | undefined
    let pendingPing:
      | { nonce: bigint; sentAt: number; due: number; readonly waiting: Array<(exit: Exit.Exit<number, PeerError>) => void> }
      | undefined
    /** The scheduled ping is out: step the ping schedule when it is answered. */
    let scheduledPingOut = false
    let pendingInventory: Array<InvVector.InvVector> = []
    let socketOpen = false

    const knownInventory = new BoundedSet<string>(config.knownInventorySize)
    const knownAddresses = new BoundedSet<string>(config.knownInventorySize)
    const stalls = new StallTable(config.stallRules)
    const subscribers = new Subscribers<Message.NetworkMessage>((m) => m._tag)
    const waiters = new Set<Waiter>()
    const closed = yield* Deferred.make<DisconnectReason>()
    const handshakeDone = yield* Deferred.make<HandshakeInfo, PeerError>()
    const ourNonce = yield* randomU64
    const pingNonces = new NonceSource(yield* randomU64)
    const recentNonces = config.nonceRegistry
    recentNonces.add(ourNonce)

    // Fibers started from synchronous code (the socket callback, `send`): the writer while frames
    // are queued, the alarm, a reader that waits for its turn. Each is stopped by the cleanup.
    const runtime = yield* Effect.runtime<never>()
    const runFork = Runtime.runFork(runtime)
    const fork = (effect: Effect.Effect<void>) => runFork(effect, { immediate: false })

    const codecVersion = () => (negotiatedVersion === 0 ? config.protocolVersion : negotiatedVersion)
    const transport = (options.transport ?? MessageTransport.v1)({ params, direction, version: codecVersion })
    /** Messages queued while the transport's own handshake runs (none for v1): sent, in order, once it is ready. */
    let held: Array<{ readonly sendable: Frame.Sendable; readonly written: ((error?: PeerError) => void) | undefined; readonly stall: StallHandle | undefined }> = []
    const disconnectedError = (r: DisconnectReason) => new PeerError({ reason: "Disconnected", disconnect: r })

    /** The object returned to the user, once made. */
    let publicPeer: { info: HandshakeInfo | undefined } | undefined
    /** `handshakeDone` is completed (an error captures a stack trace: make none for nothing). */
    let handshakeSettled = false
    /** Starts the cleanup in a fiber of its own (set once the cleanup exists). */
    let forkCleanup = (): void => {}
    /** Records the first reason and starts the cleanup; everything else follows from it. */
    const disconnectNow = (r: DisconnectReason): void => {
      if (reason !== undefined) return
      reason = r
      if (!handshakeSettled) {
        handshakeSettled = true
        Deferred.unsafeDone(handshakeDone, Exit.fail(disconnectedError(r)))
      }
      forkCleanup()
    }
    const violation = (rule: ViolationRule, detail: string) => disconnectNow(DisconnectReason.ProtocolViolation({ rule, detail }))

    // --- writing ---

    /** Encodes and queues synchronously; returns the error instead of failing so the reader can use it too. */
    const enqueue = (
      sendable: Frame.Sendable,
      written: ((error?: PeerError) => void) | undefined,
      stall?: StallHandle
    ): PeerError | undefined => {
      if (reason !== undefined) return disconnectedError(reason)
      if (!transport.ready) {
        held.push({ sendable, written, stall })
        return undefined
      }
      const prepared = Frame.isPrepared(sendable)
      const message = prepared ? sendable.message : sendable
      const encoded = prepared ? transport.encodePrepared(sendable, codecVersion()) : transport.encode(message, codecVersion())
      if (Either.isLeft(encoded)) {
        return new PeerError({ reason: "EncodeFailed", command: encoded.left.command, detail: encoded.left.message })
      }
      const frame = encoded.right
      const queuedBytes = writer.queuedBytes
      if (queuedBytes + frame.length > config.maxQueuedBytes) {
        if (config.queueOverflow === "disconnect") {
          disconnectNow(DisconnectReason.QueueOverflow({ queuedBytes: queuedBytes + frame.length, limit: config.maxQueuedBytes }))
          return disconnectedError(reason!)
        }
        return new PeerError({ reason: "QueueFull", command: Message.commandOf(message), detail: `${queuedBytes} bytes queued` })
      }
      const expects = message._tag === "GetData" ? message.inventory.length : 1
      writer.push({ frame, command: Message.commandOf(message), payloadSize: transport.payloadSize(frame), expects, written, stall })
      return undefined
    }

    /** Bytes of the transport's own protocol (its handshake): written in order with the frames, counted as no command. */
    const writeTransportBytes = (bytes: Uint8Array): void => {
      if (reason === undefined) writer.push({ frame: bytes, command: undefined, payloadSize: 0, expects: 0, written: undefined })
    }

    /** The transport became ready: what waited for it goes out now, in order. */
    const releaseHeld = (): void => {
      const waiting = held
      held = []
      for (const h of waiting) {
        const error = enqueue(h.sendable, h.written, h.stall)
        if (error !== undefined) {
          if (h.written !== undefined) h.written(error)
          else if (reason === undefined) {
            disconnectNow(DisconnectReason.LocalRequest({ detail: `could not send ${Message.commandOf(Frame.messageOf(h.sendable))}: ${error.message}` }))
          }
        }
      }
    }

    const send = (message: Frame.Sendable): Effect.Effect<void, PeerError> =>
      Effect.suspend(() => {
        const error = enqueue(message, undefined)
        return error === undefined ? Effect.void : Effect.fail(error)
      })

    const sendAndAwait = (message: Frame.Sendable): Effect.Effect<void, PeerError> =>
      Effect.async<void, PeerError>((resume) => {
        const error = enqueue(message, (e) => resume(e === undefined ? Effect.void : Effect.fail(e)))
        if (error !== undefined) resume(Effect.fail(error))
      })

    const write = yield* Scope.extend(socket.writer, outerScope)

    const onWritten = (batch: ReadonlyArray<Outgoing>, size: number): void => {
      const t = now()
      bytesSent += size
      lastSend = t
      for (const o of batch) {
        if (o.command === undefined) continue
        bump(sent, o.command, o.payloadSize)
        if (o.stall === undefined) stalls.expect(o.command, t, o.expects)
        else if (!o.stall.withdrawn) o.stall.deadline = stalls.expect(o.command, t, o.expects)
        o.written?.()
      }
    }
    const writer = new Writer(socket, write, runFork, onWritten, (cause) => disconnectNow(DisconnectReason.SocketError({ cause })))

    // --- the handshake ---

    const sendOrDisconnect = (m: Message.NetworkMessage): void => {
      const error = enqueue(m, undefined)
      if (error !== undefined && reason === undefined) {
        disconnectNow(DisconnectReason.LocalRequest({ detail: `could not send ${Message.commandOf(m)}: ${error.message}` }))
      }
    }

    const ourVersion = handshakeRules.ourVersion(config, remoteAddress, ourNonce, yield* config.startHeight, now())

    const onVersion = (v: Message.MessageOf<"Version">): void => {
      if (versionReceived) return violation("DuplicateVersion", "second version message")
      versionReceived = true
      const accepted = handshakeRules.negotiate(config, v, now(), (nonce) => recentNonces.has(nonce), transport)
      if (handshakeRules.isRefusal(accepted)) return disconnectNow(accepted)
      handshake = accepted
      negotiatedVersion = accepted.negotiatedVersion
      lastBlock = accepted.startHeight
      if (direction === "inbound") sendOrDisconnect(ourVersion)
      for (const m of handshakeRules.afterVersion(config, negotiatedVersion)) sendOrDisconnect(m)
    }

    const onVerack = (): void => {
      if (!versionReceived) return violation("VerackBeforeVersion", "verack before version")
      if (verackReceived) return violation("DuplicateVerack", "second verack message")
      verackReceived = true
      for (const m of handshakeRules.afterVerack(config, negotiatedVersion)) sendOrDisconnect(m)
      if (reason !== undefined) return
      handshakeSettled = true
      Deferred.unsafeDone(handshakeDone, Exit.succeed(handshake!))
      if (publicPeer !== undefined) publicPeer.info = handshake
      // Keep-alive and trickle start now.
      pinging.stepDue = true
      trickling.stepDue = true
      alarm.wakeBy(now())
    }

    // --- reading ---

    /**
     * Protocol duties for one received message; synchronous so the reader never waits on anyone.
     * Returns whether the peer is still connected.
     */
    const onMessage = (r: Frame.Received, t: number): boolean => {
      // Ended (a violation earlier in this read, or in one before the cleanup stopped the reader):
      // what the remote sent after that is neither counted, answered nor published.
      if (reason !== undefined) return false
      const m = r.message
      lastReceive = t
      bump(received, r.command, r.payloadSize)
      const early = handshakeRules.outOfOrder(m, r.command, versionReceived, verackReceived)
      if (early !== undefined) {
        violation(early.rule, early.detail)
        return false
      }
      switch (m._tag) {
        case "Version":
          onVersion(m)
          break
        case "Verack":
          onVerack()
          break
        case "WtxidRelay":
        case "SendAddrV2":
          if (verackReceived) {
            violation("FeatureAfterVerack", `${r.command} after verack`)
            return false
          }
          if (m._tag === "WtxidRelay") remoteWantsWtxid = true
          else remoteWantsAddrV2 = true
          break
        case "SendHeaders":
          remoteWantsHeaders = true
          break
        case "FeeFilter":
          remoteFeeFilter = m.feeRate
          break
        case "Ping":
          if (ProtocolVersion.hasPong(negotiatedVersion)) sendOrDisconnect(Message.Pong.make({ nonce: m.nonce }))
          break
        case "Pong":
          if (pendingPing !== undefined && pendingPing.nonce === m.nonce) {
            const rtt = t - pendingPing.sentAt
            lastPingMillis = rtt
            minPingMillis = minPingMillis === undefined ? rtt : Math.min(minPingMillis, rtt)
            const { waiting } = pendingPing
            pendingPing = undefined
            for (const resume of waiting) resume(Exit.succeed(rtt))
            if (scheduledPingOut) {
              // The next scheduled ping is timed from this answer.
              scheduledPingOut = false
              pinging.stepDue = true
              alarm.wakeBy(t)
            }
          }
          break
        case "Inv":
          for (const v of m.inventory) knownInventory.add(inventoryKey(v.type, v.hash))
          break
        case "Addr":
        case "AddrV2":
          for (const a of m.addresses) knownAddresses.add(NetAddress.toString(a))
          break
      }
      if (reason !== undefined) return false
      stalls.received(r.command, m._tag === "NotFound" ? m.inventory.length : 1)
      for (const w of waiters) {
        let matched: unknown
        try {
          matched = w.match(m)
        } catch (cause) {
          // A throwing matcher fails its own request, not the peer (nor, over TCP, the process).
          waiters.delete(w)
          giveUp(w)
          w.resume(Exit.die(cause))
          continue
        }
        if (matched !== undefined) {
          waiters.delete(w)
          w.resume(Exit.succeed(matched))
        }
      }
      subscribers.publish(m)
      return reason === undefined
    }

    const reader = new Reader(
      {
        push: (chunk, out) => {
          // Bytes as the socket delivered them: headers, a v2 handshake, tags and all.
          bytesReceived += chunk.length
          const error = transport.receive(chunk, out, writeTransportBytes)
          if (held.length > 0 && transport.ready) releaseHeld()
          return error
        }
      },
      // Half a subscriber's buffer per microtask turn: subscribers that keep up take what they were given.
      Math.max(1, Math.floor(config.subscriberBuffer / 2)),
      now,
      onMessage,
      (millis) => stalls.extend(millis),
      (error) => disconnectNow(DisconnectReason.DecodeError({ error })),
      (cause) => disconnectNow(DisconnectReason.Defect({ cause })),
      fork,
      (unreadBytes) => disconnectNow(DisconnectReason.ReadOverflow({ unreadBytes, limit: MAX_UNREAD_BYTES }))
    )
    const readSocket = socket.run(reader.onChunk, {
      onOpen: Effect.sync(() => {
        socketOpen = true
      })
    }).pipe(
      Effect.ensuring(Effect.sync(() => {
        socketOpen = false
      })),
      Effect.matchCause({
        // The remote closed: once what it sent before is handled.
        onSuccess: () => reader.whenDrained(() => disconnectNow(DisconnectReason.RemoteClosed())),
        onFailure: (cause) => {
          const error = Chunk.head(Cause.failures(cause))
          if (Option.isNone(error)) {
            // Interrupted: the cleanup stops the read fiber. Anything else is a defect in the socket.
            if (!Cause.isInterruptedOnly(cause)) disconnectNow(DisconnectReason.Defect({ cause: Cause.squash(cause) }))
          } else if (error.value.reason === "Close" || isConnectionReset(error.value)) {
            reader.whenDrained(() => disconnectNow(DisconnectReason.RemoteClosed()))
          } else disconnectNow(DisconnectReason.SocketError({ cause: error.value }))
        }
      })
    )

    // --- timers (all durations and schedules come from config), on one alarm fiber ---

    const handshakeDue = connectedAt + Duration.toMillis(config.handshakeTimeout)
    const idleMillis = Duration.toMillis(config.idleTimeout)
    const tickMillis = Duration.toMillis(config.stallTickInterval)
    let nextTick = connectedAt + tickMillis
    const pinging: Recurring = { schedule: config.pingSchedule, state: config.pingSchedule.initial, next: undefined, stepDue: false }
    const trickling: Recurring = { schedule: config.trickleSchedule, state: config.trickleSchedule.initial, next: undefined, stepDue: false }

    /** Steps a schedule at `t`, as a loop over `Schedule.driver` would (the next recurrence starts then; done: none). */
    const stepRecurring = (r: Recurring, t: number) =>
      Effect.map(r.schedule.step(t, undefined, r.state), ([state, , decision]) => {
        r.state = state
        r.stepDue = false
        r.next = ScheduleDecision.isDone(decision) ? undefined : ScheduleIntervals.start(decision.intervals)
      })

    /** Sends a ping unless one is out (its pong will do); returns the error if it could not be queued. */
    const startPing = (nonce: bigint): PeerError | undefined => {
      if (pendingPing !== undefined) return undefined
      const sentAt = now()
      pendingPing = { nonce, sentAt, due: sentAt + Duration.toMillis(config.pongTimeout), waiting: [] }
      const error = enqueue(Message.Ping.make({ nonce }), undefined)
      if (error !== undefined) {
        pendingPing = undefined
        return error
      }
      alarm.wakeBy(pendingPing.due)
      return undefined
    }

    /**
     * A request ended without its reply (timed out or interrupted): the caller knows, so the stall
     * detector must not also disconnect the remote for it. A remote may legitimately stay silent:
     * bcoin never answers a getheaders at its tip (Core sends an empty headers).
     */
    const giveUp = (w: Waiter): void => {
      if (reason !== undefined) return
      w.stall.withdrawn = true
      if (w.stall.deadline !== undefined) stalls.withdraw(w.stall.deadline)
    }

    const timeOut = (w: Waiter): void => {
      waiters.delete(w)
      giveUp(w)
      w.resume(Exit.fail(new PeerError({ reason: "RequestTimeout", command: w.command, detail: `no reply within ${Duration.format(w.timeout)}` })))
    }

    /** Everything due at `t0`; returns when to ring next. */
    const ring = (t0: number): Effect.Effect<number> =>
      Effect.gen(function*() {
        let t = t0
        if (reason !== undefined) return Number.POSITIVE_INFINITY
        if (!verackReceived && t >= handshakeDue) return end(DisconnectReason.HandshakeTimeout())
        if (t >= (lastReceive ?? connectedAt) + idleMillis) return end(DisconnectReason.IdleTimeout())
        if (pendingPing !== undefined && t >= pendingPing.due) return end(DisconnectReason.PingTimeout({ nonce: pendingPing.nonce }))
        if (t >= nextTick) {
          // Let a reader that is behind handle what already arrived before we blame the remote.
          yield* Effect.yieldNow()
          if (reason !== undefined) return Number.POSITIVE_INFINITY
          t = now()
          const command = stalls.overdue(t)
          if (command !== undefined) return end(DisconnectReason.Stall({ command }))
          nextTick = t + tickMillis
        }
        for (const w of waiters) if (w.due <= t) timeOut(w)
        if (verackReceived) {
          if (pinging.stepDue) yield* stepRecurring(pinging, t)
          if (pinging.next !== undefined && pinging.next <= t) {
            pinging.next = undefined
            if (pendingPing !== undefined) scheduledPingOut = true
            else if (startPing(pingNonces.next()) === undefined) scheduledPingOut = true
            else pinging.stepDue = true
          }
          if (trickling.stepDue) yield* stepRecurring(trickling, t)
          if (trickling.next !== undefined && trickling.next <= t) {
            flushInventory()
            yield* stepRecurring(trickling, t)
          }
        }
        if (reason !== undefined) return Number.POSITIVE_INFINITY
        let next = Math.min((lastReceive ?? connectedAt) + idleMillis, nextTick)
        if (!verackReceived) next = Math.min(next, handshakeDue)
        if (pendingPing !== undefined) next = Math.min(next, pendingPing.due)
        for (const w of waiters) next = Math.min(next, w.due)
        if (pinging.next !== undefined) next = Math.min(next, pinging.next)
        if (trickling.next !== undefined) next = Math.min(next, trickling.next)
        if (pinging.stepDue || trickling.stepDue) next = t
        return next
      })
    const end = (r: DisconnectReason): number => {
      disconnectNow(r)
      return Number.POSITIVE_INFINITY
    }
    const alarm = new Alarm(now, fork, ring)

    const awaitPong = (ping: NonNullable<typeof pendingPing>) =>
      Effect.async<number, PeerError>((resume) => {
        ping.waiting.push(resume)
        // Interrupted: stop waiting (the ping itself stays out; its pong still counts).
        return Effect.sync(() => {
          const i = ping.waiting.indexOf(resume)
          if (i >= 0) ping.waiting.splice(i, 1)
        })
      })

    const pingOnce: Effect.Effect<number, PeerError> = Effect.suspend(() => {
      if (pendingPing !== undefined) return awaitPong(pendingPing)
      if (reason !== undefined) return Effect.fail(disconnectedError(reason))
      const error = startPing(pingNonces.next())
      return error === undefined ? awaitPong(pendingPing!) : Effect.fail(error)
    })

    const flushInventory = (): void => {
      const batch = pendingInventory
      pendingInventory = []
      const fresh: Array<InvVector.InvVector> = []
      for (const v of batch) {
        const key = inventoryKey(v.type, v.hash)
        if (knownInventory.has(key)) continue
        knownInventory.add(key)
        fresh.push(v)
      }
      for (let i = 0; i < fresh.length; i += config.maxInvPerBatch) {
        sendOrDisconnect(Message.Inv.make({ inventory: fresh.slice(i, i + config.maxInvPerBatch) }))
      }
    }

    // --- ending ---

    let readFiber: Fiber.RuntimeFiber<void> | undefined
    const cleanup = Effect.gen(function*() {
      const r = reason ?? DisconnectReason.Shutdown()
      // One error for everyone still waiting, made only if someone is.
      let shared: PeerError | undefined
      const error = () => (shared ??= disconnectedError(r))
      reader.stop()
      yield* alarm.stop
      // Close the transport first (a destroyed socket also ends a blocked write), unless it already ended.
      if (socketOpen && readFiber !== undefined) yield* Effect.raceFirst(Effect.ignore(write(new CloseEvent(1000))), Fiber.await(readFiber))
      if (readFiber !== undefined) yield* Fiber.interrupt(readFiber)
      for (const o of yield* writer.stop) o.written?.(error())
      for (const h of held) h.written?.(error())
      held = []
      for (const w of waiters) w.resume(Exit.fail(error()))
      waiters.clear()
      if (pendingPing !== undefined) for (const resume of pendingPing.waiting) resume(Exit.fail(error()))
      pendingPing = undefined
      subscribers.endAll()
      yield* Deferred.succeed(closed, r)
    }).pipe(Effect.uninterruptible)
    // Runs `cleanup` once; later callers wait for it. Not `Effect.cached`: that copies the first runner's
    // FiberRefs to later callers, and when the first runner (the cleanup fiber) was interrupted by the
    // closing scope, that includes its interruption, so the scope's finalizer failed as interrupted.
    let cleanupStarted = false
    const cleanupOnce = Effect.uninterruptible(Effect.suspend(() => {
      if (cleanupStarted) return Effect.asVoid(Deferred.await(closed))
      cleanupStarted = true
      return cleanup
    }))

    // The cleanup fiber starts when the peer ends (rather than a fiber per peer waiting for that
    // from the start: a sleeping fiber costs kilobytes, times every connected peer). The closing
    // scope runs the cleanup itself.
    let finalizing = false
    forkCleanup = () => {
      if (!finalizing) runFork(cleanupOnce, { immediate: false })
    }
    yield* Scope.addFinalizer(outerScope, Effect.suspend(() => {
      finalizing = true
      disconnectNow(DisconnectReason.Shutdown())
      return cleanupOnce
    }))

    // Our version is queued first: the read fiber may find the remote's version and verack
    // already waiting and answer them at once, and nothing may go out before our version.
    const initial = transport.initial()
    if (initial !== undefined) writeTransportBytes(initial)
    if (direction === "outbound") sendOrDisconnect(ourVersion)
    // A root fiber, like the others: a fiber forked from this one would keep this one alive.
    readFiber = runFork(readSocket)
    alarm.wakeBy(Math.min(handshakeDue, connectedAt + idleMillis, nextTick))

    // --- the public surface ---

    const register = (tags: ReadonlyArray<string>) =>
      Effect.acquireRelease(
        Effect.gen(function*() {
          const mailbox = yield* Mailbox.make<Message.NetworkMessage, PeerError>({
            capacity: config.subscriberBuffer,
            strategy: "dropping"
          })
          if (reason !== undefined) {
            mailbox.unsafeDone(Exit.void)
            return { mailbox, remove: () => {} }
          }
          const remove = subscribers.add(tags.length === 0 ? undefined : new Set(tags), mailbox)
          return { mailbox, remove }
        }),
        ({ remove }) => Effect.sync(remove)
      ).pipe(Effect.map(({ mailbox }) => Mailbox.toStream(mailbox)))

    const subscribe = ((...tags: Array<string>) => register(tags)) as Peer["subscribe"]
    const messages = ((...tags: Array<string>) => Stream.unwrapScoped(register(tags))) as Peer["messages"]

    const request = <A>(
      message: Message.NetworkMessage,
      match: (m: Message.NetworkMessage) => A | undefined,
      opts?: { readonly timeout?: Duration.DurationInput }
    ): Effect.Effect<A, PeerError> =>
      Effect.async<A, PeerError>((resume) => {
        if (reason !== undefined) return resume(Effect.fail(disconnectedError(reason)))
        const command = Message.commandOf(message)
        const timeout = Duration.decode(opts?.timeout ?? config.stallRules[command]?.timeout ?? config.requestTimeout)
        const stall: StallHandle = { withdrawn: false, deadline: undefined }
        const waiter: Waiter = {
          match,
          resume: resume as (exit: Exit.Exit<unknown, PeerError>) => void,
          command,
          timeout,
          due: now() + Duration.toMillis(timeout),
          stall
        }
        waiters.add(waiter)
        const error = enqueue(message, undefined, stall)
        if (error !== undefined) {
          waiters.delete(waiter)
          return resume(Effect.fail(error))
        }
        // The alarm fails the request when it times out: no timer fiber per request.
        alarm.wakeBy(waiter.due)
        return Effect.sync(() => {
          // Interrupted while waiting.
          if (waiters.delete(waiter)) giveUp(waiter)
        })
      })

    const getHeaders = (locator: ReadonlyArray<Uint8Array>, stopHash: Uint8Array = Hash.ZERO) =>
      request(
        Message.GetHeaders.make({ version: config.protocolVersion, locator, stopHash }),
        (m) => (m._tag === "Headers" ? m : undefined)
      )

    const getData = (inv: InvVector.InvVector) => request(Message.GetData.make({ inventory: [inv] }), answersGetData(inv))

    const ping = Effect.map(pingOnce, (millis) => Duration.millis(millis))

    const queueInventory = (inventory: ReadonlyArray<InvVector.InvVector>) =>
      Effect.suspend(() => {
        if (reason !== undefined) return Effect.fail(disconnectedError(reason))
        const now: Array<InvVector.InvVector> = []
        for (const v of inventory) {
          const base = v.type & ~InvVector.WITNESS_FLAG
          // Blocks skip the trickle: their propagation delay matters, and they are few.
          if (base === InvVector.InvType.Block) {
            const key = inventoryKey(v.type, v.hash)
            if (!knownInventory.has(key)) {
              knownInventory.add(key)
              now.push(v)
            }
          } else pendingInventory.push(v)
        }
        return now.length === 0 ? Effect.void : send(Message.Inv.make({ inventory: now }))
      })

    const pushAddresses = (addresses: ReadonlyArray<NetAddress.TimedNetAddressFields>) =>
      Effect.gen(function*() {
        const fresh = addresses.filter((a) => {
          if (!remoteWantsAddrV2 && a.network !== NetAddress.NetworkId.IPv4 && a.network !== NetAddress.NetworkId.IPv6) return false
          return !knownAddresses.has(NetAddress.toString(a))
        })
        const chosen = (yield* Random.shuffle(fresh)).pipe(Chunk.take(1000), Chunk.toReadonlyArray)
        if (chosen.length === 0) return 0
        for (const a of chosen) knownAddresses.add(NetAddress.toString(a))
        yield* send(remoteWantsAddrV2 ? Message.AddrV2.make({ addresses: chosen }) : Message.Addr.make({ addresses: chosen }))
        return chosen.length
      })

    const locatorKey = (locator: ReadonlyArray<Uint8Array>, stopHash: Uint8Array) =>
      `${locator[0] === undefined ? "" : Hash.bytesToHex(locator[0])}/${Hash.bytesToHex(stopHash)}`

    /** `getblocks` or `getheaders` from a locator, skipping a request identical to the previous one of its kind. */
    const locatorPusher = (def: typeof Message.GetBlocks | typeof Message.GetHeaders) => {
      let last: string | undefined
      return (locator: ReadonlyArray<Uint8Array>, stopHash: Uint8Array = Hash.ZERO) =>
        Effect.suspend(() => {
          const key = locatorKey(locator, stopHash)
          if (key === last) return Effect.void
          last = key
          return send(def.make({ version: config.protocolVersion, locator, stopHash }))
        })
    }
    const pushGetBlocks = locatorPusher(Message.GetBlocks)
    const pushGetHeaders = locatorPusher(Message.GetHeaders)

    const pushReject = (command: string, code: number, why: string, hash?: Uint8Array) =>
      negotiatedVersion < ProtocolVersion.REJECT
        ? Effect.void
        : send(Message.Reject.make(hash === undefined ? { message: command, code, reason: why } : { message: command, code, reason: why, hash }))

    const counters = (table: Map<string, { messages: number; bytes: number }>): Record<string, CommandCounters> => {
      const out: Record<string, CommandCounters> = {}
      for (const [k, v] of table) out[k] = { messages: v.messages, bytes: v.bytes }
      return out
    }

    const stats = Effect.sync((): PeerStats => ({
      id,
      remote,
      direction,
      handshake,
      lastBlock,
      remoteWantsHeaders,
      remoteWantsAddrV2,
      remoteWantsWtxid,
      remoteFeeFilter,
      connectedAt,
      lastSend,
      lastReceive,
      bytesSent,
      bytesReceived,
      sent: counters(sent),
      received: counters(received),
      lastPingMillis,
      minPingMillis,
      queuedBytes: writer.queuedBytes,
      unreadBytes: reader.unreadBytes,
      transport: transport.name,
      sessionId: transport.sessionId,
      droppedMessages: transport.droppedMessages ?? 0
    }))

    // `info` is a plain property, set once when the handshake completes: the documented live view of
    // `StartingPeer.info` (a getter would make every peer object a slow dictionary-mode one, ~1.4 KiB each).
    const peer: StartingPeer & { info: HandshakeInfo | undefined } = {
      id,
      direction,
      remote,
      info: verackReceived ? handshake : undefined,
      handshake: Deferred.await(handshakeDone),
      // Once the handshake completed, `info` is set: this object is a `Peer` (the one place that says so).
      connected: Effect.map(Deferred.await(handshakeDone), () => peer as Peer),
      send,
      sendAndAwait,
      subscribe,
      messages,
      request,
      getHeaders,
      getData,
      ping,
      queueInventory,
      pushAddresses,
      pushGetBlocks,
      pushGetHeaders,
      pushReject,
      updateLastBlock: (height) => Effect.sync(() => {
        if (height > lastBlock) lastBlock = height
      }),
      stats,
      disconnect: (detail = "requested") =>
        Effect.suspend(() => {
          disconnectNow(DisconnectReason.LocalRequest({ detail }))
          return Effect.asVoid(Deferred.await(closed))
        }),
      awaitDisconnect: Deferred.await(closed),
      disconnectReason: Effect.sync(() => reason)
    }
    publicPeer = peer
    return peer
  })

/**
 * A TCP reset while reading: the remote closed with our bytes still unread in
 * its buffer (what a peer's own `disconnect` does when data is in flight), or
 * aborted. That is the remote closing the connection, like an orderly FIN.
 */
const isConnectionReset = (error: Socket.SocketError): boolean =>
  error.reason === "Read" && (error.cause as { readonly code?: unknown } | undefined)?.code === "ECONNRESET"
