/**
 * The background DNS seeding behind `DnsSeeder.layer`.
 *
 * @internal
 */
import * as Effect from "effect/Effect"
import type * as Scope from "effect/Scope"
import type { AddressBookShape } from "../../network/AddressBook.js"
import { DnsResolver, type DnsResolverShape } from "../../network/DnsResolver.js"
import type { DnsSeederShape } from "../../network/DnsSeeder.js"
import * as NetworkConfig from "../../network/NetworkConfig.js"
import * as PeerConfig from "../../peer/PeerConfig.js"
import { seedFromDns } from "./seeding.js"

/** @internal */
export const make = (
  partial: Partial<NetworkConfig.NetworkConfigShape>,
  book: AddressBookShape,
  resolver: DnsResolverShape
): Effect.Effect<DnsSeederShape, never, Scope.Scope> =>
  Effect.gen(function*() {
    const config = NetworkConfig.make(partial)
    const params = PeerConfig.make(config.peer).params
    const seed = seedFromDns(book, params, config.dnsSeedThreshold).pipe(Effect.provideService(DnsResolver, resolver))
    const wanted = !config.connectOnly && config.targetOutbound > 0 && params.dnsSeeds.length > 0
    // At start, then on the schedule; each round is a no-op (no query) while the book is full enough.
    if (wanted) yield* Effect.forkScoped(Effect.repeat(seed, config.dnsSeedSchedule))
    return { seed }
  })
