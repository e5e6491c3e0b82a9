import * as FileSystem from "@effect/platform/FileSystem"
import * as NodeFileSystem from "@effect/platform-node/NodeFileSystem"
import { describe, expect, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import * as Ref from "effect/Ref"
import * as AddressBook from "../../src/network/AddressBook.js"
import * as ChainParams from "../../src/wire/ChainParams.js"
import * as DnsResolver from "../../src/network/DnsResolver.js"
import * as ServiceFlags from "../../src/wire/ServiceFlags.js"
import { fixed, options, spread, START_S } from "../support/addressBook.js"
import * as NodeDnsResolver from "../../src/node/NodeDnsResolver.js"

const params = ChainParams.make({
  ...ChainParams.regtest,
  name: "seedtest",
  dnsSeeds: ["seed.one.example", "seed.two.example", "seed.dead.example"]
})

const records = {
  "seed.one.example": ["1.2.3.4", "5.6.7.8", "2a00:1450::1"],
  "seed.two.example": ["5.6.7.8", "9.9.9.9", "10.0.0.1"]
}

/** A static resolver that also records which names were asked. */
const countingResolver = Effect.gen(function*() {
  const asked = yield* Ref.make<ReadonlyArray<string>>([])
  const inner = DnsResolver.makeStatic(records)
  const layer = Layer.succeed(DnsResolver.DnsResolver, {
    resolve: (name) => Effect.zipRight(Ref.update(asked, (a) => [...a, name]), inner.resolve(name))
  })
  return { asked, layer }
})

describe("AddressBook.seedFromDns", () => {
  it.effect("fills a small book from every seed with the default port, seed services and a 3-7 day old time", () =>
    fixed(Effect.gen(function*() {
      const { asked, layer } = yield* countingResolver
      const summary = yield* AddressBook.seedFromDns(params).pipe(Effect.provide(layer))
      // 10.0.0.1 is unroutable (allowLocal is off here); 5.6.7.8 came twice; seed.dead has no records.
      expect(summary).toMatchObject({ added: 4, updated: 1, ignored: 1 })
      expect([...(yield* Ref.get(asked))].sort()).toEqual([...params.dnsSeeds].sort())
      const book = yield* AddressBook.AddressBook
      const e = Option.getOrThrow(yield* book.get({ network: 1, address: Uint8Array.of(1, 2, 3, 4), port: 18444 }))
      expect(e.source).toBe("dns")
      expect(e.services).toBe(ServiceFlags.NODE_NETWORK | ServiceFlags.NODE_WITNESS)
      expect(e.lastSeen).toBeLessThanOrEqual(START_S - 3 * 86_400)
      expect(e.lastSeen).toBeGreaterThanOrEqual(START_S - 7 * 86_400)
    }).pipe(Effect.provide(AddressBook.layerMemory(options({ allowLocal: false }))))))

  it.effect("does not query the seeds once the book holds `threshold` entries", () =>
    fixed(Effect.gen(function*() {
      const { asked, layer } = yield* countingResolver
      const book = yield* AddressBook.AddressBook
      yield* book.add(Array.from({ length: 10 }, (_, i) => spread(i)), "user")
      const skipped = yield* AddressBook.seedFromDns(params, { threshold: 10 }).pipe(Effect.provide(layer))
      expect(skipped.added).toBe(0)
      expect(yield* Ref.get(asked)).toEqual([])
      const ran = yield* AddressBook.seedFromDns(params, { threshold: 11 }).pipe(Effect.provide(layer))
      expect(ran.added).toBeGreaterThan(0)
      expect((yield* Ref.get(asked)).length).toBe(3)
    }).pipe(Effect.provide(AddressBook.layerMemory(options())))))

  it.live("the Node resolver looks names up through the operating system", () =>
    Effect.gen(function*() {
      const resolver = yield* NodeDnsResolver.make()
      const found = yield* resolver.resolve("localhost")
      expect(found.some((a) => a === "127.0.0.1" || a === "::1")).toBe(true)
      const missing = yield* Effect.either(resolver.resolve("no-such-host.invalid"))
      expect(Either.isLeft(missing)).toBe(true)
    }))

  it.effect("the static resolver fails unknown names with NotFound", () =>
    Effect.gen(function*() {
      const r = yield* Effect.either(DnsResolver.makeStatic(records).resolve("nope.example"))
      expect(Either.isLeft(r) && r.left.reason).toBe("NotFound")
    }))
})

describe("AddressBook.loadPeersFile", () => {
  it.effect("reads host:port lines, skips comments, blanks and malformed lines", () =>
    fixed(Effect.gen(function*() {
      const fs = yield* FileSystem.FileSystem
      const dir = yield* fs.makeTempDirectoryScoped()
      const path = `${dir}/peers.txt`
      yield* fs.writeFileString(path, [
        "# my nodes",
        "1.2.3.4:8333",
        "",
        "  [2a00:1450::1]:18333   # office",
        "5.6.7.8",
        "not-an-address:8333",
        "127.0.0.1:18444"
      ].join("\n"))
      const summary = yield* AddressBook.loadPeersFile(path, { defaultPort: 8333 })
      expect(summary).toMatchObject({ added: 4, ignored: 1 })
      const book = yield* AddressBook.AddressBook
      const keys = (yield* book.entries).map((e) => e.key).sort()
      expect(keys).toEqual(["1.2.3.4:8333", "127.0.0.1:18444", "5.6.7.8:8333", "[2a00:1450::1]:18333"])
      expect((yield* book.entries).every((e) => e.source === "file")).toBe(true)
      const missing = yield* Effect.either(AddressBook.loadPeersFile(`${dir}/none.txt`))
      expect(Either.isLeft(missing) && missing.left.reason).toBe("PeersFileFailed")
    }).pipe(Effect.scoped, Effect.provide(AddressBook.layerMemory(options())), Effect.provide(NodeFileSystem.layer))))
})
