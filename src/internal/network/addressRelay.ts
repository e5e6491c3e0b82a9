/**
 * Bitcoin Core's address policy behind `AddressRelay.layer`.
 *
 * @internal
 */
import * as Chunk from "effect/Chunk"
import * as Clock from "effect/Clock"
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import * as Random from "effect/Random"
import * as Schedule from "effect/Schedule"
import type * as Scope from "effect/Scope"
import type { AddressBookShape } from "../../network/AddressBook.js"
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

/**
 * The book's key for a peer's gossip: its `host:port`, from which the book
 * derives the source's network group (one group's gossip reaches only a few
 * buckets). The rate-limit state under this key is dropped when the peer
 * disconnects.
 */
const peerKey = (p: Peer.Peer) => p.remote

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
    const stats = { getAddrAnswered: 0, announcementsRelayed: 0, selfAdvertisements: 0 }

    const nowSeconds = Effect.map(Clock.currentTimeMillis, (ms) => Math.floor(ms / 1000))

    /** Our listen address stamped now, if we listen. */
    const self = Effect.gen(function*() {
      const listen = yield* registry.listenAddress
      if (Option.isNone(listen)) return undefined
      return { ...listen.value, services, time: yield* nowSeconds }
    })

    const relay = (from: Peer.Peer, addresses: ReadonlyArray<NetAddress.TimedNetAddressFields>) =>
      Effect.gen(function*() {
        const now = yield* nowSeconds
        const fresh = addresses.filter((a) => Math.abs(now - a.time) <= RELAY_MAX_AGE_SECONDS)
        if (fresh.length === 0) return
        const others = (yield* registry.peers).filter((p) => p.id !== from.id)
        const chosen = Chunk.toReadonlyArray(yield* Random.shuffle(others)).slice(0, RELAY_FANOUT)
        if (chosen.length > 0) stats.announcementsRelayed++
        for (const p of chosen) yield* Effect.ignore(p.pushAddresses(fresh))
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

    const onConnected = ({ peer }: PeerEntry) =>
      Effect.gen(function*() {
        yield* Effect.addFinalizer(() => Effect.zipRight(Effect.sync(() => answered.delete(peer.id)), book.forgetPeer(peerKey(peer))))
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
          return Effect.flatMap(book.sample(GETADDR_MAX), (sample) =>
            Effect.ignore(peer.pushAddresses(sample.map((e) => ({ ...e, time: e.lastSeen })))))
        case "Addr":
        case "AddrV2":
          return Effect.gen(function*() {
            const listen = yield* registry.listenAddress
            const own = Option.isSome(listen) ? NetAddress.toString(listen.value) : undefined
            const addresses = own === undefined ? message.addresses : message.addresses.filter((a) => NetAddress.toString(a) !== own)
            yield* book.addFromPeer(peerKey(peer), addresses)
            // As Bitcoin Core: small, fresh announcements (self-advertisements) are relayed
            // to two other peers, which is how a new listener becomes known network-wide.
            if (message.addresses.length <= RELAY_MAX_ADDRESSES) yield* relay(peer, message.addresses)
          })
        default:
          return Effect.void
      }
    }

    yield* registry.addHandler({ onConnected, onMessage })
    return { stats: Effect.sync(() => ({ ...stats })) }
  })
