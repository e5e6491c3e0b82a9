/**
 * The address relay does the protocol's address duties for the whole node:
 * it answers `getaddr` from the address book (inbound peers only, once per
 * connection, as Bitcoin Core, so an outbound peer cannot fingerprint us),
 * feeds received `addr` / `addrv2` into the book under the sender's key,
 * relays small fresh announcements to two other peers, and advertises our
 * listen address to outbound peers at connection and then on
 * `advertiseSchedule`.
 *
 * It works through a `PeerHandler` installed in the `PeerRegistry`. Replace
 * it with a policy of your own by providing another `AddressRelay` layer
 * that installs its own handler (or none: `layerNoop` books nothing, answers
 * nothing and relays nothing).
 *
 * @since 0.1.0
 */
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import * as internal from "../internal/network/addressRelay.js"
import { AddressBook } from "./AddressBook.js"
import type * as NetworkConfig from "./NetworkConfig.js"
import { PeerRegistry } from "./PeerRegistry.js"
import { Transport } from "./Transport.js"

/**
 * Counters since the relay started.
 *
 * @since 0.1.0
 * @category models
 */
export interface AddressRelayStats {
  /** `getaddr` requests answered. */
  readonly getAddrAnswered: number
  /** Announcements relayed (each to up to two peers). */
  readonly announcementsRelayed: number
  /** Times our own address was sent to a peer. */
  readonly selfAdvertisements: number
}

/**
 * The relay's operations.
 *
 * @since 0.1.0
 * @category models
 */
export interface AddressRelayShape {
  readonly stats: Effect.Effect<AddressRelayStats>
}

/**
 * The address relay service.
 *
 * @since 0.1.0
 * @category tags
 */
export class AddressRelay extends Context.Tag("effect-bitcoin-p2p/AddressRelay")<AddressRelay, AddressRelayShape>() {}

/**
 * Bitcoin Core's address policy over the book and the registry. Uses
 * `answerGetAddr`, `sendGetAddr`, `advertiseSchedule`, `externalAddresses`
 * and `peer.services` from the config.
 *
 * Networks the `Transport` (when the context has one, as under
 * `Network.layer`) cannot reach follow Core's rules: their addresses are
 * relayed (to one or two peers, reachable ones to two) but not booked, so
 * they are never picked nor given out in a `getaddr` answer. Addresses
 * `addr` (v1) cannot carry (onion, I2P, CJDNS) go only to peers that asked
 * for `addrv2`.
 *
 * @since 0.1.0
 * @category layers
 */
export const layer = (
  config: Partial<NetworkConfig.NetworkConfigShape> = {}
): Layer.Layer<AddressRelay, never, PeerRegistry | AddressBook> =>
  Layer.scoped(
    AddressRelay,
    Effect.gen(function*() {
      // The transport's reachable networks, when there is one (Network.layer always has it).
      const transport = yield* Effect.serviceOption(Transport)
      const reachable = Option.isSome(transport) ? transport.value.reachable : undefined
      return yield* internal.make(yield* PeerRegistry, yield* AddressBook, config, reachable)
    })
  )

/**
 * No address duties at all: gossip is ignored, `getaddr` unanswered, our
 * address never advertised. For a client that must not take part in
 * address gossip.
 *
 * @since 0.1.0
 * @category layers
 */
export const layerNoop: Layer.Layer<AddressRelay> = Layer.succeed(AddressRelay, {
  stats: Effect.succeed({ getAddrAnswered: 0, announcementsRelayed: 0, selfAdvertisements: 0 })
})
