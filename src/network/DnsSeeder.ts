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
 * `DnsResolver.layerNoop` none.
 *
 * @since 0.1.0
 */
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as internal from "../internal/addressBook/dnsSeeder.js"
import { AddressBook, type AddSummary } from "./AddressBook.js"
import { DnsResolver } from "./DnsResolver.js"
import type * as NetworkConfig from "./NetworkConfig.js"

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
