/**
 * The default connector behind `Connector.layer`: outbound slots, manual
 * peers, the listener and the ban policy, over the shared registry.
 *
 * @internal
 */
import type * as Socket from "@effect/platform/Socket"
import * as Deferred from "effect/Deferred"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
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
import { PeerError } from "../../peer/PeerError.js"
import * as Peer from "../../peer/Peer.js"
import * as PeerConfig from "../../peer/PeerConfig.js"
import * as NetAddress from "../../wire/NetAddress.js"

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
    const config = NetworkConfig.make(partial)
    // One nonce registry per connector: our own nodes in one process may connect to each other.
    // One pre-handshake byte budget for all its peers: many connections that never complete a
    // handshake cannot hold more between them.
    const peerConfig = PeerConfig.make({
      nonceRegistry: PeerConfig.makeNonceRegistry(),
      preHandshakeBudget: PeerConfig.makeByteBudget(),
      ...config.peer
    })
    /** host:port of every address we are connected or connecting to (outbound and inbound). */
    const inUse = new Set<string>()
    /** Network groups of automatic outbound peers: at most one each. */
    const outboundGroups = new Map<string, number>()
    let inboundCount = 0
    const fibers = yield* FiberSet.make()

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
          const banned = isMisbehaviour(reason)
          return banned ? Effect.as(book.ban(address, config.banDuration, describe(reason)), true) : Effect.succeed(false)
        }
      })

    /** Starts a peer, subscribing before its handshake so that no message after verack is missed. */
    const startPeer = (socket: Socket.Socket, direction: Peer.Direction, remote: NetAddress.NetAddressFields) =>
      Effect.gen(function*() {
        const starting = yield* Peer.start(socket, { direction, remote, config: peerConfig })
        const inbox = yield* starting.subscribe()
        const peer = yield* Effect.tapError(starting.connected, () =>
          Effect.flatMap(starting.awaitDisconnect, (reason) =>
            Effect.zipRight(
              Metric.increment(Metric.tagged(Metric.tagged(handshakeFailed, "direction", direction), "reason", reason._tag)),
              registry.report(PeerEvent.HandshakeFailed({ remote: starting.remote, direction, reason }))
            )))
        return { inbox, peer }
      })

    /** An inbound connection closed before a peer starts on it: counted and reported. */
    const refuse = (remote: NetAddress.NetAddressFields, reason: RefusalReason) =>
      Effect.zipRight(
        Metric.increment(Metric.tagged(inboundRefused, "reason", reason)),
        registry.report(PeerEvent.InboundRefused({ remote: NetAddress.toString(remote), reason }))
      )

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

    const onInbound = ({ remote, socket }: { readonly socket: Socket.Socket; readonly remote: NetAddress.NetAddressFields }) =>
      Effect.gen(function*() {
        // Refused connections are closed by the transport when this handler returns.
        // The ban check first: nothing may run between the count check and the increment.
        const banned = yield* book.isBanned(remote)
        if (banned || inboundCount >= config.maxInbound) return yield* refuse(remote, banned ? "Banned" : "NoSlot")
        inboundCount++
        yield* Effect.gen(function*() {
          const { inbox, peer } = yield* startPeer(socket, "inbound", remote)
          yield* withAddressInUse(remote, undefined, runPeer(peer, inbox, remote, false))
        }).pipe(Effect.ignore, Effect.ensuring(Effect.sync(() => inboundCount--)))
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
