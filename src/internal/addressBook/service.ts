/**
 * The address book service over an `AddressTable`: time from `Clock`, chance
 * from `Random`, bans and per-peer rate limits in `Ref`s.
 *
 * The table itself is one mutable structure (tens of thousands of records,
 * O(1) updates). Each operation reads the clock and a random seed, then runs
 * its table work as one synchronous step, so no fiber ever sees a half-made
 * change.
 *
 * @internal
 */
import * as Clock from "effect/Clock"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as HashMap from "effect/HashMap"
import * as Option from "effect/Option"
import * as Random from "effect/Random"
import * as Ref from "effect/Ref"
import { PCGRandom } from "effect/Utils"
import type * as AddressBook from "../../network/AddressBook.js"
import * as NetAddress from "../../wire/NetAddress.js"
import type { BookFile } from "./file.js"
import { isRoutable, isValid, netGroup } from "./netGroup.js"
import type { BookRecord } from "./policy.js"
import * as Select from "./select.js"
import { AddressTable, defaultTableConfig, sourceGroupOf, type TableConfig } from "./table.js"
import { type Limiter, take } from "./rateLimit.js"

const DAY = 86_400
/** Gossip older than this timestamp (1973) is nonsense: treat as 5 days old (Core). */
const MIN_PLAUSIBLE_TIME = 100_000_000
const GOSSIP_PENALTY = 2 * 3600
const GETADDR_MAX_PCT = 23

type Host = Omit<AddressBook.AddressLike, "port">

const banKey = (h: Host): string => `${h.network}/${NetAddress.hostToString(h)}`

/** The service plus what persistence needs. @internal */
export interface Book {
  readonly service: AddressBook.AddressBookShape
  readonly snapshot: Effect.Effect<BookFile>
  readonly version: Effect.Effect<number>
}

/** What a record persists: everything but what is derived from it (key, group, buckets). */
const persisted = (r: BookRecord) => ({
  network: r.network,
  address: r.address,
  port: r.port,
  services: r.services,
  lastSeen: r.lastSeen,
  lastAttempt: r.lastAttempt,
  lastSuccess: r.lastSuccess,
  attempts: r.attempts,
  failures: r.failures,
  source: r.source,
  tried: r.tried
})

const toEntry = (r: BookRecord): AddressBook.Entry => ({ key: r.key, ...persisted(r), group: r.group })

const freshKey: Effect.Effect<Uint8Array> = Effect.suspend(() => {
  const webCrypto = (globalThis as { crypto?: { getRandomValues?: (b: Uint8Array) => Uint8Array } }).crypto
  // The bucketing key must be unguessable; Effect's default `Random` has a 32-bit seed, so prefer Web Crypto.
  if (webCrypto?.getRandomValues !== undefined) {
    const getRandomValues = webCrypto.getRandomValues.bind(webCrypto)
    return Effect.sync(() => getRandomValues(new Uint8Array(32)))
  }
  return Effect.map(Effect.replicateEffect(Random.nextIntBetween(0, 256), 32), (bytes) => Uint8Array.from(bytes))
})

/** Current time in Unix seconds and milliseconds, and a PRNG seeded from `Random`. */
const context = Effect.all({ millis: Clock.currentTimeMillis, seed: Random.nextInt }).pipe(
  Effect.map(({ millis, seed }) => ({
    millis,
    now: Math.floor(millis / 1000),
    rng: new PCGRandom(Math.floor(seed / 2 ** 32), seed % 2 ** 32)
  }))
)

const bansInForce = (bans: HashMap.HashMap<string, AddressBook.Ban>, millis: number) =>
  HashMap.filter(bans, (b) => b.expiresAt > millis)

/** @internal */
export const make = (options: AddressBook.Options, loaded: Option.Option<BookFile> = Option.none()): Effect.Effect<Book> =>
  Effect.gen(function*() {
    const t = { ...defaultTableConfig, ...options.tables }
    const size = (n: number) => Math.max(1, Math.floor(n))
    const config: TableConfig = {
      newBuckets: size(t.newBuckets),
      triedBuckets: size(t.triedBuckets),
      bucketSize: size(t.bucketSize),
      newBucketsPerSourceGroup: size(t.newBucketsPerSourceGroup),
      triedBucketsPerGroup: size(t.triedBucketsPerGroup)
    }
    const allowLocal = options.allowLocal ?? false
    const rate = { perSecond: options.rateLimit?.perSecond ?? 0.1, burst: options.rateLimit?.burst ?? 1000 }
    const key = Option.isSome(loaded) ? loaded.value.key : options.key ?? (yield* freshKey)
    const table = new AddressTable(config, key)
    const bans = yield* Ref.make(HashMap.empty<string, AddressBook.Ban>())
    const limiter = yield* Ref.make<Limiter>({ buckets: HashMap.empty(), dropped: 0 })

    if (Option.isSome(loaded)) {
      const groups = new Map<string, string>()
      // Tried first, so they win their slots back.
      const ordered = [...loaded.value.entries].sort((a, b) => Number(b.tried) - Number(a.tried))
      for (const e of ordered) {
        if (!isValid(e) || (!allowLocal && !isRoutable(e))) continue
        const group = netGroup(e)
        const cacheKey = `${e.source}\0${group}`
        let sourceGroup = groups.get(cacheKey)
        if (sourceGroup === undefined) groups.set(cacheKey, sourceGroup = sourceGroupOf(e.source, group))
        table.restore({ ...e, group, sourceGroup }, e.tried)
      }
      yield* Ref.set(bans, HashMap.fromIterable(loaded.value.bans.map((b) => [banKey(b), b] as const)))
    }

    const notBanned = Effect.succeed(false)
    const isBannedIn = (current: HashMap.HashMap<string, AddressBook.Ban>, millis: number) => (h: Host): boolean => {
      if (HashMap.isEmpty(current)) return false
      const ban = HashMap.get(current, banKey(h))
      return Option.isSome(ban) && ban.value.expiresAt > millis
    }

    const insertAll = (
      addresses: Iterable<AddressBook.AddressInput>,
      source: AddressBook.Source,
      adjustTime: (time: number | undefined, now: number) => number
    ) =>
      Effect.gen(function*() {
        const { millis, now } = yield* context
        const banned = isBannedIn(yield* Ref.get(bans), millis)
        const peerGroup = source.startsWith("peer:") ? sourceGroupOf(source, "") : undefined
        let added = 0, updated = 0, collided = 0, ignored = 0
        for (const a of addresses) {
          if (!isValid(a) || (!allowLocal && !isRoutable(a)) || banned(a)) {
            ignored++
            continue
          }
          const group = netGroup(a)
          const outcome = table.insert({
            network: a.network,
            address: a.address,
            port: a.port,
            services: a.services ?? 0n,
            lastSeen: adjustTime(a.time, now),
            source,
            group,
            sourceGroup: peerGroup ?? sourceGroupOf(source, group)
          }, now)
          if (outcome === "added") added++
          else if (outcome === "updated") updated++
          else collided++
        }
        return { added, updated, collided, ignored, rateLimited: 0 }
      })

    const mark = (f: (key: string, now: number) => void) => (address: AddressBook.AddressLike) =>
      Effect.map(context, ({ now }) => f(NetAddress.toString(address), now))

    const service: AddressBook.AddressBookShape = {
      add: (addresses, source) => insertAll(addresses, source, (time, now) => time ?? now),
      addFromPeer: (peerKey, addresses, relayOnly = 0) =>
        Effect.gen(function*() {
          const millis = yield* Clock.currentTimeMillis
          const wanted = addresses.length + Math.max(0, relayOnly)
          const allowed = yield* Ref.modify(limiter, (l) => take(l, peerKey, wanted, millis, rate))
          const summary = yield* insertAll(addresses.slice(0, allowed), `peer:${peerKey}`, (time, now) =>
            time === undefined || time <= MIN_PLAUSIBLE_TIME || time > now + 600
              ? now - 5 * DAY
              : Math.max(0, time - GOSSIP_PENALTY))
          return { ...summary, rateLimited: wanted - allowed }
        }),
      forgetPeer: (peerKey) => Ref.update(limiter, (l) => ({ ...l, buckets: HashMap.remove(l.buckets, peerKey) })),
      get: (address) => Effect.sync(() => Option.map(Option.fromNullable(table.records.get(NetAddress.toString(address))), toEntry)),
      remove: (address) =>
        Effect.sync(() => {
          const r = table.records.get(NetAddress.toString(address))
          if (r !== undefined) table.remove(r)
          return r !== undefined
        }),
      markAttempt: mark((key, now) => table.attempt(key, now)),
      markConnected: mark((key, now) => table.connected(key, now)),
      markGood: mark((key, now) => table.good(key, now)),
      markFailed: mark((key) => table.failed(key)),
      clearServices: (address, services) => Effect.sync(() => table.clearServices(NetAddress.toString(address), services)),
      select: (options = {}) =>
        Effect.gen(function*() {
          const { millis, now, rng } = yield* context
          const banned = options.excludeBanned === false ? () => false : isBannedIn(yield* Ref.get(bans), millis)
          const keys = new Set(options.excludeKeys ?? [])
          const groups = new Set(options.excludeGroups ?? [])
          const networks = options.networks === undefined ? undefined : new Set(options.networks)
          const services = options.requiredServices ?? 0n
          const eligible = (r: BookRecord) =>
            !keys.has(r.key) && !groups.has(r.group) && (networks === undefined || networks.has(r.network)) &&
            (r.services & services) === services && !banned(r)
          const r = Select.select(table, rng, now, eligible, options.newOnly ?? false)
          return Option.map(Option.fromNullable(r), toEntry)
        }),
      sample: (max = 1000) =>
        Effect.gen(function*() {
          const { millis, now, rng } = yield* context
          const banned = isBannedIn(yield* Ref.get(bans), millis)
          const limit = Math.min(max, Math.floor((table.records.size * GETADDR_MAX_PCT) / 100))
          return Select.sample(table, rng, now, limit, (r) => !banned(r)).map(toEntry)
        }),
      entries: Effect.sync(() => Array.from(table.records.values(), toEntry)),
      ban: (host, duration, reason) =>
        Effect.gen(function*() {
          const createdAt = yield* Clock.currentTimeMillis
          const expiresAt = Math.min(Number.MAX_SAFE_INTEGER, createdAt + Duration.toMillis(duration))
          const ban: AddressBook.Ban = { network: host.network, address: Uint8Array.from(host.address), reason, createdAt, expiresAt }
          yield* Ref.update(bans, HashMap.set(banKey(host), ban))
          table.version++
        }),
      unban: (host) =>
        Effect.andThen(Ref.update(bans, HashMap.remove(banKey(host))), () => {
          table.version++
        }),
      // Asked for every inbound connection: with no ban in force (most nodes, most of the time), no clock read.
      isBanned: (host) =>
        Effect.flatMap(Ref.get(bans), (current) =>
          HashMap.isEmpty(current) ? notBanned : Effect.map(Clock.currentTimeMillis, (millis) => isBannedIn(current, millis)(host))),
      bans: Effect.zipWith(Ref.get(bans), Clock.currentTimeMillis, (current, millis) =>
        Array.from(HashMap.values(bansInForce(current, millis)))),
      size: Effect.sync(() => table.records.size),
      stats: Effect.zipWith(Effect.all([Ref.get(bans), Ref.get(limiter)]), Clock.currentTimeMillis, ([current, l], millis) => ({
        size: table.records.size,
        new: table.newList.length,
        tried: table.triedList.length,
        capacity: table.capacity,
        bans: HashMap.size(bansInForce(current, millis)),
        rateLimited: l.dropped,
        triedCollisions: table.triedCollisions
      })),
      save: Effect.void
    }

    const snapshot: Effect.Effect<BookFile> = Effect.zipWith(Ref.get(bans), Clock.currentTimeMillis, (current, millis) => ({
      version: 1 as const,
      key: table.key,
      entries: Array.from(table.records.values(), persisted),
      bans: Array.from(HashMap.values(bansInForce(current, millis)))
    }))

    return { service, snapshot, version: Effect.sync(() => table.version) }
  })
