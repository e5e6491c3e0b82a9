/**
 * Bitcoin Core's address policy behind `AddressRelay.layer`.
 *
 * @internal
 */
import * as Chunk from "effect/Chunk"
import * as Clock from "effect/Clock"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import * as Random from "effect/Random"
import * as Runtime from "effect/Runtime"
import * as Schedule from "effect/Schedule"
import * as Intervals from "effect/ScheduleIntervals"
import * as ScheduleDecision from "effect/ScheduleDecision"
import * as Scope from "effect/Scope"
import { type AddressBookShape, isRoutable } from "../../network/AddressBook.js"
import type { AddressRelayShape } from "../../network/AddressRelay.js"
import * as NetworkConfig from "../../network/NetworkConfig.js"
import type { PeerEntry, PeerRegistryShape, Received } from "../../network/PeerRegistry.js"
import type * as Peer from "../../peer/Peer.js"
import * as PeerConfig from "../../peer/PeerConfig.js"
import * as Message from "../../wire/Message.js"
import * as NetAddress from "../../wire/NetAddress.js"
import { Alarm, timerOf } from "../peer/Alarm.js"
import { withPlainHooks } from "./plainHooks.js"

/** Announcements of at most this many addresses are relayed (Bitcoin Core: 10). */
const RELAY_MAX_ADDRESSES = 10
/** Only addresses seen in the last 10 minutes are relayed (Bitcoin Core). */
const RELAY_MAX_AGE_SECONDS = 600
/**
 * Each relayed announcement goes to this many other peers: 2 for a network we
 * reach, 1 or 2 at random for one we cannot (Bitcoin Core's RelayAddress).
 */
const RELAY_FANOUT = 2
/** Most addresses in a `getaddr` answer (Bitcoin Core: MAX_ADDR_TO_SEND). */
const GETADDR_MAX = 1000

/**
 * How long a newly connected peer waits before its `advertiseSchedule` takes
 * its first step (as of when it connected): the self-advertisements come a day
 * apart, and most short connections end before this, costing no step at all.
 */
const NEWCOMER_STEP_DELAY_MILLIS = 1000

/** Most addresses queued for one peer's next trickle (Bitcoin Core: MAX_ADDR_TO_SEND); a random one is replaced past it. */
const TRICKLE_MAX = 1000

/**
 * The book's key for a peer's gossip: its host, without the port, so that
 * the rate limit holds across reconnects and source ports (the book keeps it
 * after the peer leaves, bounded), and the source group is the host's.
 */
const peerKey = (p: Peer.Peer) => p.remote.slice(0, p.remote.lastIndexOf(":"))

/** Addresses `addr` (v1) can carry: IPv4 and IPv6. Others go only to peers that asked for `addrv2` (Core's IsAddrCompatible). */
const carriedBy = (wantsV2: boolean) => (a: NetAddress.NetAddressFields) =>
  wantsV2 || a.network === NetAddress.NetworkId.IPv4 || a.network === NetAddress.NetworkId.IPv6

/** The addresses `peer` can be sent. */
const compatible = <A extends NetAddress.NetAddressFields>(peer: Peer.Peer, addresses: ReadonlyArray<A>) =>
  Effect.map(peer.stats, (s) => addresses.filter(carriedBy(s.remoteWantsAddrV2)))

/** A connected peer's relayed addresses waiting for its next trickle. */
interface TrickleSlot {
  queue: Array<NetAddress.TimedNetAddressFields>
  /** A trickle fiber is waiting to send `queue` (or the schedule ended). */
  sending: boolean
  /** The peer's `addrTrickleSchedule`, made when its first address is queued. */
  driver: Schedule.ScheduleDriver<unknown, unknown, never> | undefined
  /** The peer's scope (the registry's, closed when it disconnects): its trickle fiber runs there. */
  readonly scope: Scope.Scope
}

/** A connected peer's periodic self-advertisement: its `advertiseSchedule` state and next due time. */
interface Advert {
  readonly peer: Peer.Peer
  state: unknown
  /** The next advertisement; before the first step, when the peer connected (the time it is stepped from). */
  dueAt: number
  /** Whether the schedule took its first step. */
  stepped: boolean
}

/** @internal */
export const make = (
  registry: PeerRegistryShape,
  book: AddressBookShape,
  partial: Partial<NetworkConfig.NetworkConfigShape>,
  reachable: ReadonlySet<number> | undefined
): Effect.Effect<AddressRelayShape, never, Scope.Scope> =>
  Effect.gen(function*() {
    const config = NetworkConfig.make(partial)
    const isReachable = (a: NetAddress.NetAddressFields) => reachable === undefined || reachable.has(a.network)
    const services = PeerConfig.make(config.peer).services
    const answered = new Set<number>()
    /** The network each connected peer came over, for the per-network `getaddr` cache. */
    const networkOf = new Map<number, number>()
    /** Addresses waiting for each peer's next trickle, and the state of its trickle (`TrickleSlot`). */
    const pending = new Map<number, TrickleSlot>()
    /** One `getaddr` answer per network of the asking peer, reused until it expires. */
    const getAddrCache = new Map<number, { readonly addresses: ReadonlyArray<NetAddress.TimedNetAddressFields>; readonly expiresAt: number }>()
    const stats = { getAddrAnswered: 0, announcementsRelayed: 0, selfAdvertisements: 0 }

    const nowSeconds = Effect.map(Clock.currentTimeMillis, (ms) => Math.floor(ms / 1000))

    /** Our addresses stamped now: where we listen, and the configured external ones (an onion service). */
    const self = Effect.zipWith(registry.listenAddress, nowSeconds, (listen, time) => {
      const own = Option.isSome(listen) ? [listen.value, ...config.externalAddresses] : config.externalAddresses
      return own.map((a): NetAddress.TimedNetAddressFields => ({ ...a, services, time }))
    })
    const ownKeys = Effect.map(registry.listenAddress, (listen) =>
      new Set([...Option.toArray(listen), ...config.externalAddresses].map(NetAddress.toString)))

    /**
     * Queues routable, fresh addresses (those the sender's rate limit let
     * through) for two other peers' next trickle, as Core's RelayAddress: a
     * flood from one peer reaches others no faster than its limit and the
     * trickle allow.
     */
    const relay = (from: Peer.Peer, addresses: ReadonlyArray<NetAddress.TimedNetAddressFields>) =>
      Effect.gen(function*() {
        const now = yield* nowSeconds
        const fresh = addresses.filter((a) => Math.abs(now - a.time) <= RELAY_MAX_AGE_SECONDS && (config.relayUnroutable || isRoutable(a)))
        if (fresh.length === 0) return
        // Per address, as Core: to peers that can carry it (addrv2 for onion, I2P, CJDNS), and to
        // fewer peers (1 or 2) for a network we cannot reach; queued for each peer's next trickle.
        const others = (yield* registry.peers).filter((p) => p.id !== from.id && pending.has(p.id))
        const shuffled = Chunk.toReadonlyArray(yield* Random.shuffle(others))
        const wantsV2 = yield* Effect.forEach(shuffled, (p) => Effect.map(p.stats, (s) => s.remoteWantsAddrV2))
        let relayed = false
        for (const address of fresh) {
          const fanout = isReachable(address) || (yield* Random.nextBoolean) ? RELAY_FANOUT : 1
          // The first `fanout` peers of the shuffle still connected when reached: one may have left at any
          // yield since `others` was taken (the shuffle, a random pick, a fork, the fiber's yield after 2,048
          // operations), its queue gone; it is passed over and its place goes to the next one.
          let chosen = 0
          for (let i = 0; i < shuffled.length && chosen < fanout; i++) {
            const p = shuffled[i]!
            const slot = pending.get(p.id)
            if (slot === undefined || !carriedBy(wantsV2[i]!)(address)) continue
            chosen++
            const queue = slot.queue
            if (queue.length < TRICKLE_MAX) queue.push(address)
            else queue[yield* Random.nextIntBetween(0, TRICKLE_MAX)] = address
            if (!slot.sending) {
              slot.sending = true
              yield* Effect.forkIn(trickle(p, slot), slot.scope)
            }
            relayed = true
          }
        }
        if (relayed) stats.announcementsRelayed++
      })

    /**
     * Sends a peer's queued relays one `addrTrickleSchedule` delay after the
     * first of them was queued. Forked in the peer's scope by `relay` when the
     * first address is queued, and done once it has sent them: no fiber, and
     * no timer, exists while nothing waits, so a connection that never gets a
     * relay (most of churn) costs no fiber, and an idle link no wake-ups (a
     * simulated swarm under the TestClock pays for each one). The driver is
     * the peer's for its whole connection, so the delays follow the schedule
     * (and its jitter) exactly as one long-lived loop would. When the schedule
     * ends, `sending` stays set: nothing more is sent to that peer.
     */
    const trickle = (peer: Peer.Peer, slot: TrickleSlot) =>
      Effect.gen(function*() {
        slot.driver ??= yield* Schedule.driver(config.addrTrickleSchedule)
        yield* slot.driver.next(undefined)
        const queue = slot.queue
        slot.queue = []
        slot.sending = false
        if (queue.length > 0) yield* Effect.ignore(peer.pushAddresses(queue))
      }).pipe(Effect.ignore)

    /** The answer to `getaddr` from a peer on `network`: cached for a randomised ~21–27 h, as Core. */
    const getAddrAnswer = (network: number) =>
      Effect.gen(function*() {
        const now = yield* Clock.currentTimeMillis
        const cached = getAddrCache.get(network)
        if (cached !== undefined && cached.expiresAt > now) return cached.addresses
        const sample = yield* book.sample(GETADDR_MAX)
        const addresses = sample.map((e) => ({ network: e.network, address: e.address, port: e.port, services: e.services, time: e.lastSeen }))
        // Core: 21 h plus up to 6 h; here the configured lifetime plus up to 2/7 of it.
        const lifetime = Duration.toMillis(config.getAddrCacheLifetime)
        const expiresAt = now + lifetime + (yield* Random.nextIntBetween(0, Math.floor(lifetime * 2 / 7) + 1))
        getAddrCache.set(network, { addresses, expiresAt })
        return addresses
      })

    /**
     * Announces our address again to each peer on `advertiseSchedule`,
     * resetting the peer's known-address filter first (as Bitcoin Core does):
     * relays die out where both chosen peers already had an address, and
     * without the reset no address, ours included, could ever cross this link
     * again.
     *
     * Every peer's due time on one `Alarm` (the peer's own timer shape: on the
     * live clock a plain timer, and a fiber only for a ring), not a fiber per
     * peer: each peer keeps its own schedule state and due time, stepped
     * exactly as a `Schedule.driver` would, from connect and then from each
     * advertisement. A newcomer is not stepped when it connects: the ring
     * `NEWCOMER_STEP_DELAY_MILLIS` after its connection steps it as of its
     * connection (a ring sooner, for another peer, leaves it), so its times are
     * the same unless its first advertisement was due sooner than that (it
     * then waits for that ring). A connection that lives less than that
     * (churn: a dialer that closes once connected, a crawler) costs a map
     * entry, not a schedule step, a fiber and a timer.
     */
    const adverts = new Map<number, Advert>()
    const clock = yield* Effect.clock
    const runFork = Runtime.runFork(yield* Effect.runtime<never>())
    const alarm = new Alarm(
      () => clock.unsafeCurrentTimeMillis(),
      (effect) => runFork(effect, { immediate: false }),
      (t) => ringAdverts(t),
      undefined,
      timerOf(clock)
    )
    yield* Effect.addFinalizer(() => alarm.stop)

    /** Steps `advert`'s schedule from `now`: its next due time, or removed when the schedule is done. */
    const step = (advert: Advert, now: number) =>
      Effect.map(config.advertiseSchedule.step(now, undefined, advert.state), ([state, _, decision]) => {
        advert.state = state
        advert.stepped = true
        if (ScheduleDecision.isDone(decision)) adverts.delete(advert.peer.id)
        else advert.dueAt = Intervals.start(decision.intervals)
      })

    const advertise = (peer: Peer.Peer) =>
      Effect.gen(function*() {
        const addresses = yield* compatible(peer, yield* self)
        if (addresses.length === 0) return
        stats.selfAdvertisements++
        yield* peer.advertiseAddresses(addresses)
      }).pipe(Effect.ignore)

    /** When `advert` next needs the ring: a newcomer a second after it connected, a stepped peer when due. */
    const wantedAt = (a: Advert): number => a.stepped ? a.dueAt : a.dueAt + NEWCOMER_STEP_DELAY_MILLIS

    /**
     * The alarm's ring at `t`: newcomers connected a second ago or more stepped
     * from their connection, then every peer due advertised and stepped from
     * now. Returns the earliest time the ring is wanted again.
     */
    const ringAdverts = (t: number): Effect.Effect<number> =>
      Effect.gen(function*() {
        for (const a of Array.from(adverts.values())) {
          if (adverts.get(a.peer.id) !== a) continue
          if (!a.stepped) {
            if (wantedAt(a) <= t) yield* step(a, a.dueAt)
          } else if (a.dueAt <= t) {
            yield* advertise(a.peer)
            yield* step(a, yield* Clock.currentTimeMillis)
          }
        }
        let next = Infinity
        for (const a of adverts.values()) next = Math.min(next, wantedAt(a))
        return next
      })

    /** Registers a newly connected peer for periodic advertisement, to be stepped from now by a later ring. */
    const startAdvertising = (peer: Peer.Peer) => {
      const now = clock.unsafeCurrentTimeMillis()
      adverts.set(peer.id, { peer, state: config.advertiseSchedule.initial, dueAt: now, stepped: false })
      alarm.wakeBy(now + NEWCOMER_STEP_DELAY_MILLIS)
    }

    /** Forgets a departed peer. */
    const forget = (id: number) => {
      answered.delete(id)
      pending.delete(id)
      adverts.delete(id)
      networkOf.delete(id)
    }

    /**
     * A peer connected: its relay queue (trickles fork into `scope`, the
     * peer's), its network, its advertisements; an outbound one is greeted
     * (the effect returned). Called directly by this package's registry
     * (`plainHooks.ts`), by `onConnected` under any other.
     */
    const connected = (
      { address: remote, peer }: PeerEntry,
      scope: Scope.Scope,
      listen: Option.Option<NetAddress.NetAddressFields>
    ): Effect.Effect<void> | undefined => {
      // The rate-limit state is kept (per host, bounded by the book): reconnecting must not refill it.
      pending.set(peer.id, { queue: [], sending: false, driver: undefined, scope })
      networkOf.set(peer.id, remote.network)
      // As Bitcoin Core (MaybeSendAddr): the periodic advertisement goes to every peer, inbound
      // too, so every link's filter is reset from both ends.
      const advertising = Option.isSome(listen) || config.externalAddresses.length > 0
      if (advertising) startAdvertising(peer)
      return peer.direction === "outbound" ? Effect.flatMap(self, (own) => greetOutbound(peer, own)) : undefined
    }

    const onConnected = (entry: PeerEntry) =>
      Effect.flatMap(Effect.scope, (scope) =>
        // On the scope itself: forgetting the peer needs none of the fiber refs `Effect.addFinalizer`
        // captures and restores around its finalizer. Added before the entries are set, so an
        // interruption between the two leaves nothing behind.
        Effect.zipRight(
          Scope.addFinalizer(scope, Effect.sync(() => forget(entry.peer.id))),
          Effect.flatMap(registry.listenAddress, (listen) => connected(entry, scope, listen) ?? Effect.void)
        ))

    /**
     * What a newly connected outbound peer gets at once: our addresses (and
     * `getaddr`). An onion address goes only to a peer that asked for addrv2:
     * addr (v1) cannot carry it.
     */
    const greetOutbound = (peer: Peer.Peer, own: ReadonlyArray<NetAddress.TimedNetAddressFields>): Effect.Effect<void> =>
      Effect.gen(function*() {
        // Tell an outbound peer where we listen at once, so the network can find us.
        const addresses = yield* compatible(peer, own)
        if (addresses.length > 0) {
          stats.selfAdvertisements++
          yield* Effect.ignore(peer.pushAddresses(addresses))
        }
        if (config.sendGetAddr) yield* Effect.ignore(peer.send(Message.GetAddr.make({})))
      })

    const onMessage = ({ message, peer }: Received): Effect.Effect<void> => {
      switch (message._tag) {
        case "GetAddr":
          // As Bitcoin Core: answer inbound peers only, once per connection, so an
          // outbound peer cannot fingerprint us through our address book.
          if (!config.answerGetAddr || peer.direction !== "inbound" || answered.has(peer.id)) return Effect.void
          answered.add(peer.id)
          stats.getAddrAnswered++
          // As Core, no network filter (the book holds only reachable networks); only what the asker can decode.
          return Effect.flatMap(getAddrAnswer(networkOf.get(peer.id) ?? NetAddress.NetworkId.IPv4), (answer) =>
            Effect.flatMap(compatible(peer, answer), (addresses) => Effect.ignore(peer.pushAddresses(addresses))))
        case "Addr":
        case "AddrV2":
          return Effect.gen(function*() {
            const own = yield* ownKeys
            const offered = message.addresses.filter((a) => !own.has(NetAddress.toString(a)))
            // As Core: addresses of networks we cannot reach are relayed but not stored ("Do not
            // store addresses outside our network", net_processing.cpp), so we never pick them.
            const addresses = offered.filter(isReachable)
            const unreachable = offered.filter((a) => !isReachable(a))
            // Unreachable ones take tokens from the same bucket (as in Core, every address of the
            // message does): otherwise small announcements of them would be relayed without limit.
            const summary = yield* book.addFromPeer(peerKey(peer), addresses, unreachable.length)
            // As Bitcoin Core: small, fresh announcements (self-advertisements) are relayed
            // to two other peers, which is how a new listener becomes known network-wide;
            // only what the sender's rate limit let through (reachable ones are charged first).
            if (message.addresses.length <= RELAY_MAX_ADDRESSES) {
              const allowed = addresses.length + unreachable.length - summary.rateLimited
              const reachableAllowed = Math.min(addresses.length, allowed)
              yield* relay(peer, [...addresses.slice(0, reachableAllowed), ...unreachable.slice(0, allowed - reachableAllowed)])
            }
          })
        default:
          return Effect.void
      }
    }

    yield* registry.addHandler(withPlainHooks({ onConnected, onMessage }, {
      connected,
      disconnected: (entry) => forget(entry.peer.id)
    }))
    return { stats: Effect.sync(() => ({ ...stats })) }
  })
