/**
 * DNS seeding on the address-book side: while the book holds fewer than
 * `dnsSeedThreshold` addresses, the network's DNS seeds are asked for more,
 * at start and then on `dnsSeedSchedule` (every 5 minutes by default). A
 * full book means no DNS query at all. Nothing is asked in connect-only
 * mode or with no outbound slots, as Bitcoin Core skips seeding under
 * `-connect`.
 *
 * The lookups go through the `DnsResolver` service, which this layer
 * requires: `NodeNetwork.layer` provides the system resolver,
 * `DnsResolver.layerNoop` none. Under a proxy, `layerThroughProxy` asks
 * the seeds through it instead, with no lookup at all.
 *
 * @since 0.1.0
 */
import type * as Socket from "@effect/platform/Socket"
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import type * as Scope from "effect/Scope"
import * as internal from "../internal/addressBook/dnsSeeder.js"
import * as proxySeeder from "../internal/addressBook/proxySeeder.js"
import { AddressBook, type AddSummary } from "./AddressBook.js"
import { DnsResolver } from "./DnsResolver.js"
import type * as NetworkConfig from "./NetworkConfig.js"
import type { TransportError } from "./Transport.js"

/**
 * The seeder's operations.
 *
 * @since 0.1.0
 * @category models
 */
export interface DnsSeederShape {
  /** Asks the seeds now, if the book is below the threshold; what was added. */
  readonly seed: Effect.Effect<AddSummary>
}

/**
 * The DNS seeder service.
 *
 * @since 0.1.0
 * @category tags
 */
export class DnsSeeder extends Context.Tag("effect-bitcoin-p2p/DnsSeeder")<DnsSeeder, DnsSeederShape>() {}

/**
 * Seeds the book from `peer.params.dnsSeeds` in the background, under the
 * config's `dnsSeedThreshold`, `dnsSeedSchedule`, `connectOnly` and
 * `targetOutbound`.
 *
 * @since 0.1.0
 * @category layers
 */
export const layer = (
  config: Partial<NetworkConfig.NetworkConfigShape> = {}
): Layer.Layer<DnsSeeder, never, AddressBook | DnsResolver> =>
  Layer.scoped(
    DnsSeeder,
    Effect.gen(function*() {
      return yield* internal.make(config, yield* AddressBook, yield* DnsResolver)
    })
  )

/**
 * Seeding when everything must go through a proxy, as Bitcoin Core under
 * `-proxy`: instead of a DNS lookup, each seed's name is dialled through
 * the proxy with `dialName` (e.g. `Socks5Transport.make(…).dialName`, or
 * `ReachableNetworks.make(…).dialName`), asked for addresses with `getaddr`,
 * and disconnected once it answers with more than one address (one is a
 * self-announcement). Seeds are asked one after another until the book
 * holds `dnsSeedThreshold` addresses; each has a minute to answer. Same
 * schedule and conditions as `layer`; no `DnsResolver` is needed, and none
 * is used.
 *
 * @since 0.2.0
 * @category layers
 */
export const layerThroughProxy = (
  config: Partial<NetworkConfig.NetworkConfigShape>,
  dialName: (host: string, port: number) => Effect.Effect<Socket.Socket, TransportError, Scope.Scope>
): Layer.Layer<DnsSeeder, never, AddressBook> =>
  Layer.scoped(
    DnsSeeder,
    Effect.gen(function*() {
      return yield* proxySeeder.make(config, yield* AddressBook, dialName)
    })
  )
