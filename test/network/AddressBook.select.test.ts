import { describe, expect, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import * as TestClock from "effect/TestClock"
import type * as AddressBook from "../../src/network/AddressBook.js"
import * as NetAddress from "../../src/wire/NetAddress.js"
import { spread, START_S, v4, withBook } from "../support/addressBook.js"

const keyOf = (a: AddressBook.AddressLike) => NetAddress.toString(a)

describe("AddressBook.select", () => {
  it.effect("returns None on an empty book", () =>
    withBook((book) => Effect.map(book.select(), (r) => expect(Option.isNone(r)).toBe(true)))
  )

  it.effect("favours tried and healthy addresses over failing ones", () =>
    withBook((book) =>
      Effect.gen(function*() {
        const tried = Array.from({ length: 10 }, (_, i) => spread(i))
        const fresh = Array.from({ length: 10 }, (_, i) => spread(100 + i))
        const failing = Array.from({ length: 10 }, (_, i) => spread(200 + i))
        yield* book.add([...tried, ...fresh, ...failing], "user")
        for (const a of tried) yield* book.markGood(a)
        for (const a of failing) {
          for (let k = 0; k < 8; k++) {
            yield* book.markAttempt(a)
            yield* book.markFailed(a)
          }
        }
        // Past the "attempted in the last 10 minutes" penalty, which would otherwise hit the tried ones too.
        yield* TestClock.adjust("1 hour")
        expect((yield* book.stats).tried).toBe(10)
        const classOf = new Map<string, "tried" | "fresh" | "failing">([
          ...tried.map((a) => [keyOf(a), "tried"] as const),
          ...fresh.map((a) => [keyOf(a), "fresh"] as const),
          ...failing.map((a) => [keyOf(a), "failing"] as const)
        ])
        const counts = { tried: 0, fresh: 0, failing: 0 }
        for (let i = 0; i < 3000; i++) {
          const e = Option.getOrThrow(yield* book.select())
          counts[classOf.get(e.key)!]++
        }
        // Core's even split between the tables...
        expect(counts.tried).toBeGreaterThan(1300)
        expect(counts.tried).toBeLessThan(1700)
        // ...and, within new, the attempts penalty (0.66^8 ≈ 3.6%).
        expect(counts.tried).toBeGreaterThan(10 * counts.failing)
        expect(counts.fresh).toBeGreaterThan(10 * counts.failing)
        expect(counts.failing).toBeGreaterThan(0)
      })
    ))

  it.effect("an address attempted in the last 10 minutes is drawn far less often", () =>
    withBook((book) =>
      Effect.gen(function*() {
        const [a, b] = [spread(1), spread(2)]
        yield* book.add([a, b], "user")
        yield* book.markAttempt(a)
        let hitsA = 0
        for (let i = 0; i < 1000; i++) if (Option.getOrThrow(yield* book.select()).key === keyOf(a)) hitsA++
        expect(hitsA).toBeLessThan(50)
        yield* TestClock.adjust("11 minutes")
        hitsA = 0
        // One attempt costs ×0.66 once the 10 minutes are over: roughly 40% of draws.
        for (let i = 0; i < 1000; i++) if (Option.getOrThrow(yield* book.select()).key === keyOf(a)) hitsA++
        expect(hitsA).toBeGreaterThan(300)
      })
    ))

  it.effect("is reproducible with a seeded Random", () =>
    Effect.gen(function*() {
      const run = withBook((book) =>
        Effect.gen(function*() {
          yield* book.add(Array.from({ length: 500 }, (_, i) => spread(i)), "user")
          const keys: Array<string> = []
          for (let i = 0; i < 50; i++) keys.push(Option.getOrThrow(yield* book.select()).key)
          return keys
        })
      )
      expect(yield* run).toEqual(yield* run)
    }))

  it.effect("honours excludeKeys, excludeGroups, networks, requiredServices, newOnly and bans", () =>
    withBook((book) =>
      Effect.gen(function*() {
        const a = v4(8, 8, 1, 1)
        const b = v4(8, 8, 2, 2) // same /16 as a
        const c = { ...v4(9, 9, 9, 9), services: 1n | 8n }
        const onion = { network: NetAddress.NetworkId.TorV3, address: new Uint8Array(32).fill(7), port: 8333 }
        yield* book.add([a, b, c, onion], "user")
        yield* book.markGood(c)
        const pick = (options: AddressBook.SelectOptions) =>
          Effect.gen(function*() {
            const seen = new Set<string>()
            for (let i = 0; i < 200; i++) {
              const r = yield* book.select(options)
              if (Option.isSome(r)) seen.add(r.value.key)
              else seen.add("none")
            }
            return [...seen].sort()
          })
        expect(yield* pick({ excludeGroups: ["ipv4:8.8", "ipv4:9.9"] })).toEqual([keyOf(onion)])
        expect(yield* pick({ excludeKeys: [keyOf(a), keyOf(c), keyOf(onion)] })).toEqual([keyOf(b)])
        expect(yield* pick({ networks: [NetAddress.NetworkId.TorV3] })).toEqual([keyOf(onion)])
        expect(yield* pick({ requiredServices: 8n })).toEqual([keyOf(c)])
        expect(yield* pick({ newOnly: true, networks: [1] })).toEqual([keyOf(a), keyOf(b)].sort())
        yield* book.ban(c, "1 day", "misbehaving")
        expect(yield* pick({ requiredServices: 8n })).toEqual(["none"])
        expect(yield* pick({ requiredServices: 8n, excludeBanned: false })).toEqual([keyOf(c)])
      })
    ))

  it.effect("finds the one eligible entry among thousands of excluded ones", () =>
    withBook((book) =>
      Effect.gen(function*() {
        const all = Array.from({ length: 5000 }, (_, i) => spread(i))
        yield* book.add(all, "user")
        const size = yield* book.size
        const kept = (yield* book.entries)[1234]!
        const exclude = new Set((yield* book.entries).map((e) => e.key).filter((k) => k !== kept.key))
        expect(exclude.size).toBe(size - 1)
        const r = yield* book.select({ excludeKeys: exclude })
        expect(Option.getOrThrow(r).key).toBe(kept.key)
      })
    ))
})

describe("AddressBook.sample", () => {
  it.effect("returns at most 1000 addresses and at most 23% of the book, distinct and random", () =>
    withBook((book) =>
      Effect.gen(function*() {
        yield* book.add(Array.from({ length: 100 }, (_, i) => spread(i)), "user")
        const small = yield* book.size
        expect(small).toBeGreaterThan(90)
        expect((yield* book.sample()).length).toBe(Math.floor(small * 0.23))
        expect((yield* book.sample(5)).length).toBe(5)
        yield* book.add(Array.from({ length: 10_000 }, (_, i) => spread(100 + i)), "user")
        const size = yield* book.size
        expect(size).toBeGreaterThan(5000)
        const first = yield* book.sample()
        expect(first.length).toBe(1000)
        expect(new Set(first.map((e) => e.key)).size).toBe(1000)
        const second = yield* book.sample()
        expect(second.map((e) => e.key)).not.toEqual(first.map((e) => e.key))
        expect((yield* book.sample(5000)).length).toBe(Math.floor(size * 0.23))
      })
    ))

  it.effect("leaves out terrible and banned entries", () =>
    withBook((book) =>
      Effect.gen(function*() {
        const stale = Array.from({ length: 50 }, (_, i) => ({ ...spread(i), time: START_S - 40 * 86_400 }))
        const fresh = Array.from({ length: 50 }, (_, i) => spread(1000 + i))
        yield* book.add([...stale, ...fresh], "user")
        const banned = fresh[0]!
        yield* book.ban(banned, "1 hour", "test")
        const staleKeys = new Set(stale.map(keyOf))
        for (let i = 0; i < 20; i++) {
          const s = yield* book.sample()
          expect(s.length).toBe(Math.floor((yield* book.size) * 0.23))
          for (const e of s) {
            expect(staleKeys.has(e.key)).toBe(false)
            expect(e.key).not.toBe(keyOf(banned))
          }
        }
      })
    ))
})
