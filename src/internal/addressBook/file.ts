/**
 * The address book on disk: a JSON document described by a `Schema`, read at
 * start and written atomically (to `<path>.tmp`, synced, then renamed over
 * `<path>`), so a crash mid-write leaves the previous file intact.
 *
 * A file that does not decode (garbage, truncated, wrong version) is renamed
 * to `<path>.corrupt-<unix ms>` with a warning and the book starts empty.
 *
 * @internal
 */
import type { PlatformError } from "@effect/platform/Error"
import type * as FileSystem from "@effect/platform/FileSystem"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as Option from "effect/Option"
import * as ParseResult from "effect/ParseResult"
import * as Schema from "effect/Schema"

const Byte = Schema.Int.pipe(Schema.between(0, 255))
const Seconds = Schema.Int
const Count = Schema.NonNegativeInt

const Source = Schema.Union(
  Schema.Literal("dns", "file", "user", "manual"),
  Schema.TemplateLiteral(Schema.Literal("peer:"), Schema.String)
)

/** One persisted address (times in Unix seconds; services as a decimal string). @internal */
export const EntryJson = Schema.Struct({
  network: Byte,
  address: Schema.Uint8ArrayFromHex,
  port: Schema.Int.pipe(Schema.between(0, 0xffff)),
  services: Schema.NonNegativeBigInt,
  lastSeen: Seconds,
  lastAttempt: Seconds,
  lastSuccess: Seconds,
  attempts: Count,
  failures: Count,
  source: Source,
  tried: Schema.Boolean
})

/** One persisted ban (times in Unix milliseconds). @internal */
export const BanJson = Schema.Struct({
  network: Byte,
  address: Schema.Uint8ArrayFromHex,
  reason: Schema.String,
  createdAt: Schema.Number,
  expiresAt: Schema.Number
})

/** @internal */
export const BookFile = Schema.Struct({
  version: Schema.Literal(1),
  key: Schema.Uint8ArrayFromHex.pipe(Schema.filter((k) => k.length === 32, { message: () => "key must be 32 bytes" })),
  entries: Schema.Array(EntryJson),
  bans: Schema.Array(BanJson)
})

/** @internal */
export type BookFile = typeof BookFile.Type

const BookFileJson = Schema.parseJson(BookFile)

/** @internal */
export const decode = Schema.decodeUnknownEither(BookFileJson)

/** @internal */
export const encode: (file: BookFile) => string = Schema.encodeSync(BookFileJson)

/**
 * Reads the book file. Missing: `None`. Undecodable: moved aside, warning
 * logged, `None`. Unreadable for another reason (permissions, a directory):
 * fails, since saving over it later would lose data we could not look at.
 *
 * @internal
 */
export const read = (
  fs: FileSystem.FileSystem,
  path: string,
  nowMillis: number
): Effect.Effect<Option.Option<BookFile>, PlatformError> =>
  Effect.gen(function*() {
    // A `.tmp` left by an interrupted save is never the real book: drop it.
    yield* fs.remove(`${path}.tmp`).pipe(Effect.ignore)
    const text = yield* fs.readFileString(path).pipe(
      Effect.map(Option.some),
      Effect.catchIf((e) => e._tag === "SystemError" && e.reason === "NotFound", () => Effect.succeedNone)
    )
    if (Option.isNone(text)) return Option.none()
    const decoded = decode(text.value)
    if (Either.isRight(decoded)) return Option.some(decoded.right)
    const aside = `${path}.corrupt-${nowMillis}`
    const moved = yield* fs.rename(path, aside).pipe(Effect.either)
    yield* Effect.logWarning("address book file is corrupt; starting with an empty book").pipe(
      Effect.annotateLogs({
        path,
        movedTo: Either.isRight(moved) ? aside : `(could not move: ${moved.left.message})`,
        error: ParseResult.TreeFormatter.formatErrorSync(decoded.left).slice(0, 500)
      })
    )
    return Option.none()
  })

/**
 * Writes `<path>.tmp`, syncs it, and renames it over `<path>`.
 *
 * @internal
 */
export const write = (fs: FileSystem.FileSystem, path: string, file: BookFile): Effect.Effect<void, PlatformError> =>
  Effect.gen(function*() {
    const tmp = `${path}.tmp`
    const bytes = new TextEncoder().encode(encode(file))
    yield* Effect.scoped(
      Effect.gen(function*() {
        const handle = yield* fs.open(tmp, { flag: "w" })
        yield* handle.writeAll(bytes)
        yield* handle.sync
      })
    )
    yield* fs.rename(tmp, path)
  })
