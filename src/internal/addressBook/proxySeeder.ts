/**
 * Seeding through a proxy, behind `DnsSeeder.layerThroughProxy`: as Bitcoin
 * Core under `-proxy` (net.cpp, ThreadDNSAddressSeed: with a name proxy each
 * seed becomes an address-fetch connection instead of a lookup), each seed's
 * name is dialled through the proxy, asked for addresses with `getaddr`, and
 * disconnected once it answers. No DNS query leaves this machine.
 *
 * @internal
 */
import type * as Socket from "@effect/platform/Socket"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import type * as Scope from "effect/Scope"
import * as Stream from "effect/Stream"
import type { AddressBookShape, AddSummary } from "../../network/AddressBook.js"
import type { DnsSeederShape } from "../../network/DnsSeeder.js"
import * as NetworkConfig from "../../network/NetworkConfig.js"
import type { TransportError } from "../../network/Transport.js"
import * as Peer from "../../peer/Peer.js"
import * as PeerConfig from "../../peer/PeerConfig.js"
import * as Message from "../../wire/Message.js"

/** How long a seed has to connect, shake hands and answer `getaddr`. */
const SEED_ANSWER_TIMEOUT = Duration.minutes(1)

const empty: AddSummary = { added: 0, updated: 0, collided: 0, ignored: 0, rateLimited: 0 }

const plus = (a: AddSummary, b: AddSummary): AddSummary => ({
  added: a.added + b.added,
  updated: a.updated + b.updated,
  collided: a.collided + b.collided,
  ignored: a.ignored + b.ignored,
  rateLimited: a.rateLimited + b.rateLimited
})

/** @internal */
export type DialName = (host: string, port: number) => Effect.Effect<Socket.Socket, TransportError, Scope.Scope>

/** @internal */
export const make = (
  partial: Partial<NetworkConfig.NetworkConfigShape>,
  book: AddressBookShape,
  dialName: DialName
): Effect.Effect<DnsSeederShape, never, Scope.Scope> =>
  Effect.gen(function*() {
    const config = NetworkConfig.make(partial)
    const params = PeerConfig.make(config.peer).params

    /** One address fetch: connect by name, `getaddr`, book the first real answer, disconnect. */
    const fetchFrom = (seed: string) =>
      Effect.gen(function*() {
        const socket = yield* dialName(seed, params.defaultPort)
        const peer = yield* Peer.start(socket, { direction: "outbound", config: config.peer })
        const answers = yield* peer.subscribe("Addr", "AddrV2")
        yield* peer.connected
        yield* peer.send(Message.GetAddr.make({}))
        // As Core's address-fetch connection: a single address is a self-announcement, not the answer.
        const answer = yield* answers.pipe(Stream.filter((m) => m.addresses.length > 1), Stream.runHead)
        if (Option.isNone(answer)) return empty
        return yield* book.add(answer.value.addresses, `peer:${seed}:${params.defaultPort}`)
      }).pipe(
        Effect.scoped,
        Effect.timeoutFail({ duration: SEED_ANSWER_TIMEOUT, onTimeout: () => "no answer in time" }),
        Effect.catchAll((error) =>
          Effect.as(Effect.logWarning("seed through proxy failed").pipe(Effect.annotateLogs({ seed, error: String(error) })), empty)
        )
      )

    const seed = Effect.gen(function*() {
      let total = empty
      for (const name of params.dnsSeeds) {
        if ((yield* book.size) >= config.dnsSeedThreshold) break
        total = plus(total, yield* fetchFrom(name))
      }
      return total
    })
    const wanted = !config.connectOnly && config.targetOutbound > 0 && params.dnsSeeds.length > 0
    if (wanted) yield* Effect.forkScoped(Effect.repeat(seed, config.dnsSeedSchedule))
    return { seed }
  })
