/**
 * A subscription's `next` (`Subscribers.ts`): a consumer that finds its
 * mailbox empty waits outside the mailbox, woken by `publish` or by the end.
 * Every way of waking it must reach it, in order, with nothing lost, and an
 * interrupted wait must not leave a later consumer waiting for ever.
 */
import { describe, expect, it } from "@effect/vitest"
import * as Chunk from "effect/Chunk"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Fiber from "effect/Fiber"
import type * as Scheduler from "effect/Scheduler"
import type { PeerError } from "../../src/peer/PeerError.js"
import { makeMailbox, Subscribers } from "../../src/internal/peer/Subscribers.js"

interface Note {
  readonly tag: string
  readonly n: number
}

const setup = (capacity = 16, maxBytes?: number) =>
  Effect.gen(function*() {
    const bus = new Subscribers<Note>((a) => a.tag, maxBytes)
    const mailbox = yield* makeMailbox<Note>(capacity)
    return { bus, subscription: bus.add(undefined, mailbox) }
  })

/** Everything `next` hands out until the subscription ends (or how it failed), also kept in `seen` as it comes. */
const drain = (next: Effect.Effect<readonly [Chunk.Chunk<Note>, boolean], PeerError>, seen: Array<number> = []) =>
  Effect.gen(function*() {
    for (;;) {
      const [chunk, done] = yield* next
      for (const a of chunk) seen.push(a.n)
      if (done) return seen
    }
  })

/** Lets other fibers run until `seen` holds `count` messages (or gives up after many turns). */
const until = (seen: ReadonlyArray<number>, count: number) =>
  Effect.gen(function*() {
    for (let turn = 0; turn < 100 && seen.length < count; turn++) yield* Effect.yieldNow()
  })

describe("Subscribers: the byte bound", () => {
  const lagged = (exit: Exit.Exit<unknown, unknown>) => Exit.isFailure(exit) && JSON.stringify(exit.cause).includes("SubscriberLagged")

  it.effect("counts only what is buffered: what the consumer took frees its bytes, across drains, bursts and partial takes", () =>
    Effect.gen(function*() {
      const { bus, subscription } = yield* setup(1000, 1000)
      let n = 0
      const publish = (count: number) => {
        for (let i = 0; i < count; i++) bus.publish({ tag: "a", n: ++n }, 10)
      }
      // Bursts of 90 (900 of 1,000 bytes), each taken whole: none is cut off.
      for (let round = 0; round < 3; round++) {
        publish(90)
        const [chunk, done] = yield* subscription.next
        expect([chunk.length, done]).toEqual([90, false])
        subscription.taken(chunk.length)
      }
      // 100 buffered (1,000 bytes), half of them reported taken: room for 50 more, not 51.
      publish(100)
      const [chunk] = yield* subscription.next
      expect(chunk.length).toBe(100)
      subscription.taken(50)
      publish(50)
      expect(bus.size).toBe(1)
      publish(1)
      expect(bus.size).toBe(0)
      const [rest, done] = yield* subscription.next
      expect(Chunk.toReadonlyArray(rest).map((a) => a.n)).toEqual(Array.from({ length: 50 }, (_, i) => 371 + i))
      expect(done).toBe(false)
      expect(lagged(yield* Effect.exit(subscription.next))).toBe(true)
    }))

  it.effect("keeps the right sizes when a partial take past 1,024 messages moves the rest to the front", () =>
    Effect.gen(function*() {
      // Message k is k bytes: a size read from the wrong place shows in the room left.
      const all = 2000
      const total = (all * (all + 1)) / 2
      const { bus, subscription } = yield* setup(4 * all, total)
      for (let k = 1; k <= all; k++) bus.publish({ tag: "a", n: k }, k)
      expect(bus.size).toBe(1)
      const [chunk] = yield* subscription.next
      expect(chunk.length).toBe(all)
      subscription.taken(1500) // past 1,024 and more than half: the 500 sizes left move to the front
      subscription.taken(250) // messages 1,501-1,750 are gone: 1,751-2,000 remain
      const buffered = ((1751 + all) * 250) / 2
      // Room for exactly what is left: one more byte past it cuts the subscriber off.
      bus.publish({ tag: "a", n: all + 1 }, total - buffered)
      expect(bus.size).toBe(1)
      bus.publish({ tag: "a", n: all + 2 }, 1)
      expect(bus.size).toBe(0)
    }))
})

describe("Subscribers: waiting for the next message", () => {
  it.effect("a waiting consumer is woken by each publish and gets every message in order, then the end", () =>
    Effect.gen(function*() {
      const { bus, subscription } = yield* setup()
      const seen: Array<number> = []
      const fiber = yield* Effect.fork(drain(subscription.next, seen))
      yield* Effect.yieldNow()
      for (let n = 1; n <= 3; n++) {
        bus.publish({ tag: "a", n })
        yield* until(seen, n)
        expect(seen).toEqual(Array.from({ length: n }, (_, i) => i + 1))
      }
      bus.publish({ tag: "a", n: 4 })
      bus.publish({ tag: "a", n: 5 })
      yield* until(seen, 5)
      expect(seen).toEqual([1, 2, 3, 4, 5])
      subscription.remove()
      expect(yield* Fiber.join(fiber)).toEqual([1, 2, 3, 4, 5])
    }))

  it.effect("a consumer waiting when its subscriber is cut off fails with SubscriberLagged after what it buffered", () =>
    Effect.gen(function*() {
      const { bus, subscription } = yield* setup(2)
      const seen: Array<number> = []
      const fiber = yield* Effect.fork(drain(subscription.next, seen))
      yield* Effect.yieldNow()
      // Published in one synchronous run: the third finds the buffer full.
      bus.publish({ tag: "a", n: 1 })
      bus.publish({ tag: "a", n: 2 })
      bus.publish({ tag: "a", n: 3 })
      const exit = yield* Fiber.await(fiber)
      expect(Exit.isFailure(exit) && JSON.stringify(exit.cause)).toContain("SubscriberLagged")
      expect(seen).toEqual([1, 2])
    }))

  it.effect("endAll wakes a waiting consumer, which ends", () =>
    Effect.gen(function*() {
      const { bus, subscription } = yield* setup()
      const fiber = yield* Effect.fork(drain(subscription.next))
      yield* Effect.yieldNow()
      bus.endAll()
      expect(yield* Fiber.join(fiber)).toEqual([])
    }))

  it.effect("after a waiting consumer is interrupted, the next consumer still gets every message", () =>
    Effect.gen(function*() {
      const { bus, subscription } = yield* setup()
      const first = yield* Effect.fork(subscription.next)
      yield* Effect.yieldNow()
      yield* Fiber.interrupt(first)
      const seen: Array<number> = []
      const second = yield* Effect.fork(drain(subscription.next, seen))
      yield* Effect.yieldNow()
      bus.publish({ tag: "a", n: 1 })
      yield* until(seen, 1)
      bus.publish({ tag: "a", n: 2 })
      yield* until(seen, 2)
      expect(seen).toEqual([1, 2])
      subscription.remove()
      expect(yield* Fiber.join(second)).toEqual([1, 2])
    }))

  it.effect("two consumers waiting at once: every message reaches one of them, none twice", () =>
    Effect.gen(function*() {
      const { bus, subscription } = yield* setup()
      const a = yield* Effect.fork(drain(subscription.next))
      const b = yield* Effect.fork(drain(subscription.next))
      yield* Effect.yieldNow()
      for (let n = 1; n <= 6; n++) {
        bus.publish({ tag: "a", n })
        yield* Effect.yieldNow()
      }
      subscription.remove()
      const seen = [...(yield* Fiber.join(a)), ...(yield* Fiber.join(b))].sort((x, y) => x - y)
      expect(seen).toEqual([1, 2, 3, 4, 5, 6])
    }))

  /**
   * The consumer's fiber may yield between `next` finding the mailbox empty
   * and registering its wait (every 2,048 operations it does). A scheduler
   * that makes it yield right after that check puts a publish, or the end,
   * in the gap: the consumer must still see it.
   */
  const inTheGap = async (between: (bus: Subscribers<Note>) => void) => {
    const tasks: Array<() => void> = []
    let yieldNext = false
    // Tasks are held until the gap is filled, then run on timers as usual.
    let held = true
    const scheduler: Scheduler.Scheduler = {
      scheduleTask: (task) => void (held ? tasks.push(task) : setTimeout(task, 0)),
      shouldYield: () => {
        if (!yieldNext) return false
        yieldNext = false
        return 0
      }
    }
    const bus = new Subscribers<Note>((a) => a.tag)
    const mailbox = Effect.runSync(makeMailbox<Note>(16))
    const size = mailbox.unsafeSize.bind(mailbox)
    // Each look at the mailbox's size (the emptiness check) makes the fiber yield at its next step.
    ;(mailbox as { unsafeSize: typeof mailbox.unsafeSize }).unsafeSize = () => {
      yieldNext = true
      return size()
    }
    const subscription = bus.add(undefined, mailbox)
    const fiber = Effect.runFork(Effect.withScheduler(drain(subscription.next), scheduler))
    expect(tasks.length).toBe(1) // it yielded after its check, before waiting
    between(bus)
    held = false
    for (const task of tasks.splice(0)) setTimeout(task, 0)
    return { bus, fiber }
  }

  it("a publish between the consumer's check and its wait reaches it", async () => {
    const { bus, fiber } = await inTheGap((bus) => bus.publish({ tag: "a", n: 1 }))
    bus.endAll()
    expect(await Effect.runPromise(Fiber.join(fiber))).toEqual([1])
  })

  it("the end between the consumer's check and its wait ends it", async () => {
    const { fiber } = await inTheGap((bus) => bus.endAll())
    expect(await Effect.runPromise(Fiber.join(fiber))).toEqual([])
  })
})
