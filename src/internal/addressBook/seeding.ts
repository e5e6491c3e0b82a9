/**
 * Filling the address book from outside: the peers file and DNS seeds.
 *
 * @internal
 */
import type { PlatformError } from "@effect/platform/Error"
import * as FileSystem from "@effect/platform/FileSystem"
import * as Clock from "effect/Clock"
import * as Effect from "effect/Effect"
import * as Random from "effect/Random"
import type { AddressBookShape, AddressInput, AddSummary } from "../../network/AddressBook.js"
import type * as ChainParams from "../../wire/ChainParams.js"
import { DnsResolver } from "../../network/DnsResolver.js"
import * as NetAddress from "../../wire/NetAddress.js"
import { parseHostPort } from "./netGroup.js"

const DAY = 86_400

const empty: AddSummary = { added: 0, updated: 0, collided: 0, ignored: 0, rateLimited: 0 }

/** @internal */
export const parsePeersFile = (
  text: string,
  defaultPort: number | undefined
): { readonly addresses: ReadonlyArray<AddressInput>; readonly bad: ReadonlyArray<string> } => {
  const addresses: Array<AddressInput> = []
  const bad: Array<string> = []
  for (const raw of text.split(/\r?\n/)) {
    const hash = raw.indexOf("#")
    const line = (hash < 0 ? raw : raw.slice(0, hash)).trim()
    if (line === "") continue
    const parsed = parseHostPort(line, defaultPort)
    if (parsed === undefined) bad.push(line)
    else addresses.push(parsed)
  }
  return { addresses, bad }
}

/** @internal */
export const loadPeersFile = (
  book: AddressBookShape,
  path: string,
  defaultPort: number | undefined
): Effect.Effect<AddSummary, PlatformError, FileSystem.FileSystem> =>
  Effect.gen(function*() {
    const fs = yield* FileSystem.FileSystem
    const { addresses, bad } = parsePeersFile(yield* fs.readFileString(path), defaultPort)
    if (bad.length > 0) {
      yield* Effect.logWarning("peers file: skipped malformed lines").pipe(
        Effect.annotateLogs({ path, count: bad.length, first: bad.slice(0, 5).join(", ") })
      )
    }
    const summary = yield* book.add(addresses, "file")
    return { ...summary, ignored: summary.ignored + bad.length }
  })

/** @internal */
export const seedFromDns = (
  book: AddressBookShape,
  params: ChainParams.ChainParams,
  threshold: number
): Effect.Effect<AddSummary, never, DnsResolver> =>
  Effect.gen(function*() {
    if ((yield* book.size) >= threshold || params.dnsSeeds.length === 0) return empty
    const resolver = yield* DnsResolver
    const answers = yield* Effect.forEach(
      params.dnsSeeds,
      (seed) =>
        resolver.resolve(seed).pipe(
          Effect.catchAll((e) =>
            Effect.as(Effect.logWarning("DNS seed failed").pipe(Effect.annotateLogs({ seed, error: e.message })), [])
          )
        ),
      { concurrency: 4 }
    )
    const now = Math.floor((yield* Clock.currentTimeMillis) / 1000)
    const addresses: Array<AddressInput> = []
    for (const host of answers.flat()) {
      // What a full node of this network offers: NODE_WITNESS only where there is segwit.
      const a = NetAddress.fromHost(host, params.defaultPort, params.fullNodeServices)
      // Core dates seed results 3 to 7 days back, so gossip about live nodes outranks them.
      if (a !== undefined) addresses.push({ ...a, time: now - (yield* Random.nextIntBetween(3 * DAY, 7 * DAY)) })
    }
    const summary = yield* book.add(addresses, "dns")
    yield* Effect.logDebug("DNS seeding done").pipe(Effect.annotateLogs({ network: params.name, ...summary }))
    return summary
  })
