import { SystemError } from "@effect/platform/Error"
import * as FileSystem from "@effect/platform/FileSystem"
import * as NodeFileSystem from "@effect/platform-node/NodeFileSystem"
import { describe, expect, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as Layer from "effect/Layer"
import * as Logger from "effect/Logger"
import * as Option from "effect/Option"
import * as Schedule from "effect/Schedule"
import * as TestClock from "effect/TestClock"
import * as TestServices from "effect/TestServices"
import * as AddressBook from "../../src/network/AddressBook.js"
import { bytesToHex } from "../../src/wire/Hash.js"
import { fixed, KEY, options, spread, START, v4 } from "../support/addressBook.js"

const OTHER_KEY = new Uint8Array(32).fill(0xee)

/** Runs `f` against a persistent book at `path`, then closes it (which saves). */
const session = <A, E>(
  path: string,
  f: (book: AddressBook.AddressBookShape) => Effect.Effect<A, E>,
  extra: Partial<AddressBook.PersistentOptions> = {}
) => Effect.flatMap(AddressBook.AddressBook, f).pipe(Effect.provide(AddressBook.layer({ ...options(), path, ...extra })))

/** A temporary directory for the test, removed afterwards. */
const tempPath = Effect.map(
  Effect.flatMap(FileSystem.FileSystem, (fs) => fs.makeTempDirectoryScoped({ prefix: "address-book-" })),
  (dir) => `${dir}/peers.json`
)

/** Collects log messages at warning level and above. */
const captureWarnings = Effect.sync(() => {
  const messages: Array<string> = []
  const logger = Logger.make(({ logLevel, message }) => {
    if (logLevel._tag === "Warning" || logLevel._tag === "Error") messages.push(String(message))
  })
  return { messages, layer: Logger.replace(Logger.defaultLogger, logger) }
})

const run = <A, E>(self: Effect.Effect<A, E, FileSystem.FileSystem | import("effect/Scope").Scope>) =>
  fixed(Effect.scoped(self)).pipe(Effect.provide(NodeFileSystem.layer))

const byKey = (entries: ReadonlyArray<AddressBook.Entry>) => [...entries].sort((a, b) => a.key.localeCompare(b.key))

describe("AddressBook persistence", () => {
  it.effect("round trip: entries, tried status, counters, bans and the key survive a restart", () =>
    run(Effect.gen(function*() {
      const fs = yield* FileSystem.FileSystem
      const path = yield* tempPath
      const before = yield* session(path, (book) =>
        Effect.gen(function*() {
          yield* book.add(Array.from({ length: 300 }, (_, i) => ({ ...spread(i), services: BigInt(i) << 40n })), "user")
          yield* book.addFromPeer("1.2.3.4:8333", [v4(8, 8, 8, 8)])
          for (let i = 0; i < 50; i++) yield* book.markGood(spread(i))
          yield* book.markAttempt(spread(100))
          yield* book.markFailed(spread(100))
          yield* book.ban(v4(6, 6, 6, 6), "2 days", "spam")
          return { entries: yield* book.entries, bans: yield* book.bans }
        }))
      expect(before.entries.filter((e) => e.tried).length).toBeGreaterThan(40)
      expect(yield* fs.exists(path)).toBe(true)
      expect(JSON.parse(yield* fs.readFileString(path)).key).toBe(bytesToHex(KEY))

      // Restart with another key option: the saved key wins, and everything comes back.
      const after = yield* session(path, (book) =>
        Effect.gen(function*() {
          const snapshot = { entries: yield* book.entries, bans: yield* book.bans }
          yield* book.add([v4(9, 9, 9, 9)], "user") // a change, so this session saves too
          return snapshot
        }), { key: OTHER_KEY })
      expect(byKey(after.entries)).toEqual(byKey(before.entries))
      expect(after.bans).toEqual(before.bans)
      expect(JSON.parse(yield* fs.readFileString(path)).key).toBe(bytesToHex(KEY))
      const third = yield* session(path, (book) => book.isBanned(v4(6, 6, 6, 6)))
      expect(third).toBe(true)
    })))

  it.effect("a missing file is an empty book; the new book and its random key are written on close", () =>
    run(Effect.gen(function*() {
      const fs = yield* FileSystem.FileSystem
      const path = yield* tempPath
      expect(yield* session(path, (book) => book.size, { key: undefined })).toBe(0)
      const saved = JSON.parse(yield* fs.readFileString(path))
      expect(saved.key).toMatch(/^[0-9a-f]{64}$/)
      expect(saved.entries).toEqual([])
      yield* session(path, (book) => book.add([v4(8, 8, 8, 8)], "user"), { key: undefined })
      expect(JSON.parse(yield* fs.readFileString(path)).key).toBe(saved.key)
    })))

  const corrupt = (name: string, damage: (fs: FileSystem.FileSystem, path: string) => Effect.Effect<void, unknown>) =>
    it.effect(`a ${name} file is moved aside with a warning and the book starts empty`, () =>
      run(Effect.gen(function*() {
        const fs = yield* FileSystem.FileSystem
        const path = yield* tempPath
        yield* session(path, (book) => book.add(Array.from({ length: 100 }, (_, i) => spread(i)), "user"))
        yield* damage(fs, path)
        const damaged = yield* fs.readFileString(path)
        const warnings = yield* captureWarnings
        const size = yield* session(path, (book) => book.size).pipe(Effect.provide(warnings.layer))
        expect(size).toBe(0)
        expect(yield* fs.readFileString(`${path}.corrupt-${START}`)).toBe(damaged)
        expect(warnings.messages.some((m) => m.includes("corrupt"))).toBe(true)
        // The fresh book was saved in its place and loads cleanly.
        const again = yield* captureWarnings
        yield* session(path, (book) => book.size).pipe(Effect.provide(again.layer))
        expect(again.messages).toEqual([])
      })))

  corrupt("garbage", (fs, path) => fs.writeFileString(path, "\u0000\u0001 this is not json {{{"))
  corrupt("truncated", (fs, path) =>
    Effect.flatMap(fs.readFileString(path), (text) => fs.writeFileString(path, text.slice(0, Math.floor(text.length / 2)))))
  corrupt("well-formed JSON but wrong shape", (fs, path) => fs.writeFileString(path, JSON.stringify({ version: 2, entries: 3 })))
  corrupt("empty", (fs, path) => fs.writeFileString(path, ""))

  it.effect("a leftover .tmp from an interrupted save does not disturb the real file", () =>
    run(Effect.gen(function*() {
      const fs = yield* FileSystem.FileSystem
      const path = yield* tempPath
      yield* session(path, (book) => book.add(Array.from({ length: 20 }, (_, i) => spread(i)), "user"))
      const good = yield* fs.readFileString(path)
      // A crash halfway through writing the temporary file.
      yield* fs.writeFileString(`${path}.tmp`, good.slice(0, 100))
      const size = yield* session(path, (book) => Effect.zipLeft(book.size, book.add([v4(8, 8, 8, 8)], "user")))
      expect(size).toBe(JSON.parse(good).entries.length)
      expect(yield* fs.exists(`${path}.tmp`)).toBe(false)
      expect(JSON.parse(yield* fs.readFileString(path)).entries).toHaveLength(size + 1)
    })))

  it.effect("saves are atomic: only <path>.tmp is written, then renamed; a crash before the rename keeps the old file", () =>
    Effect.gen(function*() {
      const path = yield* tempPath
      const opened: Array<string> = []
      const written: Array<string> = []
      let crash = false
      const spying = Layer.effect(
        FileSystem.FileSystem,
        Effect.map(FileSystem.FileSystem, (fs): FileSystem.FileSystem => ({
          ...fs,
          open: (p, o) => Effect.zipRight(Effect.sync(() => opened.push(p)), fs.open(p, o)),
          writeFile: (p, d, o) => Effect.zipRight(Effect.sync(() => written.push(p)), fs.writeFile(p, d, o)),
          writeFileString: (p, d, o) => Effect.zipRight(Effect.sync(() => written.push(p)), fs.writeFileString(p, d, o)),
          rename: (from, to) =>
            crash
              ? Effect.fail(new SystemError({ reason: "Unknown", module: "FileSystem", method: "rename", pathOrDescriptor: from }))
              : fs.rename(from, to)
        }))
      ).pipe(Layer.provide(NodeFileSystem.layer))
      const fs = yield* FileSystem.FileSystem
      yield* session(path, (book) => book.add(Array.from({ length: 20 }, (_, i) => spread(i)), "user")).pipe(
        Effect.provide(spying)
      )
      expect(opened).toEqual([`${path}.tmp`])
      expect(written).toEqual([])
      const good = yield* fs.readFileString(path)
      crash = true
      const warnings = yield* captureWarnings
      const saved = yield* session(path, (book) =>
        Effect.zipRight(book.add(Array.from({ length: 20 }, (_, i) => spread(100 + i)), "user"), Effect.either(book.save))
      ).pipe(Effect.provide(spying), Effect.provide(warnings.layer))
      expect(Either.isLeft(saved)).toBe(true)
      // The interrupted save left its temporary file behind, and the real file untouched.
      expect(yield* fs.exists(`${path}.tmp`)).toBe(true)
      expect(yield* fs.readFileString(path)).toBe(good)
      expect(opened.every((p) => p === `${path}.tmp`)).toBe(true)
      crash = false
      expect(yield* session(path, (book) => book.size)).toBe(JSON.parse(good).entries.length)
    }).pipe(run))

  it.effect("saves on the schedule while open, and only when something changed", () =>
    run(Effect.gen(function*() {
      const fs = yield* FileSystem.FileSystem
      const path = yield* tempPath
      const entriesOnDisk = Effect.map(fs.readFileString(path), (t) => JSON.parse(t).entries.length as number)
      // The saver writes asynchronously after the clock moves: poll the disk for a little real time.
      const eventually = (n: number) =>
        entriesOnDisk.pipe(
          Effect.orElseSucceed(() => -1),
          Effect.filterOrFail((k) => k === n),
          Effect.retry(Schedule.spaced("20 millis").pipe(Schedule.upTo("5 seconds"))),
          TestServices.provideLive
        )
      yield* session(path, (book) =>
        Effect.gen(function*() {
          yield* book.add([v4(8, 8, 8, 8)], "user")
          expect(yield* fs.exists(path)).toBe(false)
          yield* TestClock.adjust("1 minute")
          yield* eventually(1)
          yield* book.add([v4(9, 9, 9, 9)], "user")
          yield* TestClock.adjust("1 minute")
          yield* eventually(2)
          const stamp = (yield* fs.stat(path)).mtime
          yield* TestClock.adjust("5 minutes")
          yield* Effect.sleep("50 millis").pipe(TestServices.provideLive)
          expect((yield* fs.stat(path)).mtime).toEqual(stamp)
        }), { saveInterval: "1 minute" })
    })))

  it.effect("save failures are reported by save and logged by the saver, never fatal", () =>
    run(Effect.gen(function*() {
      const path = `${yield* tempPath}.missing-dir/peers.json`
      const warnings = yield* captureWarnings
      const result = yield* session(path, (book) => Effect.zipRight(book.add([v4(8, 8, 8, 8)], "user"), Effect.either(book.save)))
        .pipe(Effect.provide(warnings.layer))
      expect(Either.isLeft(result) && result.left.reason).toBe("SaveFailed")
      expect(warnings.messages.some((m) => m.includes("save failed"))).toBe(true)
    })))

  it.effect("an unreadable path (a directory) fails the layer with LoadFailed", () =>
    run(Effect.gen(function*() {
      const fs = yield* FileSystem.FileSystem
      const path = yield* tempPath
      yield* fs.makeDirectory(path)
      const result = yield* Effect.either(session(path, (book) => book.size))
      expect(Either.isLeft(result) && result.left.reason).toBe("LoadFailed")
    })))

  it.effect("layerMemory keeps nothing on disk and save is a no-op", () =>
    fixed(Effect.gen(function*() {
      const book = yield* AddressBook.AddressBook
      yield* book.add([v4(8, 8, 8, 8)], "user")
      yield* book.save
      expect(Option.isSome(yield* book.get(v4(8, 8, 8, 8)))).toBe(true)
    }).pipe(Effect.provide(AddressBook.layerMemory(options())))))
})
