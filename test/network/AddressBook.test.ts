import { describe, expect, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import * as TestClock from "effect/TestClock"
import { type BookRecord, chance, isTerrible } from "../../src/internal/addressBook/policy.js"
import { AddressTable, defaultTableConfig, sourceGroupOf } from "../../src/internal/addressBook/table.js"
import { KEY, spread, START_S, v4, withBook } from "../support/addressBook.js"

/** One new slot in total: every address competes for it. */
const oneSlot = { tables: { newBuckets: 1, bucketSize: 1, newBucketsPerSourceGroup: 1 } }

const DAY = 86_400

describe("AddressBook entries and marks", () => {
  it.effect("adds, keys by host:port, merges services and only moves lastSeen forward", () =>
    withBook((book) =>
      Effect.gen(function*() {
        const first = yield* book.add([{ ...v4(8, 8, 8, 8, 8333, START_S - 100), services: 1n }], "user")
        expect(first).toEqual({ added: 1, updated: 0, collided: 0, ignored: 0, rateLimited: 0 })
        const again = yield* book.add([{ ...v4(8, 8, 8, 8, 8333, START_S - 500), services: 8n }], "dns")
        expect(again.updated).toBe(1)
        const e = Option.getOrThrow(yield* book.get(v4(8, 8, 8, 8)))
        expect(e.key).toBe("8.8.8.8:8333")
        expect(e.services).toBe(9n)
        expect(e.lastSeen).toBe(START_S - 100)
        expect(e.source).toBe("user")
        expect(e.group).toBe("ipv4:8.8")
        expect(e.tried).toBe(false)
        // Same host, other port: a different entry.
        expect((yield* book.add([v4(8, 8, 8, 8, 8334)], "user")).added).toBe(1)
        expect(yield* book.size).toBe(2)
      })
    ))

  it.effect("refuses invalid, unroutable (unless allowLocal) and banned addresses", () =>
    Effect.gen(function*() {
      const strict = [v4(127, 0, 0, 1), v4(192, 168, 1, 1), v4(0, 0, 0, 0), v4(1, 2, 3, 4, 0), v4(10, 0, 0, 1)]
      const summary = yield* withBook((book) => book.add(strict, "user"), { allowLocal: false })
      expect(summary).toMatchObject({ added: 0, ignored: 5 })
      const local = yield* withBook((book) => book.add(strict, "user"), { allowLocal: true })
      // Loopback and private ranges pass with allowLocal; 0.0.0.0 and port 0 never do.
      expect(local).toMatchObject({ added: 3, ignored: 2 })
      const banned = yield* withBook((book) =>
        Effect.zipRight(book.ban(v4(9, 9, 9, 9), "1 hour", "test"), book.add([v4(9, 9, 9, 9, 1234)], "user"))
      )
      expect(banned).toMatchObject({ added: 0, ignored: 1 })
    }))

  it.effect("markAttempt / markFailed count, markConnected refreshes lastSeen, markGood moves to tried and resets", () =>
    withBook((book) =>
      Effect.gen(function*() {
        const a = v4(8, 8, 4, 4, 8333, START_S - DAY)
        yield* book.add([a], "user")
        yield* book.markAttempt(a)
        yield* book.markFailed(a)
        yield* book.markAttempt(a)
        let e = Option.getOrThrow(yield* book.get(a))
        expect([e.attempts, e.failures, e.lastAttempt, e.tried]).toEqual([2, 1, START_S, false])
        yield* TestClock.adjust("10 seconds")
        yield* book.markConnected(a)
        e = Option.getOrThrow(yield* book.get(a))
        expect(e.lastSeen).toBe(START_S + 10)
        yield* book.markGood(a)
        e = Option.getOrThrow(yield* book.get(a))
        expect([e.attempts, e.failures, e.lastSuccess, e.tried]).toEqual([0, 0, START_S + 10, true])
        expect(yield* book.stats).toMatchObject({ size: 1, new: 0, tried: 1 })
        // Marks on unknown addresses are ignored.
        yield* book.markGood(v4(1, 1, 1, 1))
        expect(yield* book.size).toBe(1)
      })
    ))
})

describe("AddressBook buckets", () => {
  it("one source group reaches at most newBucketsPerSourceGroup new buckets; a tried group at most triedBucketsPerGroup", () => {
    const table = new AddressTable(defaultTableConfig, KEY)
    const source = sourceGroupOf("peer:5.6.7.8:8333", "")
    expect(source).toBe("ipv4:5.6")
    const newBuckets = new Set<number>()
    const triedBuckets = new Set<number>()
    for (let i = 0; i < 20_000; i++) {
      const group = `ipv4:${1 + (i % 200)}.${i >> 8 & 255}`
      newBuckets.add(table.newBucket(group, source))
      triedBuckets.add(table.triedBucket("ipv4:7.7", `7.7.${i >> 8 & 255}.${i & 255}:8333`))
    }
    expect(newBuckets.size).toBeLessThanOrEqual(64)
    expect(newBuckets.size).toBeGreaterThan(48)
    expect(triedBuckets.size).toBeLessThanOrEqual(8)
    // Other sources reach other buckets: the limit is per source, not global.
    const other = new Set(Array.from({ length: 500 }, (_, i) => table.newBucket("ipv4:1.1", `ipv4:9.${i}`)))
    expect(other.size).toBeGreaterThan(300)
  })

  it.effect("flooding 10,000 addresses of one /16 from one peer fills one bucket at most", () =>
    withBook((book) =>
      Effect.gen(function*() {
        const flood = Array.from({ length: 10_000 }, (_, i) => v4(7, 7, i >> 8, i & 255))
        const summary = yield* book.add(flood, "peer:5.6.7.8:8333")
        // One (address group, source group) pair maps to one bucket of 64 slots.
        expect((yield* book.size)).toBeLessThanOrEqual(64)
        expect(summary.collided).toBeGreaterThanOrEqual(10_000 - 64)
        // The same /16 relayed by peers in 10 other groups: at most 10 buckets.
        for (let p = 0; p < 10; p++) yield* book.add(flood, `peer:${20 + p}.1.1.1:8333`)
        expect((yield* book.size)).toBeLessThanOrEqual(11 * 64)
      })
    ))

  it.effect("one peer relaying addresses from every /16 fills at most 64 buckets: under 5% of the book", () =>
    withBook((book) =>
      Effect.gen(function*() {
        yield* book.add(Array.from({ length: 20_000 }, (_, i) => spread(i)), "peer:5.6.7.8:8333")
        const stats = yield* book.stats
        expect(stats.size).toBeLessThanOrEqual(64 * 64)
        expect(stats.size).toBeGreaterThan(2000)
        expect(stats.size / stats.capacity).toBeLessThan(0.05)
      })
    ))

  it.effect("tried entries survive an addr flood", () =>
    withBook((book) =>
      Effect.gen(function*() {
        const good = Array.from({ length: 200 }, (_, i) => spread(i))
        yield* book.add(good, "user")
        for (const a of good) yield* book.markGood(a)
        const tried = (yield* book.stats).tried
        expect(tried).toBeGreaterThan(190)
        // 50,000 gossiped addresses from 500 peers, plenty of them for the same hosts.
        for (let p = 0; p < 500; p++) {
          const batch = Array.from({ length: 100 }, (_, i) => ({ ...spread(p * 100 + i), time: START_S }))
          yield* book.add(batch, `peer:${11 + (p % 200)}.${p >> 3}.1.1:8333`)
        }
        expect((yield* book.stats).tried).toBe(tried)
        const entries = yield* book.entries
        expect(entries.filter((e) => e.tried).length).toBe(tried)
      })
    ), 60_000)

  it.effect("a terrible occupant gives its slot up; a healthy one keeps it", () =>
    withBook((book) =>
      Effect.gen(function*() {
        const a = v4(8, 8, 8, 8)
        const b = v4(9, 9, 9, 9)
        yield* book.add([a], "peer:1.1.1.1:8333")
        expect((yield* book.add([b], "peer:1.1.1.1:8333")).collided).toBe(1)
        // Not seen for 31 days: terrible.
        yield* TestClock.adjust("31 days")
        expect((yield* book.add([b], "peer:1.1.1.1:8333")).added).toBe(1)
        expect(Option.isNone(yield* book.get(a))).toBe(true)
      }), oneSlot))

  it.effect("terrible: stamped more than 10 minutes ahead", () =>
    withBook((book) =>
      Effect.gen(function*() {
        yield* book.add([v4(8, 8, 8, 8, 8333, START_S + 11 * 60)], "peer:1.1.1.1:8333")
        expect((yield* book.add([v4(9, 9, 9, 9)], "peer:1.1.1.1:8333")).added).toBe(1)
        yield* book.add([v4(7, 7, 7, 7, 8333, START_S + 9 * 60)], "peer:1.1.1.1:8333")
        expect((yield* book.add([v4(6, 6, 6, 6)], "peer:1.1.1.1:8333")).collided).toBe(1)
      }), oneSlot))

  it.effect("terrible: 3 attempts without a success (once the last attempt is a minute old)", () =>
    withBook((book) =>
      Effect.gen(function*() {
        const a = v4(8, 8, 8, 8)
        yield* book.add([a], "peer:1.1.1.1:8333")
        for (let i = 0; i < 3; i++) yield* book.markAttempt(a)
        // Being tried right now: protected.
        expect((yield* book.add([v4(9, 9, 9, 9)], "peer:1.1.1.1:8333")).collided).toBe(1)
        yield* TestClock.adjust("61 seconds")
        expect((yield* book.add([v4(9, 9, 9, 9)], "peer:1.1.1.1:8333")).added).toBe(1)
      }), oneSlot))

  it("terrible rules: future stamp, 30-day horizon, 3 failed tries never good, 10 failures with no success for a week", () => {
    const now = START_S
    const base: BookRecord = {
      key: "8.8.8.8:8333", network: 1, address: Uint8Array.of(8, 8, 8, 8), port: 8333, services: 1n,
      lastSeen: now - 60, lastAttempt: 0, lastSuccess: 0, attempts: 0, failures: 0, source: "user",
      group: "ipv4:8.8", sourceGroup: "ipv4:8.8", tried: false, slot: 0, listIndex: 0
    }
    const terrible = (patch: Partial<BookRecord>) => isTerrible({ ...base, ...patch }, now)
    expect(terrible({})).toBe(false)
    expect(terrible({ lastSeen: now + 11 * 60 })).toBe(true)
    expect(terrible({ lastSeen: now + 9 * 60 })).toBe(false)
    expect(terrible({ lastSeen: now - 31 * DAY })).toBe(true)
    expect(terrible({ lastSeen: now - 29 * DAY })).toBe(false)
    expect(terrible({ attempts: 3, lastAttempt: now - 120 })).toBe(true)
    expect(terrible({ attempts: 2, lastAttempt: now - 120 })).toBe(false)
    expect(terrible({ attempts: 3, lastAttempt: now - 120, lastSuccess: now - DAY })).toBe(false)
    const week = { lastSuccess: now - 8 * DAY, lastAttempt: now - 120, attempts: 10 }
    expect(terrible({ ...week, failures: 10 })).toBe(true)
    expect(terrible({ ...week, failures: 9 })).toBe(false)
    expect(terrible({ ...week, failures: 10, lastSuccess: now - 6 * DAY })).toBe(false)
    // Attempted in the last minute: never terrible, whatever else holds.
    expect(terrible({ attempts: 5, lastAttempt: now - 30, lastSeen: now - 40 * DAY })).toBe(false)
  })

  it("chance: 1% right after an attempt, x0.66 per attempt up to 8, halved when stale", () => {
    const now = START_S
    const r: BookRecord = {
      key: "k", network: 1, address: Uint8Array.of(8, 8, 8, 8), port: 1, services: 0n, lastSeen: now,
      lastAttempt: 0, lastSuccess: 0, attempts: 0, failures: 0, source: "user", group: "g", sourceGroup: "g",
      tried: false, slot: 0, listIndex: 0
    }
    expect(chance(r, now)).toBe(1)
    expect(chance({ ...r, lastAttempt: now - 60 }, now)).toBeCloseTo(0.01)
    expect(chance({ ...r, attempts: 2, lastAttempt: now - 3600 }, now)).toBeCloseTo(0.66 ** 2)
    expect(chance({ ...r, attempts: 20, lastAttempt: now - 3600 }, now)).toBeCloseTo(0.66 ** 8)
    expect(chance({ ...r, lastSeen: now - 8 * DAY }, now)).toBeCloseTo(0.5)
  })

  it.effect("gossip never displaces a healthy entry; the operator displaces gossip", () =>
    withBook((book) =>
      Effect.gen(function*() {
        yield* book.add([v4(8, 8, 8, 8)], "peer:1.1.1.1:8333")
        expect((yield* book.add([v4(9, 9, 9, 9)], "dns")).collided).toBe(1)
        expect((yield* book.add([v4(9, 9, 9, 9)], "user")).added).toBe(1)
        expect((yield* book.add([v4(7, 7, 7, 7)], "manual")).collided).toBe(1)
        expect((yield* book.entries).map((e) => e.key)).toEqual(["9.9.9.9:8333"])
      }), oneSlot))

  it.effect("a tried slot held by a live entry is kept; a dead one goes back to new", () =>
    withBook((book) =>
      Effect.gen(function*() {
        const a = v4(8, 8, 8, 8)
        const b = v4(9, 9, 9, 9)
        yield* book.add([a, b], "user")
        yield* book.markGood(a)
        yield* book.markGood(b)
        expect(Option.getOrThrow(yield* book.get(b)).tried).toBe(false)
        expect((yield* book.stats).triedCollisions).toBe(1)
        // `a` stops answering for five hours.
        yield* TestClock.adjust("5 hours")
        yield* book.markAttempt(a)
        yield* book.markFailed(a)
        yield* book.markGood(b)
        expect(Option.getOrThrow(yield* book.get(b)).tried).toBe(true)
        expect(Option.getOrThrow(yield* book.get(a)).tried).toBe(false)
      }), { tables: { triedBuckets: 1, bucketSize: 1, triedBucketsPerGroup: 1, newBuckets: 16 } }))
})
