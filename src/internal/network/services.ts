import type * as Socket from "@effect/platform/Socket"
import * as Chunk from "effect/Chunk"
import * as Clock from "effect/Clock"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Deferred from "effect/Deferred"
import * as FiberSet from "effect/FiberSet"
import * as Mailbox from "effect/Mailbox"
import * as Option from "effect/Option"
import * as PubSub from "effect/PubSub"
import * as Random from "effect/Random"
import * as Schedule from "effect/Schedule"
import * as Scope from "effect/Scope"
import * as Stream from "effect/Stream"
import * as AddressBook from "../../network/AddressBook.js"
import { PeerEvent, type ConnectorShape } from "../../network/Connector.js"
import { describe, DisconnectReason, isMisbehaviour, PeerError } from "../../peer/DisconnectReason.js"
import type { DispatcherShape, Received } from "../../network/Dispatcher.js"
import { DnsResolver } from "../../network/DnsResolver.js"
import * as Frame from "../../wire/Frame.js"
import * as Message from "../../wire/Message.js"
import * as NetAddress from "../../wire/NetAddress.js"
import type { NetworkConfigShape } from "../../network/NetworkConfig.js"
import * as Peer from "../../peer/Peer.js"
import * as PeerConfig from "../../peer/PeerConfig.js"
import type { Transport, TransportError } from "../../network/Transport.js"
import { Subscribers } from "../peer/Subscribers.js"

/** Announcements of at most this many addresses are relayed (Bitcoin Core: 10). */
const RELAY_MAX_ADDRESSES = 10
/** Only addresses seen in the last 10 minutes are relayed (Bitcoin Core). */
const RELAY_MAX_AGE_SECONDS = 600
/** Each relayed announcement goes to this many other peers (Bitcoin Core: 2 for reachable networks). */
const RELAY_FANOUT = 2

interface Managed {
  readonly peer: Peer.Peer
  readonly manual: boolean
  readonly address: NetAddress.NetAddressFields
}

/**
 * The running node behind the Connector and Dispatcher services: one
 * registry of peers, one message bus, one event hub.
 *
 * @internal
 */
export const makeNode = (
  config: NetworkConfigShape,
  book: AddressBook.AddressBook.Service,
  transport: Transport["Type"]
): Effect.Effect<{ readonly connector: ConnectorShape; readonly dispatcher: DispatcherShape }, TransportError, Scope.Scope> =>
  Effect.gen(function*() {
    // One nonce registry per node: our own nodes in one process may connect to each other.
    const peerConfig = PeerConfig.make({ nonceRegistry: PeerConfig.makeNonceRegistry(), ...config.peer })
    const params = peerConfig.params
    const registry = new Map<number, Managed>()
    /** host:port of every address we are connected or connecting to (outbound and inbound). */
    const inUse = new Set<string>()
    /** Network groups of automatic outbound peers: at most one each. */
    const outboundGroups = new Map<string, number>()
    let inboundCount = 0
    const bus = new Subscribers<Received>((r) => r.message._tag)
    const events = yield* PubSub.unbounded<PeerEvent>()
    const fibers = yield* FiberSet.make()
    const dns = yield* Effect.serviceOption(DnsResolver)
    let lastSeed = Number.NEGATIVE_INFINITY
    const answeredGetAddr = new Set<number>()

    /**
     * The book's key for a peer's gossip: its `host:port`, from which the book derives the
     * source's network group (one group's gossip reaches only a few buckets). The rate-limit
     * state under this key is dropped when the peer disconnects.
     */
    const peerKey = (p: Peer.Peer) => p.remote
    let listenKey: string | undefined
    let listenAddress: NetAddress.NetAddressFields | undefined

    const relayAddresses = (from: Peer.Peer, addresses: ReadonlyArray<NetAddress.TimedNetAddressFields>) =>
      Effect.gen(function*() {
        const nowSeconds = Math.floor((yield* Clock.currentTimeMillis) / 1000)
        const fresh = addresses.filter((a) => Math.abs(nowSeconds - a.time) <= RELAY_MAX_AGE_SECONDS)
        if (fresh.length === 0) return
        const others = Array.from(registry.values(), (x) => x.peer).filter((p) => p.id !== from.id)
        const chosen = Chunk.toReadonlyArray(yield* Random.shuffle(others)).slice(0, RELAY_FANOUT)
        for (const p of chosen) yield* Effect.ignore(p.pushAddresses(fresh))
      })

    /**
     * Announces our address again on `advertiseSchedule`, past the peer's
     * known-address filter (which would skip a repeat): relays of the first
     * announcement die out, and a fresh timestamp keeps it spreading.
     */
    const readvertise = (peer: Peer.Peer) =>
      Effect.gen(function*() {
        const driver = yield* Schedule.driver(config.advertiseSchedule)
        for (;;) {
          yield* driver.next(undefined)
          if (listenAddress === undefined) return
          const time = Math.floor((yield* Clock.currentTimeMillis) / 1000)
          const self = [{ ...listenAddress, services: peerConfig.services, time }]
          const wantsV2 = (yield* peer.stats).remoteWantsAddrV2
          yield* Effect.ignore(peer.send(wantsV2 ? Message.AddrV2.make({ addresses: self }) : Message.Addr.make({ addresses: self })))
        }
      }).pipe(Effect.ignore)

    /** Tells an outbound peer where we listen, so the network can find us. */
    const advertiseSelf = (peer: Peer.Peer) =>
      Effect.gen(function*() {
        if (listenAddress === undefined) return
        const time = Math.floor((yield* Clock.currentTimeMillis) / 1000)
        yield* Effect.ignore(peer.pushAddresses([{ ...listenAddress, services: peerConfig.services, time }]))
      })

    /** Protocol duties of the node, then the bus. */
    const forward = (m: Managed, inbox: Stream.Stream<Message.NetworkMessage, PeerError>) =>
      inbox.pipe(
        Stream.runForEach((message) =>
          Effect.gen(function*() {
            switch (message._tag) {
              case "GetAddr":
                // As Bitcoin Core: answer inbound peers only, once per connection, so an
                // outbound peer cannot fingerprint us through our address book.
                if (config.answerGetAddr && m.peer.direction === "inbound" && !answeredGetAddr.has(m.peer.id)) {
                  answeredGetAddr.add(m.peer.id)
                  const sample = yield* book.sample(1000)
                  yield* Effect.ignore(m.peer.pushAddresses(sample.map((e) => ({ ...e, time: e.lastSeen }))))
                }
                break
              case "Addr":
              case "AddrV2": {
                const own = listenKey
                const addresses = own === undefined ? message.addresses : message.addresses.filter((a) => NetAddress.toString(a) !== own)
                yield* book.addFromPeer(peerKey(m.peer), addresses)
                // As Bitcoin Core: small, fresh announcements (self-advertisements) are relayed
                // to two other peers, which is how a new listener becomes known network-wide.
                if (message.addresses.length <= RELAY_MAX_ADDRESSES) yield* relayAddresses(m.peer, message.addresses)
                break
              }
            }
            bus.publish({ peer: m.peer, message })
          })
        ),
        Effect.catchAll((e) => m.peer.disconnect(`dispatcher could not keep up: ${e.message}`))
      )

    /** Runs a connected peer until it ends: registry, events, duties, bans. */
    const runPeer = (
      peer: Peer.Peer,
      inbox: Stream.Stream<Message.NetworkMessage, PeerError>,
      address: NetAddress.NetAddressFields,
      manual: boolean
    ) =>
      Effect.gen(function*() {
        const managed: Managed = { peer, manual, address }
        registry.set(peer.id, managed)
        yield* PubSub.publish(events, PeerEvent.Connected({ peer, info: peer.info, manual }))
        yield* Effect.annotateLogs(Effect.logDebug("peer connected"), { peer: peer.remote, direction: peer.direction })
        yield* Effect.forkScoped(forward(managed, inbox))
        if (peer.direction === "outbound") {
          yield* advertiseSelf(peer)
          if (config.sendGetAddr) yield* Effect.ignore(peer.send(Message.GetAddr.make({})))
          if (listenAddress !== undefined) yield* Effect.forkScoped(readvertise(peer))
        }
        const reason = yield* peer.awaitDisconnect
        registry.delete(peer.id)
        answeredGetAddr.delete(peer.id)
        yield* book.forgetPeer(peerKey(peer))
        const banned = isMisbehaviour(reason)
        if (banned) yield* book.ban(address, config.banDuration, describe(reason))
        yield* Effect.annotateLogs(Effect.logDebug("peer disconnected"), { peer: peer.remote, reason: describe(reason) })
        yield* PubSub.publish(events, PeerEvent.Disconnected({ id: peer.id, remote: peer.remote, direction: peer.direction, reason, banned }))
        return reason
      })

    /** Starts a peer, subscribing before its handshake so that no message after verack is missed. */
    const startPeer = (socket: Socket.Socket, direction: Peer.Direction, remote: NetAddress.NetAddressFields) =>
      Effect.gen(function*() {
        const starting = yield* Peer.start(socket, { direction, remote, config: peerConfig })
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

    const maybeSeed = Effect.gen(function*() {
      if (Option.isNone(dns) || params.dnsSeeds.length === 0) return
      const now = yield* Clock.currentTimeMillis
      if (now - lastSeed < Duration.toMillis(Duration.minutes(5))) return
      lastSeed = now
      yield* AddressBook.seedFromDns(params, { threshold: config.dnsSeedThreshold }).pipe(
        Effect.provideService(AddressBook.AddressBook, book),
        Effect.provideService(DnsResolver, dns.value)
      )
    })

    /** One automatic outbound slot: pick, connect, run, replace; forever. */
    const outboundSlot = Effect.gen(function*() {
      const driver = yield* Schedule.driver(config.retrySchedule)
      const backoff = Effect.catchAll(driver.next(undefined), () => Effect.zipRight(driver.reset, Effect.sleep(Duration.seconds(1))))
      for (;;) {
        const candidate = yield* book.select({
          excludeKeys: inUse,
          excludeGroups: outboundGroups.keys(),
          excludeBanned: true
        })
        if (Option.isNone(candidate)) {
          yield* maybeSeed
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
        if ((yield* book.isBanned(remote)) || inboundCount >= config.maxInbound) return
        inboundCount++
        yield* Effect.gen(function*() {
          const { inbox, peer } = yield* startPeer(socket, "inbound", remote)
          yield* withAddressInUse(remote, undefined, runPeer(peer, inbox, remote, false))
        }).pipe(Effect.ignore, Effect.ensuring(Effect.sync(() => inboundCount--)))
      })

    listenAddress = config.listen === undefined
      ? undefined
      : yield* transport.listen(config.listen.host, config.listen.port, onInbound)
    listenKey = listenAddress === undefined ? undefined : NetAddress.toString(listenAddress)

    // Start the slots and manual peers.
    if (!config.connectOnly) {
      for (let i = 0; i < config.targetOutbound; i++) yield* FiberSet.run(fibers, outboundSlot)
    }
    for (const address of config.manualPeers) yield* FiberSet.run(fibers, manualLoop(address))

    const peers = Effect.sync(() => Array.from(registry.values(), (m) => m.peer))

    const connector: ConnectorShape = {
      peers,
      peer: (id) => Effect.sync(() => registry.get(id)?.peer),
      connect: (address) =>
        Effect.gen(function*() {
          const ready = yield* Deferred.make<Peer.Peer, TransportError | PeerError>()
          yield* FiberSet.run(
            fibers,
            withAddressInUse(address, undefined, outbound(address, false, (p) => Deferred.succeed(ready, p))).pipe(
              Effect.tapError((e) => Deferred.fail(ready, e)),
              // Only the node's shutdown interrupts these fibers: the caller must not wait forever.
              Effect.onInterrupt(() =>
                Deferred.fail(ready, new PeerError({ reason: "Disconnected", disconnect: DisconnectReason.Shutdown(), detail: "network layer closed" }))
              )
            )
          )
          return yield* Deferred.await(ready)
        }),
      addManual: (address) => Effect.asVoid(FiberSet.run(fibers, manualLoop(address))),
      listenAddress,
      subscribeEvents: Effect.map(PubSub.subscribe(events), (q) => Stream.fromQueue(q)),
      events: Stream.fromPubSub(events)
    }

    const register = (tags: ReadonlyArray<string>) =>
      Effect.acquireRelease(
        Effect.gen(function*() {
          const mailbox = yield* Mailbox.make<Received, PeerError>({ capacity: config.subscriberBuffer, strategy: "dropping" })
          return { mailbox, remove: bus.add(tags.length === 0 ? undefined : new Set(tags), mailbox) }
        }),
        ({ remove }) => Effect.sync(remove)
      ).pipe(Effect.map(({ mailbox }) => Mailbox.toStream(mailbox)))

    const sendTo = (id: number, message: Frame.Sendable) =>
      Effect.suspend(() => {
        const m = registry.get(id)
        return m === undefined
          ? Effect.fail(new PeerError({ reason: "Disconnected", detail: `no peer ${id}` }))
          : m.peer.send(message)
      })

    const sendToMany = (ids: Iterable<number>, message: Frame.Sendable) =>
      Effect.suspend(() => {
        const prepared = Frame.isPrepared(message) ? message : Frame.prepare(message)
        return Effect.reduce(ids, 0, (n, id) => Effect.match(sendTo(id, prepared), { onFailure: () => n, onSuccess: () => n + 1 }))
      })

    const dispatcher: DispatcherShape = {
      subscribe: ((...tags: Array<string>) => register(tags)) as DispatcherShape["subscribe"],
      messages: ((...tags: Array<string>) => Stream.unwrapScoped(register(tags))) as DispatcherShape["messages"],
      sendTo,
      sendToMany,
      broadcast: (message, filter) =>
        Effect.suspend(() => sendToMany(Array.from(registry.values()).filter((m) => filter === undefined || filter(m.peer)).map((m) => m.peer.id), message))
    }

    yield* Effect.addFinalizer(() => Effect.sync(() => bus.endAll()))
    return { connector, dispatcher }
  })
