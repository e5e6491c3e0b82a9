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
import * as Schedule from "effect/Schedule"
import type * as Scope from "effect/Scope"
import { type AddressBookShape, isRoutable } from "../../network/AddressBook.js"
import type { AddressRelayShape } from "../../network/AddressRelay.js"
import * as NetworkConfig from "../../network/NetworkConfig.js"
import type { PeerEntry, PeerRegistryShape, Received } from "../../network/PeerRegistry.js"
import type * as Peer from "../../peer/Peer.js"
import * as PeerConfig from "../../peer/PeerConfig.js"
import * as Message from "../../wire/Message.js"
import * as NetAddress from "../../wire/NetAddress.js"

/** Announcements of at most this many addresses are relayed (Bitcoin Core: 10). */
const RELAY_MAX_ADDRESSES = 10
/** Only addresses seen in the last 10 minutes are relayed (Bitcoin Core). */
const RELAY_MAX_AGE_SECONDS = 600
/** Each relayed announcement goes to this many other peers (Bitcoin Core: 2 for reachable networks). */
const RELAY_FANOUT = 2
/** Most addresses in a `getaddr` answer (Bitcoin Core: MAX_ADDR_TO_SEND). */
const GETADDR_MAX = 1000

/** Most addresses queued for one peer's next trickle (Bitcoin Core: MAX_ADDR_TO_SEND); a random one is replaced past it. */
const TRICKLE_MAX = 1000

/**
 * The book's key for a peer's gossip: its host, without the port, so that
 * the rate limit holds across reconnects and source ports (the book keeps it
 * after the peer leaves, bounded), and the source group is the host's.
 */
const peerKey = (p: Peer.Peer) => p.remote.slice(0, p.remote.lastIndexOf(":"))

/** @internal */
export const make = (
  registry: PeerRegistryShape,
  book: AddressBookShape,
  partial: Partial<NetworkConfig.NetworkConfigShape>
): Effect.Effect<AddressRelayShape, never, Scope.Scope> =>
  Effect.gen(function*() {
    const config = NetworkConfig.make(partial)
    const services = PeerConfig.make(config.peer).services
    const answered = new Set<number>()
    /** The network each connected peer came over, for the per-network `getaddr` cache. */
    const networkOf = new Map<number, number>()
    /** Addresses waiting for each peer's next trickle. */
    const pending = new Map<number, Array<NetAddress.TimedNetAddressFields>>()
    /** One `getaddr` answer per network of the asking peer, reused until it expires. */
    const getAddrCache = new Map<number, { readonly addresses: ReadonlyArray<NetAddress.TimedNetAddressFields>; readonly expiresAt: number }>()
    const stats = { getAddrAnswered: 0, announcementsRelayed: 0, selfAdvertisements: 0 }

    const nowSeconds = Effect.map(Clock.currentTimeMillis, (ms) => Math.floor(ms / 1000))

    /** Our listen address stamped now, if we listen. */
    const self = Effect.gen(function*() {
      const listen = yield* registry.listenAddress
      if (Option.isNone(listen)) return undefined
      return { ...listen.value, services, time: yield* nowSeconds }
    })

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
        const others = (yield* registry.peers).filter((p) => p.id !== from.id && pending.has(p.id))
        const chosen = Chunk.toReadonlyArray(yield* Random.shuffle(others)).slice(0, RELAY_FANOUT)
        if (chosen.length > 0) stats.announcementsRelayed++
        for (const p of chosen) {
          const queue = pending.get(p.id)!
          for (const a of fresh) {
            if (queue.length < TRICKLE_MAX) queue.push(a)
            else queue[yield* Random.nextIntBetween(0, TRICKLE_MAX)] = a
          }
        }
      })

    /** Sends a peer's queued relays on `addrTrickleSchedule`, for as long as it is connected. */
    const trickle = (peer: Peer.Peer) =>
      Effect.gen(function*() {
        const driver = yield* Schedule.driver(config.addrTrickleSchedule)
        for (;;) {
          yield* driver.next(undefined)
          const queue = pending.get(peer.id)
          if (queue === undefined || queue.length === 0) continue
          pending.set(peer.id, [])
          yield* Effect.ignore(peer.pushAddresses(queue))
        }
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
     * Announces our address again on `advertiseSchedule`, resetting the peer's
     * known-address filter first (as Bitcoin Core does): relays die out where
     * both chosen peers already had an address, and without the reset no
     * address, ours included, could ever cross this link again.
     */
    const readvertise = (peer: Peer.Peer) =>
      Effect.gen(function*() {
        const driver = yield* Schedule.driver(config.advertiseSchedule)
        for (;;) {
          yield* driver.next(undefined)
          const address = yield* self
          if (address === undefined) return
          stats.selfAdvertisements++
          yield* Effect.ignore(peer.advertiseAddress(address))
        }
      }).pipe(Effect.ignore)

    const onConnected = ({ address: remote, peer }: PeerEntry) =>
      Effect.gen(function*() {
        // The rate-limit state is kept (per host, bounded by the book): reconnecting must not refill it.
        pending.set(peer.id, [])
        networkOf.set(peer.id, remote.network)
        yield* Effect.addFinalizer(() => Effect.sync(() => {
          answered.delete(peer.id)
          pending.delete(peer.id)
          networkOf.delete(peer.id)
        }))
        yield* Effect.forkScoped(trickle(peer))
        const address = yield* self
        if (peer.direction === "outbound") {
          // Tell an outbound peer where we listen at once, so the network can find us.
          if (address !== undefined) {
            stats.selfAdvertisements++
            yield* Effect.ignore(peer.pushAddresses([address]))
          }
          if (config.sendGetAddr) yield* Effect.ignore(peer.send(Message.GetAddr.make({})))
        }
        // As Bitcoin Core (MaybeSendAddr): the periodic advertisement goes to every peer, inbound
        // too, so every link's filter is reset from both ends.
        if (address !== undefined) yield* Effect.forkScoped(readvertise(peer))
      })

    const onMessage = ({ message, peer }: Received): Effect.Effect<void> => {
      switch (message._tag) {
        case "GetAddr":
          // As Bitcoin Core: answer inbound peers only, once per connection, so an
          // outbound peer cannot fingerprint us through our address book.
          if (!config.answerGetAddr || peer.direction !== "inbound" || answered.has(peer.id)) return Effect.void
          answered.add(peer.id)
          stats.getAddrAnswered++
          return Effect.flatMap(getAddrAnswer(networkOf.get(peer.id) ?? NetAddress.NetworkId.IPv4), (answer) => Effect.ignore(peer.pushAddresses(answer)))
        case "Addr":
        case "AddrV2":
          return Effect.gen(function*() {
            const listen = yield* registry.listenAddress
            const own = Option.isSome(listen) ? NetAddress.toString(listen.value) : undefined
            const addresses = own === undefined ? message.addresses : message.addresses.filter((a) => NetAddress.toString(a) !== own)
            const summary = yield* book.addFromPeer(peerKey(peer), addresses)
            // As Bitcoin Core: small, fresh announcements (self-advertisements) are relayed
            // to two other peers, which is how a new listener becomes known network-wide;
            // only what the sender's rate limit let into the book.
            if (message.addresses.length <= RELAY_MAX_ADDRESSES) {
              yield* relay(peer, addresses.slice(0, addresses.length - summary.rateLimited))
            }
          })
        default:
          return Effect.void
      }
    }

    yield* registry.addHandler({ onConnected, onMessage })
    return { stats: Effect.sync(() => ({ ...stats })) }
  })
