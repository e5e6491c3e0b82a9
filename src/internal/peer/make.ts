import type * as Socket from "@effect/platform/Socket"
import { CloseEvent } from "@effect/platform/Socket"
import * as Chunk from "effect/Chunk"
import * as Clock from "effect/Clock"
import * as Deferred from "effect/Deferred"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as ExecutionStrategy from "effect/ExecutionStrategy"
import * as Exit from "effect/Exit"
import * as Mailbox from "effect/Mailbox"
import * as Queue from "effect/Queue"
import * as Random from "effect/Random"
import * as Runtime from "effect/Runtime"
import type * as Schedule from "effect/Schedule"
import * as ScheduleDecision from "effect/ScheduleDecision"
import * as ScheduleIntervals from "effect/ScheduleIntervals"
import * as Scope from "effect/Scope"
import * as Stream from "effect/Stream"
import * as BlockHeader from "../../BlockHeader.js"
import { DisconnectReason, PeerError, type ViolationRule } from "../../DisconnectReason.js"
import * as Frame from "../../Frame.js"
import * as Hash from "../../Hash.js"
import * as InvVector from "../../InvVector.js"
import * as Message from "../../Message.js"
import * as NetAddress from "../../NetAddress.js"
import type { CommandCounters, HandshakeInfo, Peer, PeerOptions, PeerStats, StartingPeer } from "../../Peer.js"
import * as PeerConfig from "../../PeerConfig.js"
import * as ProtocolVersion from "../../ProtocolVersion.js"
import * as Transaction from "../../Transaction.js"
import { BoundedSet, inventoryKey } from "./BoundedSet.js"
import { type Deadline, StallTable } from "./StallTable.js"
import { Subscribers } from "../Subscribers.js"


let nextId = 1

const ZERO_ADDRESS: NetAddress.NetAddressFields = { services: 0n, network: NetAddress.NetworkId.IPv4, address: new Uint8Array(4), port: 0 }

const isLegacyEncodable = (a: NetAddress.NetAddressFields): boolean =>
  (a.network === NetAddress.NetworkId.IPv4 && a.address.length === 4) ||
  ((a.network === NetAddress.NetworkId.IPv6 || a.network === NetAddress.NetworkId.CJDNS) && a.address.length === 16)

/** Messages a remote may send between its `version` and its `verack`. */
const PRE_VERACK = new Set<string>(["Version", "Verack", "WtxidRelay", "SendAddrV2", "Unknown"])

interface Outgoing {
  readonly frame: Uint8Array
  readonly command: string
  /** Replies the remote owes (getdata: one per item); 0 when none. */
  readonly expects: number
  readonly waiter: Deferred.Deferred<void, PeerError> | undefined
  /** The stall deadline of a `request`, so that a request that gives up can withdraw it. */
  readonly stall?: StallHandle | undefined
}

interface StallHandle {
  /** The request ended without its reply; set no deadline when the frame is written. */
  withdrawn: boolean
  deadline: Deadline | undefined
}

interface Waiter {
  readonly match: (m: Message.NetworkMessage) => unknown
  readonly deferred: Deferred.Deferred<unknown, PeerError>
}

const bump = (table: Map<string, { messages: number; bytes: number }>, command: string, bytes: number): void => {
  const c = table.get(command)
  if (c === undefined) table.set(command, { messages: 1, bytes })
  else {
    c.messages++
    c.bytes += bytes
  }
}

const randomU64 = Effect.zipWith(
  Random.nextIntBetween(0, 0x1_0000_0000),
  Random.nextIntBetween(0, 0x1_0000_0000),
  (hi, lo) => (BigInt(hi) << 32n) | BigInt(lo)
)

export const make = (socket: Socket.Socket, options: PeerOptions): Effect.Effect<Peer, PeerError, Scope.Scope> =>
  Effect.flatMap(start(socket, options), (peer) => Effect.as(peer.handshake, peer as Peer))

export const start = (socket: Socket.Socket, options: PeerOptions): Effect.Effect<StartingPeer, never, Scope.Scope> =>
  Effect.gen(function*() {
    const config = PeerConfig.make(options.config)
    const params = config.params
    const id = nextId++
    const direction = options.direction
    const remoteAddress = options.remote ?? ZERO_ADDRESS
    const remote = NetAddress.toString(remoteAddress)
    const clock = yield* Effect.clock
    const now = () => clock.unsafeCurrentTimeMillis()

    const outerScope = yield* Effect.scope
    const peerScope = yield* Scope.fork(outerScope, ExecutionStrategy.sequential)

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
    let queuedBytes = 0
    let inFlight: ReadonlyArray<Outgoing> = []
    let pendingPing: { nonce: bigint; sentAt: number; deferred: Deferred.Deferred<number, PeerError> } | undefined
    let lastGetBlocks: string | undefined
    let lastGetHeaders: string | undefined
    let pendingInventory: Array<InvVector.InvVector> = []
    let socketOpen = false

    const knownInventory = new BoundedSet<string>(config.knownInventorySize)
    const knownAddresses = new BoundedSet<string>(config.knownInventorySize)
    const stalls = new StallTable(config.stallRules)
    const subscribers = new Subscribers<Message.NetworkMessage>((m) => m._tag)
    const waiters = new Set<Waiter>()
    const outbound = yield* Queue.unbounded<Outgoing>()
    const closed = yield* Deferred.make<DisconnectReason>()
    const handshakeDone = yield* Deferred.make<HandshakeInfo, PeerError>()
    const runEnded = yield* Deferred.make<void>()
    const ourNonce = yield* randomU64
    const recentNonces = config.nonceRegistry
    recentNonces.add(ourNonce)

    const codecVersion = () => (negotiatedVersion === 0 ? config.protocolVersion : negotiatedVersion)
    const disconnectedError = (r: DisconnectReason) => new PeerError({ reason: "Disconnected", disconnect: r })

    /** Starts the cleanup in a fiber of its own (set once the cleanup exists). */
    let forkCleanup = (): void => {}
    /** Records the first reason and starts the cleanup; everything else follows from it. */
    const disconnectNow = (r: DisconnectReason): void => {
      if (reason !== undefined) return
      reason = r
      Deferred.unsafeDone(handshakeDone, Exit.fail(disconnectedError(r)))
      forkCleanup()
    }
    const violation = (rule: ViolationRule, detail: string) => disconnectNow(DisconnectReason.ProtocolViolation({ rule, detail }))

    // --- writing ---

    /** Encodes and queues synchronously; returns the error instead of failing so the reader can use it too. */
    const enqueue = (
      message: Message.NetworkMessage,
      waiter: Deferred.Deferred<void, PeerError> | undefined,
      stall?: StallHandle
    ): PeerError | undefined => {
      if (reason !== undefined) return disconnectedError(reason)
      const encoded = Frame.encodeEither(params.magic, message, { version: codecVersion() })
      if (Either.isLeft(encoded)) {
        return new PeerError({ reason: "EncodeFailed", command: encoded.left.command, detail: encoded.left.message })
      }
      const frame = encoded.right
      if (queuedBytes + frame.length > config.maxQueuedBytes) {
        if (config.queueOverflow === "disconnect") {
          disconnectNow(DisconnectReason.QueueOverflow({ queuedBytes: queuedBytes + frame.length, limit: config.maxQueuedBytes }))
          return disconnectedError(reason!)
        }
        return new PeerError({ reason: "QueueFull", command: Message.commandOf(message), detail: `${queuedBytes} bytes queued` })
      }
      queuedBytes += frame.length
      const expects = message._tag === "GetData" ? message.inventory.length : 1
      Queue.unsafeOffer(outbound, { frame, command: Message.commandOf(message), expects, waiter, stall })
      return undefined
    }

    const send = (message: Message.NetworkMessage): Effect.Effect<void, PeerError> =>
      Effect.suspend(() => {
        const error = enqueue(message, undefined)
        return error === undefined ? Effect.void : Effect.fail(error)
      })

    const sendAndAwait = (message: Message.NetworkMessage): Effect.Effect<void, PeerError> =>
      Effect.flatMap(Deferred.make<void, PeerError>(), (waiter) => {
        const error = enqueue(message, waiter)
        return error === undefined ? Deferred.await(waiter) : Effect.fail(error)
      })

    const write = yield* Scope.extend(socket.writer, outerScope)

    const writer = Effect.gen(function*() {
      for (;;) {
        const batch = Chunk.toReadonlyArray(yield* Queue.takeBetween(outbound, 1, 256))
        inFlight = batch
        let size = 0
        for (const o of batch) size += o.frame.length
        // Consecutive small frames go out as one write (one syscall); a big one goes as it is,
        // so a batch of blocks is not first copied into one multi-megabyte buffer.
        for (let i = 0; i < batch.length;) {
          let j = i + 1
          let run = batch[i]!.frame.length
          while (j < batch.length && run + batch[j]!.frame.length <= COALESCE_MAX) run += batch[j++]!.frame.length
          let bytes: Uint8Array
          if (j - i === 1) bytes = batch[i]!.frame
          else {
            bytes = new Uint8Array(run)
            for (let at = 0; i < j; i++) {
              bytes.set(batch[i]!.frame, at)
              at += batch[i]!.frame.length
            }
          }
          i = j
          const result = yield* Effect.either(write(bytes))
          if (Either.isLeft(result)) {
            disconnectNow(DisconnectReason.SocketError({ cause: result.left }))
            return
          }
        }
        inFlight = []
        const t = now()
        queuedBytes -= size
        bytesSent += size
        lastSend = t
        for (const o of batch) {
          bump(sent, o.command, o.frame.length - Frame.HEADER_SIZE)
          if (o.stall === undefined) stalls.expect(o.command, t, o.expects)
          else if (!o.stall.withdrawn) o.stall.deadline = stalls.expect(o.command, t, o.expects)
          if (o.waiter !== undefined) Deferred.unsafeDone(o.waiter, Exit.void)
        }
      }
    })

    // --- the handshake ---

    const sendOrDisconnect = (m: Message.NetworkMessage): void => {
      const error = enqueue(m, undefined)
      if (error !== undefined && reason === undefined) {
        disconnectNow(DisconnectReason.LocalRequest({ detail: `could not send ${Message.commandOf(m)}: ${error.message}` }))
      }
    }

    const startHeight = yield* config.startHeight
    const ourVersion = Message.Version.make({
      version: config.protocolVersion,
      services: config.services,
      timestamp: BigInt(Math.floor(now() / 1000)),
      // `version` carries a legacy (16-byte IP) address: a Tor, I2P or unknown-network remote
      // cannot be written there, so send the unspecified address, as Bitcoin Core does.
      addrRecv: isLegacyEncodable(remoteAddress) ? remoteAddress : ZERO_ADDRESS,
      addrFrom: { ...ZERO_ADDRESS, services: config.services },
      nonce: ourNonce,
      userAgent: PeerConfig.userAgent(config),
      startHeight,
      relay: config.relay
    })

    const onVersion = (v: Message.MessageOf<"Version">): void => {
      if (versionReceived) return violation("DuplicateVersion", "second version message")
      versionReceived = true
      if (recentNonces.has(v.nonce)) return disconnectNow(DisconnectReason.SelfConnection())
      if (v.version < config.minProtocolVersion) {
        return disconnectNow(DisconnectReason.ObsoleteVersion({ version: v.version, minimum: config.minProtocolVersion }))
      }
      negotiatedVersion = Math.min(config.protocolVersion, v.version)
      lastBlock = v.startHeight
      handshake = {
        version: v.version,
        negotiatedVersion,
        services: v.services,
        userAgent: v.userAgent,
        startHeight: v.startHeight,
        relay: v.relay,
        timeOffset: Number(v.timestamp) - Math.floor(now() / 1000),
        nonce: v.nonce
      }
      if (direction === "inbound") sendOrDisconnect(ourVersion)
      // BIP-0339 and BIP-0155: these go between version and verack.
      if (config.announceWtxidRelay && ProtocolVersion.hasWtxidRelay(negotiatedVersion)) sendOrDisconnect(Message.WtxidRelay.make({}))
      if (config.announceSendAddrV2) sendOrDisconnect(Message.SendAddrV2.make({}))
      sendOrDisconnect(Message.Verack.make({}))
    }

    const onVerack = (): void => {
      if (!versionReceived) return violation("VerackBeforeVersion", "verack before version")
      if (verackReceived) return violation("DuplicateVerack", "second verack message")
      verackReceived = true
      if (config.announceSendHeaders && ProtocolVersion.hasSendHeaders(negotiatedVersion)) sendOrDisconnect(Message.SendHeaders.make({}))
      if (config.feeFilter !== undefined && ProtocolVersion.hasFeeFilter(negotiatedVersion)) {
        sendOrDisconnect(Message.FeeFilter.make({ feeRate: config.feeFilter }))
      }
      Deferred.unsafeDone(handshakeDone, Exit.succeed(handshake!))
    }

    // --- reading ---

    /** Protocol duties for one received message; synchronous so the reader never waits on anyone. */
    const onMessage = (r: Frame.Received, t: number): void => {
      const m = r.message
      bytesReceived += r.payloadSize + Frame.HEADER_SIZE
      lastReceive = t
      bump(received, r.command, r.payloadSize)
      if (!verackReceived) {
        // (a verack goes on to `onVerack`, which tells it apart as VerackBeforeVersion)
        if (!versionReceived && m._tag !== "Version" && m._tag !== "Verack" && m._tag !== "Unknown") {
          return violation("MessageBeforeHandshake", `${r.command} before version`)
        }
        if (!PRE_VERACK.has(m._tag)) return violation("MessageBeforeHandshake", `${r.command} before verack`)
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
          if (verackReceived) return violation("FeatureAfterVerack", `${r.command} after verack`)
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
            Deferred.unsafeDone(pendingPing.deferred, Exit.succeed(rtt))
            pendingPing = undefined
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
      if (reason !== undefined) return
      stalls.received(r.command, m._tag === "NotFound" ? m.inventory.length : 1)
      for (const w of waiters) {
        const matched = w.match(m)
        if (matched !== undefined) {
          waiters.delete(w)
          Deferred.unsafeDone(w.deferred, Exit.succeed(matched))
        }
      }
      subscribers.publish(m)
    }

    const inbox = yield* Mailbox.make<Uint8Array, Socket.SocketError>()
    // Bytes received and not yet handed to the decoder. Past MAX_UNREAD_BYTES the socket handler
    // returns an effect that waits for the reader: a socket that awaits its handler (MemorySocket,
    // `Transport.makeTcp`, which pauses the connection) stops reading, and TCP pushes back on the
    // remote. Otherwise a peer sending faster than we decode would grow this inbox without bound.
    let unreadBytes = 0
    const room = yield* Effect.makeLatch(true)
    const onChunk = (chunk: Uint8Array): Effect.Effect<void> | void => {
      inbox.unsafeOffer(chunk)
      unreadBytes += chunk.length
      if (unreadBytes < MAX_UNREAD_BYTES) return
      room.unsafeClose()
      return room.await
    }
    const readSocket = socket.run(onChunk, {
      onOpen: Effect.sync(() => {
        socketOpen = true
      })
    }).pipe(
      Effect.ensuring(Effect.sync(() => {
        socketOpen = false
      })),
      Effect.ensuring(Deferred.done(runEnded, Exit.void)),
      Mailbox.into(inbox)
    )

    // One read can hold thousands of small messages. Yielding every half subscriber buffer lets
    // subscribers that keep up take what they were given, so a burst cuts off only the slow ones.
    const yieldEvery = Math.max(1, Math.floor(config.subscriberBuffer / 2))
    let sinceYield = 0

    // One socket chunk at a time, with a turn of the event loop every READ_SLICE bytes: a peer
    // flooding us must not hold the thread for whole backlogs (other peers, timers and pongs wait).
    let sliceBytes = 0
    // A plain loop over the inbox with one decoder, rather than a Stream pipeline: the same steps
    // in the same order, without a channel executor and its fibers per peer (memory of idle peers,
    // and per-message overhead).
    const decoder = new Frame.FrameDecoder({ params, version: codecVersion })
    const decoded: Array<Frame.Received> = []
    const reader = Effect.gen(function*() {
      for (;;) {
        const [chunks, done] = yield* inbox.takeAll
        for (const bytes of chunks) {
          unreadBytes -= bytes.length
          if (unreadBytes <= MAX_UNREAD_BYTES / 2) room.unsafeOpen()
          sliceBytes += bytes.length
          if (sliceBytes >= READ_SLICE) {
            sliceBytes = 0
            yield* yieldToEventLoop
          }
          decoded.length = 0
          const error = decoder.push(bytes, decoded)
          if (decoded.length > 0) {
            const start = now()
            let i = 0
            while (i < decoded.length && reason === undefined) {
              onMessage(decoded[i++]!, start)
              if (++sinceYield >= yieldEvery) {
                sinceYield = 0
                yield* Effect.yieldNow()
              }
            }
            // Our own processing time must not count against the remote's stall deadlines.
            if (reason === undefined) stalls.extend(now() - start)
          }
          if (error !== undefined) return yield* Effect.fail(error)
        }
        if (done) return
      }
    }).pipe(
      Effect.matchCause({
        onSuccess: () => disconnectNow(DisconnectReason.RemoteClosed()),
        onFailure: (cause) => {
          const error = Chunk.unsafeHead(Chunk.fromIterable(causeFailures(cause)))
          if (error === undefined) return
          if (error._tag === "WireError") disconnectNow(DisconnectReason.DecodeError({ error }))
          else if (error.reason === "Close" || isConnectionReset(error)) disconnectNow(DisconnectReason.RemoteClosed())
          else disconnectNow(DisconnectReason.SocketError({ cause: error }))
        }
      })
    )

    // --- timers (all durations and schedules come from config) ---

    // The handshake, idle and stall timeouts share one fiber (a sleeping fiber costs kilobytes,
    // times every connected peer): it sleeps until the earliest of them is due.
    const watchdog = Effect.gen(function*() {
      const handshakeDue = connectedAt + Duration.toMillis(config.handshakeTimeout)
      const idle = Duration.toMillis(config.idleTimeout)
      const tick = Duration.toMillis(config.stallTickInterval)
      let nextTick = connectedAt + tick
      for (;;) {
        let t = now()
        if (!verackReceived && t >= handshakeDue) return disconnectNow(DisconnectReason.HandshakeTimeout())
        const idleDue = (lastReceive ?? connectedAt) + idle
        if (t >= idleDue) return disconnectNow(DisconnectReason.IdleTimeout())
        if (t >= nextTick) {
          // Let the reader drain what already arrived before we blame the remote.
          yield* Effect.yieldNow()
          t = now()
          const command = stalls.overdue(t)
          if (command !== undefined) return disconnectNow(DisconnectReason.Stall({ command }))
          nextTick = t + tick
        }
        const due = Math.min(idleDue, nextTick, verackReceived ? Infinity : handshakeDue)
        yield* Effect.sleep(Duration.millis(due - t))
      }
    })

    const pingOnce: Effect.Effect<number, PeerError> = Effect.gen(function*() {
      const nonce = yield* randomU64
      const deferred = yield* Deferred.make<number, PeerError>()
      if (pendingPing !== undefined) return yield* Deferred.await(pendingPing.deferred)
      pendingPing = { nonce, sentAt: now(), deferred }
      const error = enqueue(Message.Ping.make({ nonce }), undefined)
      if (error !== undefined) {
        pendingPing = undefined
        return yield* Effect.fail(error)
      }
      return yield* Deferred.await(deferred).pipe(
        Effect.timeoutFail({
          duration: config.pongTimeout,
          onTimeout: () => {
            disconnectNow(DisconnectReason.PingTimeout({ nonce }))
            return disconnectedError(reason!)
          }
        })
      )
    })

    const pinger = onSchedule(config.pingSchedule, Effect.ignore(pingOnce))

    const flushInventory = Effect.sync(() => {
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
    })

    const trickler = onSchedule(config.trickleSchedule, flushInventory)

    // --- ending ---

    const cleanup = Effect.gen(function*() {
      const r = reason ?? DisconnectReason.Shutdown()
      const error = disconnectedError(r)
      // Close the transport first (a destroyed socket also ends a blocked write), unless it already ended.
      if (socketOpen) yield* Effect.raceFirst(Effect.ignore(write(new CloseEvent(1000))), Deferred.await(runEnded))
      yield* Scope.close(peerScope, Exit.void)
      const queued = yield* Queue.takeAll(outbound)
      for (const o of [...inFlight, ...queued]) if (o.waiter !== undefined) Deferred.unsafeDone(o.waiter, Exit.fail(error))
      inFlight = []
      queuedBytes = 0
      yield* Queue.shutdown(outbound)
      for (const w of waiters) Deferred.unsafeDone(w.deferred, Exit.fail(error))
      waiters.clear()
      if (pendingPing !== undefined) Deferred.unsafeDone(pendingPing.deferred, Exit.fail(error))
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
    const runtime = yield* Effect.runtime<never>()
    let finalizing = false
    forkCleanup = () => {
      if (!finalizing) Runtime.runFork(runtime)(cleanupOnce, { immediate: false })
    }
    yield* Scope.addFinalizer(outerScope, Effect.suspend(() => {
      finalizing = true
      disconnectNow(DisconnectReason.Shutdown())
      return cleanupOnce
    }))

    // Fibers: reader first, so the socket is open before anything else can end the peer.
    yield* Effect.forkIn(Effect.ignore(readSocket), peerScope)
    yield* Effect.forkIn(reader, peerScope)
    yield* Effect.forkIn(writer, peerScope)
    yield* Effect.forkIn(watchdog, peerScope)

    if (direction === "outbound") sendOrDisconnect(ourVersion)
    // Keep-alive and trickle start once the handshake completed.
    // (forked into the peer's scope, not as children of the waiting fiber, which would end them when it ends)
    yield* Effect.forkIn(
      Effect.zipRight(Deferred.await(handshakeDone), Effect.zip(Effect.forkIn(pinger, peerScope), Effect.forkIn(trickler, peerScope))),
      peerScope
    )

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
      Effect.gen(function*() {
        const command = Message.commandOf(message)
        const timeout = opts?.timeout ?? config.stallRules[command]?.timeout ?? config.requestTimeout
        const deferred = yield* Deferred.make<unknown, PeerError>()
        const waiter: Waiter = { match, deferred }
        const stall: StallHandle = { withdrawn: false, deadline: undefined }
        if (reason !== undefined) return yield* Effect.fail(disconnectedError(reason))
        waiters.add(waiter)
        const error = enqueue(message, undefined, stall)
        if (error !== undefined) {
          waiters.delete(waiter)
          return yield* Effect.fail(error)
        }
        // Ended without a reply (timed out or interrupted): the caller knows, so the stall
        // detector must not also disconnect the remote for it. A remote may legitimately stay
        // silent: bcoin never answers a getheaders at its tip (Core sends an empty headers).
        const giveUp = Effect.suspend(() => {
          waiters.delete(waiter)
          if (reason !== undefined) return Effect.void
          return Effect.map(Deferred.isDone(deferred), (answered) => {
            if (answered) return
            stall.withdrawn = true
            if (stall.deadline !== undefined) stalls.withdraw(stall.deadline)
          })
        })
        return (yield* Deferred.await(deferred).pipe(
          Effect.timeoutFail({
            duration: timeout,
            onTimeout: () => new PeerError({ reason: "RequestTimeout", command, detail: `no reply within ${Duration.format(timeout)}` })
          }),
          Effect.ensuring(giveUp)
        )) as A
      })

    const getHeaders = (locator: ReadonlyArray<Uint8Array>, stopHash: Uint8Array = Hash.ZERO) =>
      request(
        Message.GetHeaders.make({ version: config.protocolVersion, locator, stopHash }),
        (m) => (m._tag === "Headers" ? m : undefined)
      )

    const getData = (inv: InvVector.InvVector) => {
      const wanted = inv.hash
      const matchesHash = (m: Message.NetworkMessage): boolean => {
        switch (m._tag) {
          case "Block":
            return Hash.equals(BlockHeader.hash(m.header), wanted)
          case "MerkleBlock":
            return Hash.equals(BlockHeader.hash(m.header), wanted)
          case "Tx":
            return Hash.equals(inv.type === InvVector.InvType.WTx ? Transaction.wtxid(m.tx) : Transaction.txid(m.tx), wanted)
          case "NotFound":
            return m.inventory.some((v) => Hash.equals(v.hash, wanted))
          default:
            return false
        }
      }
      return request(Message.GetData.make({ inventory: [inv] }), (m) =>
        matchesHash(m) ? (m as Message.MessageOf<"Block" | "Tx" | "MerkleBlock" | "NotFound">) : undefined)
    }

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

    const pushGetBlocks = (locator: ReadonlyArray<Uint8Array>, stopHash: Uint8Array = Hash.ZERO) =>
      Effect.suspend(() => {
        const key = locatorKey(locator, stopHash)
        if (key === lastGetBlocks) return Effect.void
        lastGetBlocks = key
        return send(Message.GetBlocks.make({ version: config.protocolVersion, locator, stopHash }))
      })

    const pushGetHeaders = (locator: ReadonlyArray<Uint8Array>, stopHash: Uint8Array = Hash.ZERO) =>
      Effect.suspend(() => {
        const key = locatorKey(locator, stopHash)
        if (key === lastGetHeaders) return Effect.void
        lastGetHeaders = key
        return send(Message.GetHeaders.make({ version: config.protocolVersion, locator, stopHash }))
      })

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
      queuedBytes
    }))

    const peer: StartingPeer & { readonly info: HandshakeInfo } = {
      id,
      direction,
      remote,
      get info(): HandshakeInfo {
        if (handshake === undefined || !verackReceived) throw new Error("Peer.info read before the handshake completed")
        return handshake
      },
      handshake: Deferred.await(handshakeDone),
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
    return peer
  }).pipe(Effect.withLogSpan("Peer.make"))

/** Bytes the reader decodes before it lets the event loop run. */
const READ_SLICE = 256 * 1024

/** The writer joins consecutive frames into one socket write up to this many bytes. */
const COALESCE_MAX = 64 * 1024

/** Received bytes waiting for the decoder before the socket is asked to stop reading. */
const MAX_UNREAD_BYTES = 1024 * 1024

/** A macrotask turn (I/O and timers run), not just a fiber yield (microtasks only). */
const yieldToEventLoop: Effect.Effect<void> = Effect.async<void>((resume) => {
  if (typeof setImmediate === "function") {
    const handle = setImmediate(() => resume(Effect.void))
    return Effect.sync(() => clearImmediate(handle))
  }
  const handle = setTimeout(() => resume(Effect.void), 0)
  return Effect.sync(() => clearTimeout(handle))
})

/**
 * Runs `action` at each recurrence of `schedule`, as a loop over `Schedule.driver` would (step
 * at the current time, sleep until the recurrence starts, act; end when the schedule is done),
 * without the driver's refs: these fibers live as long as the peer, so their size counts.
 */
const onSchedule = (schedule: Schedule.Schedule<unknown>, action: Effect.Effect<void>): Effect.Effect<void> =>
  Effect.gen(function*() {
    let state = schedule.initial
    for (;;) {
      const t = yield* Clock.currentTimeMillis
      const [next, , decision] = yield* schedule.step(t, undefined, state)
      state = next
      if (ScheduleDecision.isDone(decision)) return
      const millis = ScheduleIntervals.start(decision.intervals) - t
      if (millis > 0) yield* Effect.sleep(Duration.millis(millis))
      yield* action
    }
  })

/**
 * A TCP reset while reading: the remote closed with our bytes still unread in
 * its buffer (what a peer's own `disconnect` does when data is in flight), or
 * aborted. That is the remote closing the connection, like an orderly FIN.
 */
const isConnectionReset = (error: any): boolean => error.reason === "Read" && error.cause?.code === "ECONNRESET"

/** The typed failures inside a cause (wire or socket errors). */
const causeFailures = (cause: import("effect/Cause").Cause<unknown>): Array<any> => {
  const out: Array<any> = []
  const walk = (c: any): void => {
    if (c._tag === "Fail") out.push(c.error)
    else if (c._tag === "Sequential" || c._tag === "Parallel") {
      walk(c.left)
      walk(c.right)
    }
  }
  walk(cause)
  return out
}
