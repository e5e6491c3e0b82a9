/**
 * `peer.runForEach`: the consumer that takes from its subscription directly.
 * It must behave as `Stream.runForEach` over `peer.messages(...)` does: only
 * the asked-for types, in order, ending with the peer, cut off with
 * `SubscriberLagged` when it falls behind, and a handler's failure ends it
 * (the peer stays up, its other subscribers unaffected). Ended any way
 * (interrupted, its handler failed), it removes its subscription: the peer's
 * `Subscribers` (captured by wrapping the class) count it no more.
 */
import { describe, expect, it } from "@effect/vitest"
import * as Deferred from "effect/Deferred"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Fiber from "effect/Fiber"
import * as TestClock from "effect/TestClock"
import * as Frame from "../../src/wire/Frame.js"
import * as Message from "../../src/wire/Message.js"
import { vi } from "vitest"
import type { Subscribers } from "../../src/internal/peer/Subscribers.js"
import { connectRaw, params, polled, txInv } from "../support/peer.js"

/** Every `Subscribers` made since the last reset: a peer makes one. */
const made = vi.hoisted(() => ({ all: [] as Array<{ readonly size: number }> }))
vi.mock("../../src/internal/peer/Subscribers.js", async (importOriginal) => {
  const real = await importOriginal<typeof import("../../src/internal/peer/Subscribers.js")>()
  class Tracked<A> extends real.Subscribers<A> {
    constructor(...args: ConstructorParameters<typeof real.Subscribers<A>>) {
      super(...args)
      made.all.push(this)
    }
  }
  return { ...real, Subscribers: Tracked }
})

const range = (n: number, from = 0) => Array.from({ length: n }, (_, i) => from + i)
const inv = (n: number) => Message.Inv.make({ inventory: [txInv(n)] })
const numberOf = (m: Message.MessageOf<"Inv">) => m.inventory[0]!.hash[4]! + 256 * m.inventory[0]!.hash[3]!

/** Lets every fiber run until all wait (the test clock does not move). */
const quiesce = TestClock.adjust(Duration.zero)

describe("peer.runForEach", () => {
  it.scoped("handles only the asked-for types, in order, and succeeds when the peer disconnects", () =>
    Effect.gen(function*() {
      const { peer, raw } = yield* connectRaw("outbound")
      const seen: Array<number> = []
      let all = 0
      const invs = yield* Effect.fork(peer.runForEach(["Inv"], (m) => Effect.sync(() => seen.push(numberOf(m)))))
      const everything = yield* Effect.fork(peer.runForEach(() => Effect.sync(() => all++)))
      yield* quiesce
      for (const i of range(30)) {
        yield* raw.send(inv(i))
        if (i % 10 === 9) yield* raw.send(Message.Ping.make({ nonce: BigInt(i) }))
      }
      for (let i = 0; i < 3; i++) yield* raw.nextOf("Pong")
      yield* quiesce
      expect(seen).toEqual(range(30))
      expect(yield* polled(invs)).toBeUndefined()
      yield* raw.close
      expect(yield* Fiber.await(invs)).toEqual(Exit.void)
      expect(yield* Fiber.await(everything)).toEqual(Exit.void)
      expect(all).toBe(33)
    }))

  it.scoped("falling subscriberBuffer messages behind fails it with SubscriberLagged; the peer and other consumers go on", () =>
    Effect.gen(function*() {
      const { peer, raw } = yield* connectRaw("outbound", { subscriberBuffer: 10 })
      const gate = yield* Deferred.make<void>()
      const slow = yield* Effect.fork(peer.runForEach(["Inv"], () => Deferred.await(gate)))
      const seen: Array<number> = []
      const fast = yield* Effect.fork(peer.runForEach(["Inv"], (m) => Effect.sync(() => seen.push(numberOf(m)))))
      yield* quiesce
      // The burst as one write, as a remote's flood arrives.
      const frames = [...range(40).map(inv), Message.Ping.make({ nonce: 7n })].map((m) => Frame.encode(params.magic, m))
      const flood = new Uint8Array(frames.reduce((n, f) => n + f.length, 0))
      frames.reduce((at, f) => (flood.set(f, at), at + f.length), 0)
      yield* raw.sendBytes(flood)
      expect((yield* raw.nextOf("Pong")).nonce).toBe(7n)
      yield* quiesce
      expect(yield* polled(slow)).toBeUndefined()
      // Let it go on: it handles what was buffered, then learns it was cut off.
      yield* Deferred.succeed(gate, undefined)
      const error = yield* Effect.flip(Fiber.join(slow))
      expect(error.reason).toBe("SubscriberLagged")
      expect(seen).toEqual(range(40))
      expect(yield* polled(fast)).toBeUndefined()
      expect(yield* peer.disconnectReason).toBeUndefined()
    }))

  it.scoped("a handler's failure ends it with that error; the peer stays connected and a new consumer gets what follows", () =>
    Effect.gen(function*() {
      const { peer, raw } = yield* connectRaw("outbound")
      const failing = yield* Effect.fork(
        peer.runForEach(["Inv"], (m) => (numberOf(m) === 3 ? Effect.fail("stop at 3" as const) : Effect.void))
      )
      yield* quiesce
      for (const i of range(5)) yield* raw.send(inv(i))
      yield* quiesce
      expect(yield* Effect.flip(Fiber.join(failing))).toBe("stop at 3")
      const seen: Array<number> = []
      const next = yield* Effect.fork(peer.runForEach(["Inv"], (m) => Effect.sync(() => seen.push(numberOf(m)))))
      yield* quiesce
      for (const i of range(20, 5)) yield* raw.send(inv(i))
      yield* raw.send(Message.Ping.make({ nonce: 9n }))
      expect((yield* raw.nextOf("Pong")).nonce).toBe(9n)
      yield* quiesce
      expect(seen).toEqual(range(20, 5))
      expect(yield* polled(next)).toBeUndefined()
      expect(yield* peer.disconnectReason).toBeUndefined()
    }))

  it.scoped("interrupted (waiting, or in its handler) or ended by its handler's failure, it removes its subscription", () =>
    Effect.gen(function*() {
      made.all.length = 0
      const { peer, raw } = yield* connectRaw("outbound", { subscriberBuffer: 10 })
      expect(made.all.length).toBe(1)
      const subscribers = made.all[0]! as Subscribers<unknown>
      const base = subscribers.size
      const waiting = yield* Effect.fork(peer.runForEach(["Inv"], () => Effect.void))
      const stuck = yield* Effect.fork(peer.runForEach(["Inv"], () => Effect.never))
      const failing = yield* Effect.fork(peer.runForEach(["Inv"], () => Effect.fail("stop" as const)))
      const seen: Array<number> = []
      const live = yield* Effect.fork(peer.runForEach(["Inv"], (m) => Effect.sync(() => seen.push(numberOf(m)))))
      yield* quiesce
      expect(subscribers.size).toBe(base + 4)
      yield* raw.send(inv(0))
      yield* quiesce
      // `stuck` is in its handler, `waiting` waits for more; `failing` ended.
      expect(yield* Effect.flip(Fiber.join(failing))).toBe("stop")
      expect(subscribers.size).toBe(base + 3)
      yield* Fiber.interrupt(waiting)
      expect(subscribers.size).toBe(base + 2)
      yield* Fiber.interrupt(stuck)
      expect(subscribers.size).toBe(base + 1)
      // More than subscriberBuffer messages, as one write: only the live consumer gets them, and keeps up.
      const frames = [...range(25, 1).map(inv), Message.Ping.make({ nonce: 5n })].map((m) => Frame.encode(params.magic, m))
      const flood = new Uint8Array(frames.reduce((n, f) => n + f.length, 0))
      frames.reduce((at, f) => (flood.set(f, at), at + f.length), 0)
      yield* raw.sendBytes(flood)
      expect((yield* raw.nextOf("Pong")).nonce).toBe(5n)
      yield* quiesce
      expect(seen).toEqual(range(26))
      expect(yield* polled(live)).toBeUndefined()
      expect(subscribers.size).toBe(base + 1)
      yield* raw.close
      expect(yield* Fiber.await(live)).toEqual(Exit.void)
      expect(subscribers.size).toBe(0)
    }))
})
