/**
 * The registry's way of running a peer's inbox (`mailboxSource.ts`): taking
 * from the subscription's mailbox must hand the handlers exactly what running
 * the stream would, in order, ending and failing as the stream does.
 */
import { describe, expect, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Mailbox from "effect/Mailbox"
import * as Stream from "effect/Stream"
import { runForEach, withMailboxSource } from "../../src/internal/peer/mailboxSource.js"

const marked = (mailbox: Mailbox.Mailbox<number, string>, taken: Array<number>) =>
  withMailboxSource(Stream.die("the stream itself must not run"), { next: mailbox.takeAll, taken: (n) => taken.push(n) })

describe("mailboxSource.runForEach", () => {
  it.effect("hands every message in order, reports each batch taken, and ends once the mailbox is done and drained", () =>
    Effect.gen(function*() {
      const mailbox = yield* Mailbox.make<number, string>()
      const taken: Array<number> = []
      const seen: Array<number> = []
      yield* mailbox.offerAll([1, 2, 3])
      const fiber = yield* Effect.fork(runForEach(marked(mailbox, taken), (n) => Effect.sync(() => seen.push(n))))
      yield* Effect.yieldNow()
      yield* mailbox.offer(4)
      yield* mailbox.end
      yield* Effect.exit(fiber.await)
      expect(seen).toEqual([1, 2, 3, 4])
      expect(taken.reduce((a, b) => a + b, 0)).toBe(4)
      expect(Exit.isSuccess(yield* fiber.await)).toBe(true)
    }))

  it.effect("calls the handler with the message alone, for a batch of several as for one (as Stream.runForEach does: no index)", () =>
    Effect.gen(function*() {
      const mailbox = yield* Mailbox.make<number, string>()
      const arities: Array<number> = []
      // A handler that takes optional arguments (`Effect.log`, `console.log`-like) sees every one it is given.
      const f = (...args: ReadonlyArray<unknown>) => Effect.sync(() => void arities.push(args.length))
      yield* mailbox.offerAll([1, 2, 3])
      const fiber = yield* Effect.fork(runForEach(marked(mailbox, []), f))
      yield* Effect.yieldNow()
      yield* mailbox.offer(4)
      yield* mailbox.end
      yield* fiber.await
      expect(arities).toEqual([1, 1, 1, 1])
    }))

  it.effect("fails as the mailbox fails, after what it buffered", () =>
    Effect.gen(function*() {
      const mailbox = yield* Mailbox.make<number, string>()
      const seen: Array<number> = []
      yield* mailbox.offerAll([7, 8])
      yield* mailbox.fail("lagged")
      const exit = yield* Effect.exit(runForEach(marked(mailbox, []), (n) => Effect.sync(() => seen.push(n))))
      expect(seen).toEqual([7, 8])
      expect(exit).toEqual(Exit.fail("lagged"))
    }))

  it.effect("runs any other stream as a stream", () =>
    Effect.gen(function*() {
      const seen: Array<number> = []
      yield* runForEach(Stream.make(5, 6), (n) => Effect.sync(() => seen.push(n)))
      expect(seen).toEqual([5, 6])
    }))
})
