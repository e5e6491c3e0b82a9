/*
 * The peer engine: sockets, fibers and time around the protocol core.
 *
 *                     ┌──────────────────────── one peer ────────────────────────┐
 *   socket ─ bytes ─▶ │ Reader ─▶ MessageTransport.receive ─▶ PeerCore.received  │─▶ Subscribers ─▶ your streams
 *   (data callback)   │  256 KiB per macrotask turn,             │ rules, filters │    (bounded mailboxes)
 *                     │  half a subscriber buffer per microtask  │ stalls, stats  │─▶ request / ping waiters
 *                     │  ≤ 4 MiB unread, then the socket pauses  ▼                │
 *                     │                                  Actions (sink)          │
 *   your send ───────▶│ Outbound ◀── send ───────────────────┘    │ wakeAt        │
 *   request, ping ───▶│  transport.encode, held until ready,      ▼               │
 *   (events to core)  │  maxQueuedBytes                        Alarm ─ timer(now) │─▶ PeerCore.timer
 *                     │      ▼                                (one fiber: every  │
 *   socket ◀─ bytes ──│ Writer: one coalesced write per microtask  deadline)      │
 *                     └──────────────────────────────────────────────────────────┘
 *
 * Who owns what:
 * - `PeerCore` (core/) owns the protocol state: handshake, ping, deadlines and
 *   stalls, requests, trickle and known filters, counters. It gets `now` with
 *   every event and answers with actions; it never touches I/O.
 * - `Reader` owns the received bytes not yet decoded (the read bound) and the
 *   read budgets; it runs in the socket's callback, with no fiber of its own
 *   unless it must wait for a turn.
 * - `MessageTransport` owns framing (v1, or v2's encryption and handshake).
 * - `Outbound` + `Writer` own what waits to be written (the queue bound).
 * - `Alarm` owns the one timer fiber; `Subscribers` the subscribers' mailboxes
 *   (bounded in messages and bytes).
 * - `PreHandshake` counts what the peer holds until `verack` (messages
 *   delivered, the transport's partial frame, unread bytes) against its own
 *   bound and the node's shared budget, checked after each chunk and each
 *   delivery; the bytes go back to the budget when the handshake completes
 *   or the peer ends.
 * - This file wires them, and owns the end: the first `DisconnectReason` (the
 *   core's `end`) forks the cleanup, which stops the reader and the alarm,
 *   closes the socket, fails everything still waiting and ends every
 *   subscription. Closing the peer's scope runs the same cleanup.
 *
 * An idle peer holds one fiber, the alarm, over a socket that reads from
 * callbacks (`DirectRead`: `NodeTransport`'s); over any other socket, a second
 * one for the read loop.
 */
import type * as Socket from "@effect/platform/Socket"
import { CloseEvent } from "@effect/platform/Socket"
import * as Clock from "effect/Clock"
import * as Context from "effect/Context"
import * as DefaultServices from "effect/DefaultServices"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Fiber from "effect/Fiber"
import * as FiberRef from "effect/FiberRef"
import * as Random from "effect/Random"
import * as Runtime from "effect/Runtime"
import type * as RuntimeFlags from "effect/RuntimeFlags"
import * as Scope from "effect/Scope"
import { DisconnectReason } from "../../peer/DisconnectReason.js"
import * as MessageTransport from "../../peer/MessageTransport.js"
import type { HandshakeInfo, Peer, PeerOptions, StartingPeer } from "../../peer/Peer.js"
import * as PeerConfig from "../../peer/PeerConfig.js"
import type { PeerError } from "../../peer/PeerError.js"
import type * as Message from "../../wire/Message.js"
import * as NetAddress from "../../wire/NetAddress.js"
import { Alarm, timerOf } from "./Alarm.js"
import { Outcome } from "./Outcome.js"
import { PeerCore } from "./core/PeerCore.js"
import * as handshakeRules from "./handshake.js"
import { DirectClose, DirectRead, DirectWrite } from "./DirectWrite.js"
import { disconnectedError, Outbound } from "./Outbound.js"
import { PingWaiters } from "./PingWaiters.js"
import { ByteBudget, PreHandshake } from "./PreHandshake.js"
import { MAX_UNREAD_BYTES, Reader } from "./Reader.js"
import { ReadSide } from "./ReadSide.js"
import { Subscribers } from "./Subscribers.js"
import { directReadLoop, liveRandom, readLoop, stepper, writeFailure } from "./lifecycle.js"
import { type Resume, surface } from "./surface.js"
import { type Outgoing, Writer } from "./Writer.js"

let nextId = 1

/** The Effect writer of a socket that writes and closes directly: never called. */
const noWriter = (): Effect.Effect<void, Socket.SocketError> => Effect.dieMessage("the socket writes directly")

const u64 = (hi: number, lo: number): bigint => (BigInt(hi) << 32n) | BigInt(lo)

/**
 * Our version nonce and the seed of our ping nonces: four 32-bit draws from
 * the fiber's `Random` (a `TestRandom` in tests), chained with `flatMap`
 * (`Effect.zipWith` goes through `Effect.all`, several times the ops).
 */
const seeds: Effect.Effect<{ readonly ourNonce: bigint; readonly pingSeed: bigint }> = Random.randomWith((random) => {
  const u32 = random.nextIntBetween(0, 0x1_0000_0000)
  return Effect.flatMap(u32, (a) =>
    Effect.flatMap(u32, (b) =>
      Effect.flatMap(u32, (c) =>
        Effect.map(u32, (d) => ({ ourNonce: u64(a, b), pingSeed: u64(c, d) })))))
})

/** `start`, then the wait for `connected`, in the same step as the build (no step between them). */
export const make = (socket: Socket.Socket, options: PeerOptions): Effect.Effect<Peer, PeerError, Scope.Scope> =>
  launch<Peer, PeerError>(socket, options, (peer) => peer.connected)

/** What `build` needs that takes an effect: the random draws, the start height, the socket's writer. */
interface Drawn {
  readonly ourNonce: bigint
  readonly pingSeed: bigint
  readonly startHeight: number
  readonly write: (chunk: Uint8Array | string | CloseEvent) => Effect.Effect<void, Socket.SocketError>
}

/** A uniform 32-bit draw, as `Random.nextIntBetween(0, 2 ** 32)` on the default `Random`. */
const u32 = (): number => Math.floor(Math.random() * 0x1_0000_0000)

const defaultConfig = PeerConfig.make()
const filled = new WeakMap<Partial<PeerConfig.PeerConfigShape>, PeerConfig.PeerConfigShape>()
/**
 * The config each peer runs with, filled from the defaults once per given
 * config object (a network or a dialer passes the same one to every peer):
 * not ~40 fields copied per peer, and the core's durations read once.
 */
const configOf = (partial: Partial<PeerConfig.PeerConfigShape> | undefined): PeerConfig.PeerConfigShape => {
  if (partial === undefined) return defaultConfig
  let config = filled.get(partial)
  if (config === undefined) {
    config = PeerConfig.make(partial)
    filled.set(partial, config)
  }
  return config
}

/**
 * A peer starts in one synchronous step inside the fiber (`build`), which
 * reads the clock, the scope and the runtime from the fiber rather than
 * yielding for each: a short-lived peer (a refused inbound, a crawler's
 * handshake) pays for little more than its own objects. Before it, only
 * when needed, the effects it takes: the random draws under a `Random` other
 * than the default one (a test's, a user's: drawn from it; on the default
 * one, `Math.random`, which seeds it, is drawn from directly), a start
 * height that is an effect, the writer of a socket that does not write
 * directly.
 */
export const start = (socket: Socket.Socket, options: PeerOptions): Effect.Effect<StartingPeer, never, Scope.Scope> =>
  launch<StartingPeer, never>(socket, options, undefined)

/** The start of both: `then` (the wait for the handshake, for `make`) runs from the build's step. */
const launch = <A, E>(
  socket: Socket.Socket,
  options: PeerOptions,
  then: ((peer: StartingPeer) => Effect.Effect<A, E>) | undefined
): Effect.Effect<A, E, Scope.Scope> => {
  const config = configOf(options.config)
  // A socket that writes and closes directly (`NodeTransport`'s) never uses its Effect writer: not
  // acquired, nor its finalizer run (the cleanup destroys such a socket, and its transport owns it).
  const writer = DirectWrite in socket && DirectClose in socket
    ? undefined
    : Effect.flatMap(Effect.scope, (scope) => Scope.extend(socket.writer, scope))
  const height = config.startHeight
  // The default start height is a plain value: read at once, not run.
  const plainHeight = Exit.isExit(height) && Exit.isSuccess(height) && writer === undefined ? height.value as number : undefined
  const begin = (fiber: Fiber.RuntimeFiber<A, E>, runtimeFlags: RuntimeFlags.RuntimeFlags, d: Drawn): Effect.Effect<A, E> => {
    // The finalizer is registered before the peer exists: an interruption between the two
    // steps must not leave a started peer with nothing to close it.
    const outerScope = Context.get(fiber.getFiberRef(FiberRef.currentContext) as Context.Context<Scope.Scope>, Scope.Scope)
    const slot: { finalizer: Effect.Effect<void> | undefined } = { finalizer: undefined }
    return Effect.zipRight(
      Scope.addFinalizer(outerScope, Effect.suspend(() => slot.finalizer ?? Effect.void)),
      then === undefined
        ? Effect.sync(() => build(socket, options, config, fiber, runtimeFlags, d, slot) as A)
        : Effect.suspend(() => then(build(socket, options, config, fiber, runtimeFlags, d, slot)))
    )
  }
  return Effect.withFiberRuntime<A, E, Scope.Scope>((fiber, status) => {
    if (plainHeight !== undefined && Context.get(fiber.getFiberRef(DefaultServices.currentServices), Random.Random) === liveRandom) {
      return begin(fiber, status.runtimeFlags, { ourNonce: u64(u32(), u32()), pingSeed: u64(u32(), u32()), startHeight: plainHeight, write: noWriter })
    }
    const drawn: Effect.Effect<Drawn, never, Scope.Scope> = Effect.flatMap(seeds, ({ ourNonce, pingSeed }) =>
      Effect.flatMap(height, (startHeight) =>
        Effect.map(writer ?? Effect.succeed(noWriter), (write) => ({ ourNonce, pingSeed, startHeight, write }))))
    return Effect.flatMap(drawn, (d) => Effect.withFiberRuntime<A, E, Scope.Scope>((fiber, status) => begin(fiber, status.runtimeFlags, d)))
  })
}

const build = (
  socket: Socket.Socket,
  options: PeerOptions,
  config: PeerConfig.PeerConfigShape,
  fiber: Fiber.RuntimeFiber<unknown, unknown>,
  runtimeFlags: RuntimeFlags.RuntimeFlags,
  { ourNonce, pingSeed, startHeight, write }: Drawn,
  slot: { finalizer: Effect.Effect<void> | undefined }
): StartingPeer => {
  const direction = options.direction
  const remoteAddress = options.remote ?? handshakeRules.ZERO_ADDRESS
  const services = fiber.getFiberRef(DefaultServices.currentServices)
  const clock = Context.get(services, Clock.Clock)
  const now = () => clock.unsafeCurrentTimeMillis()
  const connectedAt = now()
  const closed = new Outcome<DisconnectReason>()
  const handshakeDone = new Outcome<HandshakeInfo, PeerError>()
  config.nonceRegistry.add(ourNonce)
  // Fibers started from synchronous code (the socket callback, `send`): the writer while frames
  // are queued, the alarm, a reader that waits for its turn. Each is stopped by the cleanup.
  const runtime = Runtime.make({ context: fiber.getFiberRef(FiberRef.currentContext), runtimeFlags, fiberRefs: fiber.getFiberRefs() })
  const runFork = Runtime.runFork(runtime)
  const fork = (effect: Effect.Effect<void>) => runFork(effect, { immediate: false })

  // Everything held before the handshake, against this peer's bound and the shared one
  // (the network layer's, or one of this peer's own).
  const preHandshake = new PreHandshake(
    config.maxPreHandshakeBytes,
    (config.preHandshakeBudget as ByteBudget | undefined) ?? new ByteBudget(PeerConfig.DEFAULT_PRE_HANDSHAKE_BUDGET)
  )
  const checkPreHandshake = (): void => {
    if (core.verackReceived || core.reason !== undefined) return
    const over = preHandshake.update(preHandshake.delivered + transport.bufferedBytes + reader.unreadBytes)
    if (over !== undefined) end(over)
  }

  let forkCleanup = (): void => {}
  const pingWaiters = new PingWaiters()
  let peer: ReturnType<typeof surface> | undefined

  const core: PeerCore<Resume> = new PeerCore<Resume>({
    config,
    direction,
    connectedAt,
    ourVersion: handshakeRules.ourVersion(config, remoteAddress, ourNonce, startHeight, connectedAt),
    isOurNonce: (nonce) => config.nonceRegistry.has(nonce),
    transport: () => transport,
    pingSeed,
    stepPing: stepper(runtime, config.pingSchedule, Context.get(services, Random.Random)),
    stepTrickle: stepper(runtime, config.trickleSchedule, Context.get(services, Random.Random))
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
      handshakeDone.settle(Exit.succeed(info))
      if (peer !== undefined) peer.info = info
    },
    completeRequest: (resume, value) => resume(Exit.succeed(value)),
    failRequest: (resume, error) => resume(Exit.fail(error)),
    dieRequest: (resume, cause) => resume(Exit.die(cause)),
    pingAnswered: (millis) => {
      if (pingWaiters.size > 0) pingWaiters.settle(Exit.succeed(Duration.millis(millis)))
    },
    wakeAt: (at) => alarm.wakeBy(at),
    disconnect: (reason) => {
      preHandshake.release()
      // An error captures a stack trace: made when awaited (`failSync`), not for a handshake nobody
      // awaits. The first settle wins: after a completed handshake this changes nothing.
      handshakeDone.settle(Effect.failSync(() => disconnectedError(reason)))
      forkCleanup()
    }
  })
  const end = (reason: DisconnectReason): void => void core.end(reason)
  const transport = (options.transport ?? MessageTransport.v1)({ params: config.params, direction, version: () => core.codecVersion })
  const subscribers = new Subscribers<Message.NetworkMessage>((m) => m._tag, config.subscriberBufferBytes)

  // --- writing ---
  const writer = new Writer(socket, write, runFork, (batch, size) => {
    const t = now()
    core.wrote(size, t)
    for (const o of batch) {
      if (o.command !== undefined) core.sent(o.command, o.payloadSize, o.expects, o.stall, t)
      o.written?.()
    }
  }, (cause) => end(writeFailure(cause)))
  const outbound = new Outbound(transport, writer, config, () => core.codecVersion, () => core.reason, end)

  // --- reading ---
  const reader = new Reader(
    new ReadSide(transport, core.counters, outbound),
    // Half a subscriber's buffer per microtask turn: subscribers that keep up take what they were given.
    Math.max(1, Math.floor(config.subscriberBuffer / 2)),
    now,
    (r, t) => core.received(r, t),
    (millis) => core.busy(millis),
    (error) => end(DisconnectReason.DecodeError({ error })),
    (cause) => end(DisconnectReason.Defect({ cause })),
    fork,
    (unreadBytes) => end(DisconnectReason.ReadOverflow({ unreadBytes, limit: MAX_UNREAD_BYTES })),
    checkPreHandshake
  )

  let socketOpen = false
  const setOpen = (open: boolean) => void (socketOpen = open)
  const directRead = (socket as Partial<DirectRead>)[DirectRead]

  // --- time: one alarm fiber; before the stall check, a reader that is behind handles what already arrived ---
  const readerFirst = (t: number) => core.reason === undefined && core.stallCheckDue(t)
  const alarm = new Alarm(
    now,
    fork,
    (t) => readerFirst(t) ? Effect.zipRight(Effect.yieldNow(), Effect.sync(() => core.timer(now()))) : Effect.sync(() => core.timer(t)),
    // Synchronously only when the reader need not go first (that takes a yield: the alarm fiber does it).
    (t) => readerFirst(t) ? undefined : core.timer(t),
    // On the live clock, what its `sleep` does (a plain timer), without a fiber waiting on it.
    timerOf(clock)
  )

  // --- ending ---
  const directClose = (socket as Partial<DirectClose>)[DirectClose]
  let readFiber: Fiber.RuntimeFiber<void> | undefined
  let stopReading: (() => void) | undefined
  // Everyone still waiting learns why, once the socket and the timers are stopped; then `closed`.
  const release = (r: DisconnectReason, unwritten: ReadonlyArray<Outgoing>): void => {
    // One error for everyone still waiting, made only if someone is.
    let shared: PeerError | undefined
    const error = () => (shared ??= disconnectedError(r))
    for (const o of unwritten) o.written?.(error())
    for (const h of outbound.drainHeld()) h.written?.(error())
    for (const w of core.requests.drain()) w.handle(Exit.fail(error()))
    if (pingWaiters.size > 0) pingWaiters.settle(Exit.fail(error()))
    core.ping.abandon()
    subscribers.endAll()
    closed.settle(Exit.succeed(r))
  }
  // Built when needed: most peers clean up at once (`cleanupNow`).
  const cleanup = (): Effect.Effect<void> => Effect.gen(function*() {
    const r = core.reason ?? DisconnectReason.Shutdown()
    reader.stop()
    yield* alarm.stop
    // Close the transport first (a destroyed socket also ends a blocked write), unless it already ended;
    // at once when the socket can (`DirectClose`), else through its writer, raced against the read loop's end.
    if (socketOpen) {
      if (directClose !== undefined) directClose()
      // The wait for the read loop interruptible: the race's loser is interrupted, and in this
      // uninterruptible cleanup it would otherwise wait for a read loop a failed close never ends.
      else if (readFiber !== undefined) {
        yield* Effect.raceFirst(Effect.ignore(write(new CloseEvent(1000))), Effect.interruptible(Fiber.await(readFiber)))
      }
    }
    stopReading?.()
    if (readFiber !== undefined) yield* Fiber.interrupt(readFiber)
    release(r, yield* writer.stop)
  }).pipe(
    // A step that dies (a transport's writer dying on the close event) must not leave everyone
    // waiting for `closed` for good: they learn the reason all the same, and the defect goes on to
    // whoever ran the cleanup (the closing scope, or the cleanup's own fiber).
    Effect.onError(() =>
      closed.settled ? Effect.void : Effect.zipRight(
        readFiber === undefined ? Effect.void : Fiber.interruptFork(readFiber),
        Effect.sync(() => {
          stopReading?.()
          release(core.reason ?? DisconnectReason.Shutdown(), writer.stopNow() ?? [])
        })
      )),
    Effect.uninterruptible
  )
  /**
   * The same cleanup with nothing to wait for (the socket reads, writes and closes directly, and
   * the alarm has no fiber): done at once, or false when it needs the effect.
   */
  const cleanupNow = (): boolean => {
    if (readFiber !== undefined || !alarm.idle || (socketOpen && directClose === undefined)) return false
    const unwritten = writer.stopNow()
    if (unwritten === undefined) return false
    const r = core.reason ?? DisconnectReason.Shutdown()
    reader.stop()
    alarm.stopNow()
    if (socketOpen) directClose!()
    stopReading?.()
    release(r, unwritten)
    return true
  }
  // The cleanup runs once; later callers wait for it (`closed`). Not `Effect.cached`: that copies the
  // first runner's FiberRefs to later callers, and when the first runner (the cleanup fiber) was
  // interrupted by the closing scope, that includes its interruption, so the scope's finalizer failed
  // as interrupted.
  let cleanupStarted = false
  // The cleanup starts when the peer ends (rather than a fiber per peer waiting for that from the
  // start: a sleeping fiber costs kilobytes, times every connected peer), on a microtask (the end
  // may come from inside the reader or the core): synchronously when it can (`cleanupNow`), else in
  // a fiber of its own. The closing scope runs the cleanup itself.
  let finalizing = false
  const cleanupSoon = (): void => {
    if (cleanupStarted || finalizing) return
    cleanupStarted = true
    if (!cleanupNow()) runFork(cleanup(), { immediate: false })
  }
  forkCleanup = () => {
    if (!finalizing) queueMicrotask(cleanupSoon)
  }
  // The closing scope: at once when nothing needs waiting for (`cleanupNow`), else the cleanup in a
  // fiber of its own, started in this synchronous step, and an uninterruptible wait for its end (or
  // for `closed`, when a cleanup is already running). Not wrapped whole in `Effect.uninterruptible`: with the wrapper most of
  // every peer's objects outlived young-generation collections (a start + close loop: ~3.9 MB of each
  // ~13 MB scavenged survived and was promoted, against ~0.35 MB without it). So the cleanup is not
  // the effect returned here: a closing fiber that is interruptible (a user's `Scope.close`) could be
  // interrupted before running it, after this step switched every other cleanup off (`finalizing`).
  slot.finalizer = Effect.suspend(() => {
    finalizing = true
    end(DisconnectReason.Shutdown())
    if (cleanupStarted) return Effect.uninterruptible(Effect.asVoid(closed.await))
    cleanupStarted = true
    if (cleanupNow()) return Effect.void
    const cleaning = runFork(cleanup(), { immediate: false })
    // Its exit, not `Fiber.join` (which would copy the peer's fiber refs into the closing fiber).
    return Effect.uninterruptible(Effect.flatten(Fiber.await(cleaning)))
  })

  // The transport's own first bytes, then (outbound) our version go out first: the read fiber may
  // find the remote's version and verack already waiting and answer them at once.
  const initial = transport.initial()
  if (initial !== undefined) outbound.writeTransportBytes(initial)
  core.start()
  // With the socket's `DirectRead`, no fiber at all; else a root fiber, like the others (a fiber
  // forked from this one would keep this one alive).
  if (directRead !== undefined) stopReading = directReadLoop(directRead, fork, reader, core, setOpen)
  else readFiber = runFork(readLoop(socket, reader, core, setOpen))

  peer = surface({
    id: nextId++,
    remote: NetAddress.toString(remoteAddress),
    config,
    core,
    outbound,
    subscribers,
    handshakeDone,
    closed,
    pingWaiters,
    now,
    stats: () => ({ queuedBytes: writer.queuedBytes, unreadBytes: reader.unreadBytes, transport: transport.name, sessionId: transport.sessionId, droppedMessages: transport.droppedMessages ?? 0 })
  })
  if (core.verackReceived) peer.info = core.handshake
  return peer
}

