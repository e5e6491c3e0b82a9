/**
 * The default connector behind `Connector.layer`: outbound slots, manual
 * peers, the listener and the ban policy, over the shared registry.
 *
 * @internal
 */
import type * as Socket from "@effect/platform/Socket"
import * as Cause from "effect/Cause"
import * as Clock from "effect/Clock"
import * as Context from "effect/Context"
import * as Data from "effect/Data"
import * as Deferred from "effect/Deferred"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import type * as Fiber from "effect/Fiber"
import * as FiberId from "effect/FiberId"
import * as FiberSet from "effect/FiberSet"
import * as Metric from "effect/Metric"
import * as Option from "effect/Option"
import * as Schedule from "effect/Schedule"
import type * as Scope from "effect/Scope"
import * as AddressBook from "../../network/AddressBook.js"
import type { ConnectorShape } from "../../network/Connector.js"
import * as NetworkConfig from "../../network/NetworkConfig.js"
import { PeerEvent, type PeerRegistryShape, type RefusalReason, type RunOptions } from "../../network/PeerRegistry.js"
import type { TransportError, TransportShape } from "../../network/Transport.js"
import { describe, DisconnectReason, isMisbehaviour } from "../../peer/DisconnectReason.js"
import * as MessageTransport from "../../peer/MessageTransport.js"
import { PeerError } from "../../peer/PeerError.js"
import * as Peer from "../../peer/Peer.js"
import * as PeerConfig from "../../peer/PeerConfig.js"
import * as V2Transport from "../../peer/V2Transport.js"
import * as ChainParams from "../../wire/ChainParams.js"
import * as NetAddress from "../../wire/NetAddress.js"
import * as ServiceFlags from "../../wire/ServiceFlags.js"
import { isLocal } from "../addressBook/netGroup.js"
import { type Candidate, inboundGroup, leastUsefulOf, selectToEvict } from "./eviction.js"
import { HandshakeGuard, subnetOf } from "./handshakeGuard.js"
import { contains, parseRange } from "./permissions.js"

/** An inbound connection holding a slot, from accept until it ends. */
interface InboundSlot {
  readonly id: number
  readonly group: string
  readonly connectedAt: number
  /** Set once the handshake completed. */
  peer: Peer.Peer | undefined
  lastBlockAt: number
  lastTxAt: number
  /** The fiber running the connection: interrupted to end one evicted before its handshake completed. */
  readonly fiber: Fiber.RuntimeFiber<unknown, unknown>
  /** Set when evicted before its handshake completed: its interruption is then reported as a failed handshake. */
  evicted: boolean
}

/** The detail of an evicted peer's `LocalRequest`. */
export const EVICTED = "evicted for an inbound newcomer"

/** A v2 attempt met a v1 node by BIP-0324's rule: dial again over v1. */
class RetryOverV1 extends Data.TaggedError("RetryOverV1")<{ readonly cause: PeerError }> {}

/**
 * Calls `release` once, as soon as the transport's own handshake is over
 * (v2 keys exchanged, or the remote found to speak v1): the costly part an
 * inbound handshake slot guards. (The v2 session takes the slot when the
 * remote's whole key is in, so it is given back within the same read.)
 *
 * A class, not an object literal with getters: V8 builds such a literal by
 * its slow path (~3 µs per peer in a micro-benchmark, ~0.15 µs for a class
 * instance). The methods stay own-property functions, as the inner
 * transport's are: a wrapper may copy them unbound.
 */
class ReleasingWhenReady implements MessageTransport.MessageTransport {
  private held = true
  readonly initial: MessageTransport.MessageTransport["initial"]
  readonly encode: MessageTransport.MessageTransport["encode"]
  readonly encodePrepared: MessageTransport.MessageTransport["encodePrepared"]
  readonly payloadSize: MessageTransport.MessageTransport["payloadSize"]
  readonly shouldReconnectV1: MessageTransport.MessageTransport["shouldReconnectV1"]

  constructor(private readonly inner: MessageTransport.MessageTransport, private readonly release: () => void) {
    this.initial = inner.initial
    this.encode = inner.encode
    this.encodePrepared = inner.encodePrepared
    this.payloadSize = inner.payloadSize
    this.shouldReconnectV1 = inner.shouldReconnectV1
  }

  get name(): string {
    return this.inner.name
  }
  get sessionId(): Uint8Array | undefined {
    return this.inner.sessionId
  }
  get ready(): boolean {
    return this.inner.ready
  }
  get bufferedBytes(): number {
    return this.inner.bufferedBytes
  }
  get awaitingBytes(): number | undefined {
    return this.inner.awaitingBytes
  }
  get droppedMessages(): number | undefined {
    return this.inner.droppedMessages
  }

  readonly receive: MessageTransport.MessageTransport["receive"] = (chunk, out, write) => {
    const error = this.inner.receive(chunk, out, write)
    if (this.held && (this.inner.ready || this.inner.name !== "v2")) {
      this.held = false
      this.release()
    }
    return error
  }
}

/** Wraps `factory`'s transports in `ReleasingWhenReady`. @internal */
export const releasingWhenReady = (factory: MessageTransport.Factory, release: () => void): MessageTransport.Factory => (context) =>
  new ReleasingWhenReady(factory(context), release)

/** @internal */
export const inboundRefused = Metric.counter("bitcoin_p2p_inbound_refused_total", {
  description: "Inbound connections closed before a peer started on them, by reason (Banned, NoSlot, …)",
  incremental: true
})

/** @internal */
export const handshakeFailed = Metric.counter("bitcoin_p2p_handshake_failed_total", {
  description: "Connections whose version/verack handshake failed, by direction and DisconnectReason tag",
  incremental: true
})

/** @internal */
export const make = (
  partial: Partial<NetworkConfig.NetworkConfigShape>,
  registry: PeerRegistryShape,
  book: AddressBook.AddressBookShape,
  transport: TransportShape
): Effect.Effect<ConnectorShape, TransportError, Scope.Scope> =>
  Effect.gen(function*() {
    const given = NetworkConfig.make(partial)
    // "auto" on a network whose nodes do not speak BIP-0324 (the family beyond Bitcoin) is v1: nothing
    // advertised, nothing attempted. An explicit "v2" is the user's call.
    const config = given.transportMode === "auto" && !(given.peer.params ?? ChainParams.mainnet).v2Transport
      ? { ...given, transportMode: "v1" as const }
      : given
    const v2Enabled = config.transportMode !== "v1"
    // One nonce registry per connector: our own nodes in one process may connect to each other.
    const peerConfig = PeerConfig.make({
      nonceRegistry: PeerConfig.makeNonceRegistry(),
      // One pre-handshake byte budget for all its peers: many connections that never complete a
      // handshake cannot hold more between them.
      preHandshakeBudget: PeerConfig.makeByteBudget(),
      ...config.peer,
      // BIP-0324: advertise that we speak v2 whenever we accept it.
      services: (config.peer.services ?? ServiceFlags.NONE) | (v2Enabled ? ServiceFlags.NODE_P2P_V2 : 0n)
    })
    const v2Outbound = V2Transport.messageTransport()
    const inboundTransport = MessageTransport.v1
    const guard = new HandshakeGuard(config.handshakeLimits)
    /** host:port of every address we are connected or connecting to (outbound and inbound). */
    const inUse = new Set<string>()
    /** Network groups of automatic outbound peers: at most one each. */
    const outboundGroups = new Map<string, number>()
    const fibers = yield* FiberSet.make()
    const noBan = config.noBan.map((text) => {
      const range = parseRange(text)
      if (range === undefined) throw new Error(`noBan: not an address or CIDR range: ${text}`)
      return range
    })
    /** As Bitcoin Core: local and no-ban peers are disconnected for misbehaviour, never banned. */
    const mayBan = (address: NetAddress.NetAddressFields) =>
      (config.banLocal || !isLocal(address)) && !noBan.some((r) => contains(r, address))
    const inboundConfig = { ...peerConfig, handshakeTimeout: config.inboundHandshakeTimeout }

    /** Every inbound connection holding a slot, by a local id; and those with a peer, by peer id. */
    const inbound = new Map<number, InboundSlot>()
    const inboundByPeer = new Map<number, InboundSlot>()
    let nextSlotId = 0
    // Keyed per node, as Core's keyed netgroup hash: an attacker cannot pick a group that is always protected.
    const groupSalt = yield* Effect.map(Effect.randomWith((r) => r.nextIntBetween(0, 0x7fffffff)), (n) => n.toString(36))
    const groupRank = (group: string) => {
      let h = 2166136261
      for (const ch of groupSalt + group) h = Math.imul(h ^ ch.charCodeAt(0), 16777619)
      return h >>> 0
    }

    /** Hands a connected peer to the registry; bans it if it misbehaved. */
    const runPeer = (
      peer: Peer.Peer,
      inbox: RunOptions["inbox"],
      address: NetAddress.NetAddressFields,
      manual: boolean
    ) =>
      registry.run(peer, {
        inbox,
        address,
        manual,
        onDisconnected: (reason) => {
          const banned = isMisbehaviour(reason) && mayBan(address)
          return banned ? Effect.as(book.ban(address, config.banDuration, describe(reason)), true) : Effect.succeed(false)
        }
      })

    /**
     * Starts a peer, subscribing before its handshake so that no message after
     * verack is missed; `use` takes the inbox and the connected peer (a
     * continuation rather than a result: one step fewer per connection).
     */
    const startPeer = <A, E, R>(
      socket: Socket.Socket,
      direction: Peer.Direction,
      remote: NetAddress.NetAddressFields,
      messageTransport: MessageTransport.Factory,
      use: (inbox: RunOptions["inbox"], peer: Peer.Peer) => Effect.Effect<A, E, R>
    ) => {
      let made: MessageTransport.MessageTransport | undefined
      /** A failed handshake: counted and reported; a v2 attempt that met a v1 node becomes `RetryOverV1`. */
      const failed = (starting: Peer.StartingPeer, error: PeerError): Effect.Effect<never, PeerError | RetryOverV1> =>
        Effect.flatMap(starting.awaitDisconnect, (reason) =>
          Effect.zipRight(
            Effect.zipRight(
              Metric.increment(Metric.tagged(Metric.tagged(handshakeFailed, "direction", direction), "reason", reason._tag)),
              registry.report(PeerEvent.HandshakeFailed({ remote: starting.remote, direction, reason }))
            ),
            Effect.flatMap(starting.stats, ({ bytesSent }): Effect.Effect<never, PeerError | RetryOverV1> =>
              // BIP-0324: we initiated v2, their key never came, nothing at all came, and a v1
              // node has had a whole (bad) header from us: it is a v1 node that hung up.
              error.disconnect?._tag !== "Shutdown" && made?.shouldReconnectV1?.(bytesSent) === true
                ? Effect.fail(new RetryOverV1({ cause: error }))
                : Effect.fail(error))
          ))
      return Effect.flatMap(
        Peer.start(socket, {
          direction,
          remote,
          config: direction === "inbound" ? inboundConfig : peerConfig,
          transport: (context) => (made = messageTransport(context))
        }),
        (starting) =>
          Effect.flatMap(starting.subscribe(), (inbox) =>
            // One step for both ends of the handshake (a catchAll, then a flatMap, cost one each).
            Effect.matchEffect(starting.connected, {
              onFailure: (error) => failed(starting, error),
              onSuccess: (peer) => use(inbox, peer)
            }))
      )
    }

    /** An inbound connection closed before a peer starts on it: counted and reported. */
    const refuse = (remote: NetAddress.NetAddressFields, reason: RefusalReason) =>
      Effect.zipRight(
        Metric.increment(Metric.tagged(inboundRefused, "reason", reason)),
        registry.report(PeerEvent.InboundRefused({ remote: NetAddress.toString(remote), reason }))
      )

    /** An inbound connection evicted before its handshake completed: counted and reported as a failed handshake. */
    const handshakeEvicted = (remote: NetAddress.NetAddressFields) => {
      const reason = DisconnectReason.LocalRequest({ detail: EVICTED })
      return Effect.zipRight(
        Metric.increment(Metric.tagged(Metric.tagged(handshakeFailed, "direction", "inbound"), "reason", reason._tag)),
        registry.report(PeerEvent.HandshakeFailed({ remote: NetAddress.toString(remote), direction: "inbound", reason }))
      )
    }

    /** Whether an outbound connection tries v2 first (`TransportMode`). */
    const outboundTransport = (address: NetAddress.NetAddressFields, requested: boolean): MessageTransport.Factory => {
      switch (config.transportMode) {
        case "v1":
          return MessageTransport.v1
        case "v2":
          return v2Outbound
        case "auto":
          return (requested && config.v2ForManualPeers) || ServiceFlags.has(address.services, ServiceFlags.NODE_P2P_V2) ? v2Outbound : MessageTransport.v1
      }
    }

    /**
     * Dials, handshakes and runs one outbound peer; `onConnected` learns the peer once it is up.
     * `requested`: the user asked for this address (manual peer, `connect`): v2 first in auto mode
     * when `v2ForManualPeers` is on.
     */
    const outbound = (
      address: NetAddress.NetAddressFields,
      manual: boolean,
      onConnected?: (p: Peer.Peer) => Effect.Effect<void>,
      requested = manual
    ) => {
      const attempt = (messageTransport: MessageTransport.Factory) =>
        Effect.gen(function*() {
          yield* book.markAttempt(address)
          const socket = yield* transport.dial(address)
          const { inbox, peer } = yield* startPeer(socket, "outbound", address, messageTransport, (inbox, peer) => Effect.succeed({ inbox, peer }))
          yield* book.markGood(address)
          if (onConnected) yield* onConnected(peer)
          return yield* runPeer(peer, inbox, address, manual)
        }).pipe(Effect.scoped)
      // An address the user hands us may carry no services: what the book learned about it counts too.
      const known = requested
        ? Effect.map(book.get(address), (entry) =>
          Option.match(entry, {
            onNone: () => address,
            onSome: (e) => ({ ...address, services: address.services | e.services })
          }))
        : Effect.succeed(address)
      return Effect.flatMap(known, (a) => attempt(outboundTransport(a, requested))).pipe(
        Effect.catchTag("RetryOverV1", (retry) =>
          config.transportMode === "auto"
            ? Effect.zipRight(
              // As Bitcoin Core: the address does not speak v2 after all; the next connection goes straight to v1.
              Effect.zipRight(
                book.clearServices(address, ServiceFlags.NODE_P2P_V2),
                Effect.logDebug(`v2 to ${NetAddress.toString(address)} met a v1 node: retrying over v1`)
              ),
              attempt(MessageTransport.v1)
            )
            : Effect.fail(retry.cause)),
        // Still typed as a possible RetryOverV1 by the second attempt: it is a failure like any other there.
        Effect.catchTag("RetryOverV1", (retry) => Effect.fail(retry.cause)),
        Effect.tapError(() => book.markFailed(address))
      )
    }

    const withAddressInUse = <A, E, R>(address: NetAddress.NetAddressFields, group: string | undefined, self: Effect.Effect<A, E, R>) =>
      Effect.acquireUseRelease(
        Effect.sync(() => {
          inUse.add(NetAddress.toString(address))
          if (group !== undefined) outboundGroups.set(group, (outboundGroups.get(group) ?? 0) + 1)
        }),
        () => self,
        () => Effect.sync(() => {
          inUse.delete(NetAddress.toString(address))
          if (group !== undefined) {
            const n = (outboundGroups.get(group) ?? 1) - 1
            if (n <= 0) outboundGroups.delete(group)
            else outboundGroups.set(group, n)
          }
        })
      )

    /** One automatic outbound slot: pick, connect, run, replace; forever. */
    const outboundSlot = Effect.gen(function*() {
      const driver = yield* Schedule.driver(config.retrySchedule)
      const backoff = Effect.catchAll(driver.next(undefined), () => Effect.zipRight(driver.reset, Effect.sleep(Duration.seconds(1))))
      for (;;) {
        const candidate = yield* book.select({
          excludeKeys: inUse,
          excludeGroups: outboundGroups.keys(),
          excludeBanned: true,
          // Only what the transport can dial: an onion address learned from addrv2 is not a
          // failure of the address when we have no proxy to reach it.
          networks: transport.reachable
        })
        if (Option.isNone(candidate)) {
          yield* backoff
          continue
        }
        const address = candidate.value
        const result = yield* Effect.either(withAddressInUse(address, AddressBook.netGroup(address), outbound(address, false)))
        if (result._tag === "Right" && !isMisbehaviour(result.right)) yield* driver.reset
        yield* backoff
      }
    })

    /** A manual peer: connected and reconnected for as long as the node runs. */
    const manualLoop = (address: NetAddress.NetAddressFields) =>
      Effect.gen(function*() {
        const driver = yield* Schedule.driver(config.retrySchedule)
        for (;;) {
          const result = yield* Effect.either(withAddressInUse(address, undefined, outbound(address, true)))
          if (result._tag === "Right") yield* driver.reset
          yield* Effect.catchAll(driver.next(undefined), () => driver.reset)
        }
      })

    /** Ends an evicted connection: a peer by `disconnect` (its `Disconnected` says why), a handshake by interruption. */
    const evict = (slot: InboundSlot) => {
      inbound.delete(slot.id)
      const peer = slot.peer
      if (peer !== undefined) return Effect.asVoid(FiberSet.run(fibers, peer.disconnect(EVICTED)))
      // Not awaited, as a disconnect is not: the newcomer does not wait for the victim's cleanup.
      return Effect.sync(() => {
        slot.evicted = true
        slot.fiber.unsafeInterruptAsFork(FiberId.none)
      })
    }

    const candidates = Effect.suspend(() => Effect.forEach(Array.from(inbound.values()), (slot) =>
      Effect.map(slot.peer === undefined ? Effect.succeed(undefined) : slot.peer.stats, (stats): Candidate => ({
        id: slot.id,
        group: slot.group,
        connectedAt: slot.connectedAt,
        minPingMillis: stats?.minPingMillis,
        lastBlockAt: slot.lastBlockAt,
        lastTxAt: slot.lastTxAt
      }))))

    /**
     * Whether a newcomer in `group` may have to evict someone (its group or every slot is full).
     * Only then are the candidates (each peer's stats) worth reading: most arrivals find room.
     */
    const mayEvict = (group: string): boolean => {
      if (inbound.size >= config.maxInbound) return true
      let same = 0
      for (const slot of inbound.values()) if (slot.group === group) same++
      return evictionFor(same) !== undefined
    }

    /**
     * The eviction rule, for a newcomer whose group holds `same` slots: one of
     * its own group when the group is full, else one of any group when every
     * slot is taken, else none.
     */
    const evictionFor = (same: number): "group" | "any" | undefined =>
      same >= config.maxInboundPerGroup ? "group" : inbound.size >= config.maxInbound ? "any" : undefined
    const noCandidates: Effect.Effect<ReadonlyArray<Candidate>> = Effect.succeed([])

    /**
     * Takes a slot for a newcomer in `group`, evicting a peer if the group or
     * all slots are full; undefined when every peer is protected (refused).
     * Nothing effectful runs between the decision and taking the slot.
     */
    const takeSlot = (group: string, list: ReadonlyArray<Candidate>, fiber: Fiber.RuntimeFiber<unknown, unknown>) =>
      Effect.gen(function*() {
        const live = list.filter((c) => inbound.has(c.id))
        const sameGroup = live.filter((c) => c.group === group)
        let victim: Candidate | undefined
        const eviction = evictionFor(sameGroup.length)
        if (eviction === "group") victim = leastUsefulOf(sameGroup)
        else if (eviction === "any") {
          victim = selectToEvict(live, groupRank)
          if (victim === undefined) return undefined
        }
        if (victim !== undefined) {
          const slot = inbound.get(victim.id)
          if (slot !== undefined) yield* evict(slot)
        }
        if (inbound.size >= config.maxInbound) return undefined
        return addSlot(group, yield* Clock.currentTimeMillis, fiber)
      })

    /** A new inbound slot in `group`, taken. */
    const addSlot = (group: string, connectedAt: number, fiber: InboundSlot["fiber"]): InboundSlot => {
      const slot: InboundSlot = { id: nextSlotId++, group, connectedAt, peer: undefined, lastBlockAt: 0, lastTxAt: 0, fiber, evicted: false }
      inbound.set(slot.id, slot)
      return slot
    }

    const slotDecision = yield* Effect.makeSemaphore(1)
    /** Arrivals inside `slotDecision` (reading candidates, then taking a slot); the fast path waits for none. */
    let deciding = 0

    /**
     * A slot for a newcomer in `group`, then `use` of it (`undefined`: none).
     * Most arrivals find room: with no other decision under way, the check and
     * the slot are one synchronous step (no semaphore, nothing read from the
     * peers), so nothing can interleave, and `use` follows in the same step.
     * One that may have to evict reads the candidates, one decision at a time:
     * the candidate list and the slot taken from it must not interleave with
     * another arrival's, or a group could pass its cap.
     */
    const withSlot = <A, R>(
      group: string,
      use: (slot: InboundSlot | undefined, fiber: Fiber.RuntimeFiber<unknown, unknown>) => Effect.Effect<A, never, R>
    ) =>
      Effect.withFiberRuntime<A, never, R>((fiber) => {
        if (deciding === 0 && !mayEvict(group)) {
          return use(addSlot(group, Context.get(fiber.currentDefaultServices, Clock.Clock).unsafeCurrentTimeMillis(), fiber), fiber)
        }
        // Counted inside what `ensuring` guards: an interruption before it could not leave the count up.
        const decided = Effect.suspend(() => {
          deciding++
          return slotDecision.withPermits(1)(
            Effect.flatMap(Effect.suspend(() => (mayEvict(group) ? candidates : noCandidates)), (list) => takeSlot(group, list, fiber))
          )
        }).pipe(Effect.ensuring(Effect.sync(() => void deciding--)))
        return Effect.flatMap(decided, (slot) => use(slot, fiber))
      })

    /** The v2 responder for a peer the handshake guard does not charge (local, no-ban): one for all of them. */
    const v2InboundUnguarded = V2Transport.messageTransport({ acceptV1: config.transportMode === "auto" })

    const onInbound = ({ remote, socket }: { readonly socket: Socket.Socket; readonly remote: NetAddress.NetAddressFields }) =>
      Effect.flatMap(book.isBanned(remote), (banned) => {
        // Refused connections are closed by the transport when this handler returns.
        if (banned) return refuse(remote, "Banned")
        // A local remote's book group (its address as text) would go unused: every local peer shares one.
        const local = isLocal(remote)
        return withSlot(inboundGroup(local, local ? "" : AddressBook.netGroup(remote)), (slot, fiber) =>
          slot === undefined ? refuse(remote, "NoSlot") : runInbound(fiber, slot, remote, socket))
      })

    /**
     * Handshakes and runs an inbound peer in its slot. What it holds (the slot,
     * its address in use, a handshake-guard charge) is let go in one exit
     * handler, whatever the end.
     */
    const runInbound = (
      fiber: Fiber.RuntimeFiber<unknown, unknown>,
      slot: InboundSlot,
      remote: NetAddress.NetAddressFields,
      socket: Socket.Socket
    ): Effect.Effect<void, never, Scope.Scope> => {
      let messageTransport = inboundTransport
      let release = () => {}
      if (v2Enabled && !mayBan(remote)) messageTransport = v2InboundUnguarded
      else if (v2Enabled) {
        // Charged only when the remote's whole 64-byte key is in (a v1 remote never is), just before
        // the ECDH the limits guard; let go once the keys are derived, within the same read.
        // Local and no-ban peers are not guarded, as they are never banned: a refused v2 handshake is
        // closed unanswered, which the initiator must take for a v1 node (BIP-0324's retry rule), so a
        // burst of our own nodes on one machine (all one /24) would downgrade each other to v1.
        const clock = Context.get(fiber.currentDefaultServices, Clock.Clock)
        const subnet = subnetOf(remote)
        let held = false
        release = () => {
          if (held) {
            held = false
            guard.release()
          }
        }
        const admit = () => {
          held = guard.admit(subnet, clock.unsafeCurrentTimeMillis()) === undefined
          return held
        }
        messageTransport = releasingWhenReady(
          V2Transport.messageTransport({ acceptV1: config.transportMode === "auto", admit }),
          release
        )
      }
      /** host:port in `inUse` once the handshake completed. */
      let key: string | undefined
      /**
       * What the connection held, let go whatever its end; an eviction before the
       * handshake completed (this fiber interrupted: no race of two forked fibers
       * per connection for its whole life) is reported here, so a connection that
       * does not become a peer is always seen.
       */
      const ended = (interrupted: boolean): Effect.Effect<void> => {
        release()
        if (key !== undefined) inUse.delete(key)
        inbound.delete(slot.id)
        if (slot.peer !== undefined) inboundByPeer.delete(slot.peer.id)
        return slot.evicted && interrupted ? handshakeEvicted(remote) : Effect.void
      }
      const running = startPeer(socket, "inbound", remote, messageTransport, (inbox, peer) => {
        release()
        slot.peer = peer
        inboundByPeer.set(peer.id, slot)
        // The peer's `remote` is the address as text already (`NetAddress.toString`), the key `inUse` takes.
        key = peer.remote
        inUse.add(key)
        return runPeer(peer, inbox, remote, false)
      })
      // One uninterruptible exit step that drops a failed handshake's error (`onExit` then `ignore`
      // re-raised the exit only to drop it, a step each); a defect or an interruption goes on to the
      // transport, which closes the connection after it and logs a defect.
      return Effect.uninterruptibleMask((restore) =>
        Effect.matchCauseEffect(restore(running), {
          onFailure: (cause) => {
            const left = ended(Cause.isInterruptedOnly(cause))
            const rest = Cause.stripFailures(cause)
            return Cause.isEmpty(rest) ? left : Effect.zipRight(left, Effect.failCause(rest))
          },
          onSuccess: () => ended(false)
        })
      )
    }

    // What eviction protects: peers that recently gave us blocks and transactions.
    yield* registry.addHandler({
      onMessage: ({ message, peer }) => {
        if (message._tag !== "Block" && message._tag !== "Tx") return Effect.void
        const slot = inboundByPeer.get(peer.id)
        if (slot === undefined) return Effect.void
        return Effect.map(Clock.currentTimeMillis, (now) => {
          if (message._tag === "Block") slot.lastBlockAt = now
          else slot.lastTxAt = now
        })
      }
    })

    const listenAddress = config.listen === undefined
      ? undefined
      : yield* transport.listen(config.listen.host, config.listen.port, onInbound)
    if (listenAddress !== undefined) {
      yield* Effect.acquireRelease(
        registry.setListenAddress(Option.some(listenAddress)),
        () => registry.setListenAddress(Option.none())
      )
    }

    if (!config.connectOnly) {
      for (let i = 0; i < config.targetOutbound; i++) yield* FiberSet.run(fibers, outboundSlot)
    }
    for (const address of config.manualPeers) yield* FiberSet.run(fibers, manualLoop(address))

    return {
      peers: registry.peers,
      peer: registry.peer,
      events: registry.events,
      subscribeEvents: registry.subscribeEvents,
      connect: (address) =>
        Effect.gen(function*() {
          const ready = yield* Deferred.make<Peer.Peer, TransportError | PeerError>()
          yield* FiberSet.run(
            fibers,
            withAddressInUse(address, undefined, outbound(address, false, (p) => Deferred.succeed(ready, p), true)).pipe(
              Effect.tapError((e) => Deferred.fail(ready, e)),
              // Only the connector's shutdown interrupts these fibers: the caller must not wait forever.
              Effect.onInterrupt(() =>
                Deferred.fail(ready, new PeerError({ reason: "Disconnected", disconnect: DisconnectReason.Shutdown(), detail: "network layer closed" }))
              )
            )
          )
          return yield* Deferred.await(ready)
        }),
      addManual: (address) => Effect.asVoid(FiberSet.run(fibers, manualLoop(address))),
      listenAddress
    }
  })
