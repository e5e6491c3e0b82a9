/**
 * The default connector behind `Connector.layer`: outbound slots, manual
 * peers, the listener and the ban policy, over the shared registry.
 *
 * @internal
 */
import type * as Socket from "@effect/platform/Socket"
import * as Clock from "effect/Clock"
import * as Deferred from "effect/Deferred"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as FiberSet from "effect/FiberSet"
import * as Option from "effect/Option"
import * as Schedule from "effect/Schedule"
import type * as Scope from "effect/Scope"
import * as AddressBook from "../../network/AddressBook.js"
import type { ConnectorShape } from "../../network/Connector.js"
import * as NetworkConfig from "../../network/NetworkConfig.js"
import type { PeerRegistryShape, RunOptions } from "../../network/PeerRegistry.js"
import type { TransportError, TransportShape } from "../../network/Transport.js"
import { describe, DisconnectReason, isMisbehaviour } from "../../peer/DisconnectReason.js"
import { PeerError } from "../../peer/PeerError.js"
import * as Peer from "../../peer/Peer.js"
import * as PeerConfig from "../../peer/PeerConfig.js"
import * as NetAddress from "../../wire/NetAddress.js"
import { isLocal } from "../addressBook/netGroup.js"
import { type Candidate, inboundGroup, leastUsefulOf, selectToEvict } from "./eviction.js"
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
  /** Completed to end a connection evicted before its handshake completed. */
  readonly evicted: Deferred.Deferred<void>
}

/** The detail of an evicted peer's `LocalRequest`. */
export const EVICTED = "evicted for an inbound newcomer"

/** @internal */
export const make = (
  partial: Partial<NetworkConfig.NetworkConfigShape>,
  registry: PeerRegistryShape,
  book: AddressBook.AddressBookShape,
  transport: TransportShape
): Effect.Effect<ConnectorShape, TransportError, Scope.Scope> =>
  Effect.gen(function*() {
    const config = NetworkConfig.make(partial)
    // One nonce registry per connector: our own nodes in one process may connect to each other.
    const peerConfig = PeerConfig.make({ nonceRegistry: PeerConfig.makeNonceRegistry(), ...config.peer })
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

    /** Starts a peer, subscribing before its handshake so that no message after verack is missed. */
    const startPeer = (socket: Socket.Socket, direction: Peer.Direction, remote: NetAddress.NetAddressFields) =>
      Effect.gen(function*() {
        const config = direction === "inbound" ? inboundConfig : peerConfig
        const starting = yield* Peer.start(socket, { direction, remote, config })
        const inbox = yield* starting.subscribe()
        const peer = yield* starting.connected
        return { inbox, peer }
      })

    /** Dials, handshakes and runs one outbound peer; `onConnected` learns the peer once it is up. */
    const outbound = (address: NetAddress.NetAddressFields, manual: boolean, onConnected?: (p: Peer.Peer) => Effect.Effect<void>) =>
      Effect.gen(function*() {
        yield* book.markAttempt(address)
        const socket = yield* transport.dial(address)
        const { inbox, peer } = yield* startPeer(socket, "outbound", address)
        yield* book.markGood(address)
        if (onConnected) yield* onConnected(peer)
        return yield* runPeer(peer, inbox, address, manual)
      }).pipe(
        Effect.tapError(() => book.markFailed(address)),
        Effect.scoped
      )

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
      return peer !== undefined
        ? Effect.asVoid(FiberSet.run(fibers, peer.disconnect(EVICTED)))
        : Deferred.succeed(slot.evicted, undefined)
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
     * Takes a slot for a newcomer in `group`, evicting a peer if the group or
     * all slots are full; undefined when every peer is protected (refused).
     * Nothing effectful runs between the decision and taking the slot.
     */
    const takeSlot = (group: string, list: ReadonlyArray<Candidate>) =>
      Effect.gen(function*() {
        const live = list.filter((c) => inbound.has(c.id))
        const sameGroup = live.filter((c) => c.group === group)
        let victim: Candidate | undefined
        if (sameGroup.length >= config.maxInboundPerGroup) victim = leastUsefulOf(sameGroup)
        else if (inbound.size >= config.maxInbound) {
          victim = selectToEvict(live, groupRank)
          if (victim === undefined) return undefined
        }
        if (victim !== undefined) {
          const slot = inbound.get(victim.id)
          if (slot !== undefined) yield* evict(slot)
        }
        if (inbound.size >= config.maxInbound) return undefined
        const slot: InboundSlot = {
          id: nextSlotId++,
          group,
          connectedAt: yield* Clock.currentTimeMillis,
          peer: undefined,
          lastBlockAt: 0,
          lastTxAt: 0,
          evicted: yield* Deferred.make<void>()
        }
        inbound.set(slot.id, slot)
        return slot
      })

    const onInbound = ({ remote, socket }: { readonly socket: Socket.Socket; readonly remote: NetAddress.NetAddressFields }) =>
      Effect.gen(function*() {
        // Refused connections are closed by the transport when this handler returns.
        if (yield* book.isBanned(remote)) return
        const group = inboundGroup(isLocal(remote), AddressBook.netGroup(remote))
        const slot = yield* Effect.flatMap(candidates, (list) => takeSlot(group, list))
        if (slot === undefined) return
        yield* Effect.gen(function*() {
          const { inbox, peer } = yield* startPeer(socket, "inbound", remote)
          slot.peer = peer
          inboundByPeer.set(peer.id, slot)
          yield* withAddressInUse(remote, undefined, runPeer(peer, inbox, remote, false))
        }).pipe(
          Effect.raceFirst(Deferred.await(slot.evicted)),
          Effect.ignore,
          Effect.ensuring(Effect.sync(() => {
            inbound.delete(slot.id)
            if (slot.peer !== undefined) inboundByPeer.delete(slot.peer.id)
          }))
        )
      })

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
            withAddressInUse(address, undefined, outbound(address, false, (p) => Deferred.succeed(ready, p))).pipe(
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
