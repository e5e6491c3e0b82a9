/**
 * The persistent address book: load at start, save on a `Schedule` while the
 * book changes, save once more when the layer's scope closes. Saves are
 * serialized by a semaphore and skipped when nothing changed since the last.
 *
 * @internal
 */
import * as FileSystem from "@effect/platform/FileSystem"
import * as Clock from "effect/Clock"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import * as Ref from "effect/Ref"
import * as Schedule from "effect/Schedule"
import type * as Scope from "effect/Scope"
import type { AddressBookError, AddressBookShape, PersistentOptions } from "../../network/AddressBook.js"
import * as File from "./file.js"
import * as Service from "./service.js"

/** Core writes peers.dat every 15 minutes. @internal */
export const DEFAULT_SAVE_INTERVAL = Duration.minutes(15)

/** @internal */
export const make = (
  options: PersistentOptions,
  error: (reason: "LoadFailed" | "SaveFailed", cause: unknown) => AddressBookError
): Effect.Effect<AddressBookShape, AddressBookError, FileSystem.FileSystem | Scope.Scope> =>
  Effect.gen(function*() {
    const fs = yield* FileSystem.FileSystem
    const startedAt = yield* Clock.currentTimeMillis
    const loaded = yield* File.read(fs, options.path, startedAt).pipe(Effect.mapError((e) => error("LoadFailed", e)))
    const book = yield* Service.make(options, loaded)
    // A freshly made book has never been written: save it (and its key) at the first chance.
    const savedVersion = yield* Ref.make(Option.isSome(loaded) ? yield* book.version : -1)
    const lock = yield* Effect.makeSemaphore(1)

    const save = lock.withPermits(1)(
      Effect.gen(function*() {
        const version = yield* book.version
        if (version === (yield* Ref.get(savedVersion))) return
        const file = yield* book.snapshot
        yield* File.write(fs, options.path, file).pipe(Effect.mapError((e) => error("SaveFailed", e)))
        yield* Ref.set(savedVersion, version)
      })
    )
    const saveOrWarn = save.pipe(
      Effect.catchAll((e) => Effect.logWarning("address book save failed").pipe(Effect.annotateLogs({ error: e.message })))
    )

    // Finalizers run in reverse: the periodic saver stops first, then the final save runs.
    yield* Effect.addFinalizer(() => saveOrWarn)
    yield* saveOrWarn.pipe(
      Effect.schedule(Schedule.spaced(options.saveInterval ?? DEFAULT_SAVE_INTERVAL)),
      Effect.forkScoped
    )
    if (Option.isSome(loaded)) {
      yield* Effect.logDebug("address book loaded").pipe(
        Effect.annotateLogs({ path: options.path, entries: loaded.value.entries.length })
      )
    }
    return { ...book.service, save }
  })
