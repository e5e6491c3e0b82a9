/**
 * The dispatcher's protocol duties, watched from raw remotes on an
 * in-memory network: `getaddr` answered for inbound peers only and once per
 * connection, gossip fed into the book under the sender's address (so the
 * book's per-source-group limits apply), small fresh announcements relayed
 * to two other peers, and self-advertisement to outbound peers.
 */
import { describe, expect, it } from "@effect/vitest"
import * as Clock from "effect/Clock"
import * as Context from "effect/Context"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Fiber from "effect/Fiber"
import * as Option from "effect/Option"
import * as Random from "effect/Random"
import * as Schedule from "effect/Schedule"
import * as TestClock from "effect/TestClock"
import * as AddressBook from "../../src/network/AddressBook.js"
import { AddressRelay } from "../../src/network/AddressRelay.js"
import type * as Frame from "../../src/wire/Frame.js"
import * as Message from "../../src/wire/Message.js"
import * as NetAddress from "../../src/wire/NetAddress.js"
import * as Transport from "../../src/network/Transport.js"
import { makeRaw, rawHandshake, type Raw } from "../support/peer.js"
import { collectEvents, dialRaw, KEY, listenRaw, PORT, START, startNode, type SimNode } from "../support/network.js"

const NOW_S = Math.floor(START / 1000)

const sim = <A, E, R>(self: Effect.Effect<A, E, R>, seed = "dispatcher") =>
  Effect.zipRight(TestClock.setTime(START), self).pipe(Effect.withRandom(Random.make(seed)))

const addr = (host: string, port = PORT) => NetAddress.fromHost(host, port)!
const timed = (host: string, time = NOW_S, port = PORT): NetAddress.TimedNetAddressFields => ({ ...addr(host, port), time })

/** Addresses in the `addr` / `addrv2` frames among `frames`. */
const announced = (frames: ReadonlyArray<Frame.Received>): Array<string> =>
  frames.flatMap((f) => (f.message._tag === "Addr" || f.message._tag === "AddrV2" ? f.message.addresses.map(NetAddress.toString) : []))

const tags = (frames: ReadonlyArray<Frame.Received>) => frames.map((f) => f.message._tag)

/** A raw remote connected inbound to `node` from `host:port`, handshake done. */
const inboundRaw = (hub: Transport.MemoryHub, node: SimNode, host: string, port: number) =>
  Effect.gen(function*() {
    const raw = yield* makeRaw(yield* dialRaw(hub, node.key, addr(host, port)))
    yield* rawHandshake(raw, "inbound")
    return raw
  })

/** Lets every message in flight arrive (memory sockets need only fiber turns). */
const settle = TestClock.adjust("10 millis")
/** Past the relay trickle (about every 30 s, jittered). */
const trickled = TestClock.adjust("2 minutes")

describe("Dispatcher: getaddr and self-advertisement", () => {
  it.scoped("getaddr is answered from the book for inbound peers, once per connection", () =>
    sim(Effect.gen(function*() {
      const hub = Transport.makeHub()
      const node = yield* startNode(hub, 1, { config: { targetOutbound: 0 } })
      const known = Array.from({ length: 20 }, (_, n) => timed(`127.0.60.${n + 1}`, NOW_S - 60))
      yield* node.book.add(known, "user")
      const raw = yield* inboundRaw(hub, node, "127.0.70.1", 5001)
      yield* raw.send(Message.GetAddr.make({}))
      yield* settle
      yield* raw.send(Message.GetAddr.make({}))
      yield* settle
      const frames = yield* raw.drain
      expect(tags(frames)).toEqual(["Addr"])
      // 23% of a 20-entry book, as Bitcoin Core: a sample, never the whole book.
      const sample = announced(frames)
      expect(sample.length).toBe(4)
      const keys = new Set(known.map(NetAddress.toString))
      expect(sample.every((k) => keys.has(k))).toBe(true)

      // A new connection from the same host is answered again.
      const again = yield* inboundRaw(hub, node, "127.0.70.1", 5002)
      yield* again.send(Message.GetAddr.make({}))
      yield* settle
      expect(tags(yield* again.drain)).toEqual(["Addr"])
    })))

  it.scoped("an outbound peer gets our listen address and a getaddr, and its getaddr goes unanswered", () =>
    sim(Effect.gen(function*() {
      const hub = Transport.makeHub()
      const remoteKey = "127.0.71.1:18444"
      const accepted = yield* listenRaw(hub, remoteKey)
      const node = yield* startNode(hub, 1, { config: { targetOutbound: 0 } })
      yield* node.book.add(Array.from({ length: 20 }, (_, n) => timed(`127.0.60.${n + 1}`)), "user")
      const connecting = yield* Effect.fork(node.connector.connect(addr("127.0.71.1")))
      yield* settle
      const raw = yield* makeRaw((yield* accepted.take).socket)
      yield* rawHandshake(raw, "outbound")
      yield* Fiber.join(connecting)
      yield* settle
      const frames = yield* raw.drain
      expect(tags(frames)).toEqual(["Addr", "GetAddr"])
      const self = frames[0]!.message as Message.MessageOf<"Addr">
      expect(self.addresses.map(NetAddress.toString)).toEqual([node.key])
      expect(self.addresses[0]!.time).toBe(NOW_S)

      // Answering an outbound peer's getaddr would let it fingerprint our book.
      yield* raw.send(Message.GetAddr.make({}))
      yield* TestClock.adjust("1 second")
      expect(tags(yield* raw.drain)).toEqual([])
    })))
})

describe("Dispatcher: periodic self-advertisement", () => {
  it.scoped("a listening node announces itself again to an outbound peer on advertiseSchedule, with a fresh time", () =>
    sim(Effect.gen(function*() {
      const hub = Transport.makeHub()
      const remoteKey = "127.0.72.1:18444"
      const accepted = yield* listenRaw(hub, remoteKey)
      const node = yield* startNode(hub, 1, {
        config: { targetOutbound: 0, advertiseSchedule: Schedule.spaced(Duration.minutes(4)) }
      })
      const connecting = yield* Effect.fork(node.connector.connect(addr("127.0.72.1")))
      yield* settle
      const raw = yield* makeRaw((yield* accepted.take).socket)
      yield* rawHandshake(raw, "outbound")
      yield* Fiber.join(connecting)
      yield* settle
      expect(announced(yield* raw.drain)).toEqual([node.key])

      // Nothing more before the schedule's first interval (kept under the 5-minute idle timeout:
      // this raw remote never speaks) ...
      yield* TestClock.adjust(Duration.minutes(3))
      expect(announced(yield* raw.drain)).toEqual([])
      // ... then our address again, stamped with the current time, although the peer already knows it.
      yield* TestClock.adjust(Duration.minutes(1))
      yield* settle
      const again = (yield* raw.drain).filter((f) => f.message._tag === "Addr" || f.message._tag === "AddrV2")
      expect(again.length).toBe(1)
      const entry = (again[0]!.message as Message.MessageOf<"Addr">).addresses[0]!
      expect(NetAddress.toString(entry)).toBe(node.key)
      expect(entry.time).toBe(NOW_S + 240)
    })))
  it.scoped("each peer keeps its own advertisement times; one connected later but due sooner is served first; a departed peer stops", () =>
    sim(Effect.gen(function*() {
      const hub = Transport.makeHub()
      // Per step of any peer's schedule, the next of these delays: the first peer's first wait is
      // 2.5 minutes, the second's (connected a minute later) half a minute, then a minute each (all
      // under the 5-minute idle timeout: these raw remotes never speak).
      const delays = [2.5, 0.5]
      const advertiseSchedule = Schedule.spaced(Duration.minutes(1)).pipe(
        Schedule.modifyDelay(() => Duration.minutes(delays.shift() ?? 1))
      )
      const node = yield* startNode(hub, 1, { config: { targetOutbound: 0, advertiseSchedule } })
      const first = yield* inboundRaw(hub, node, "127.0.73.1", 5101)
      yield* settle
      yield* TestClock.adjust(Duration.minutes(1))
      const second = yield* inboundRaw(hub, node, "127.0.73.2", 5102)
      yield* settle
      yield* first.drain
      yield* second.drain
      // 2 minutes in: the second peer's turn (due at 1:30), not the first's (due at 2:30).
      yield* TestClock.adjust(Duration.minutes(1))
      yield* settle
      expect(announced(yield* second.drain)).toEqual([node.key])
      expect(announced(yield* first.drain)).toEqual([])
      // 2:30: the first peer's, and the second's next (a minute after its first).
      yield* TestClock.adjust(Duration.minutes(0.5))
      yield* settle
      expect(announced(yield* first.drain)).toEqual([node.key])
      expect(announced(yield* second.drain)).toEqual([node.key])
      // The second peer leaves: the first still gets its own, a minute after its last.
      yield* second.close
      yield* settle
      yield* TestClock.adjust(Duration.minutes(1))
      yield* settle
      expect(announced(yield* first.drain)).toEqual([node.key])
      const { selfAdvertisements } = yield* Context.get(node.context, AddressRelay).stats
      expect(selfAdvertisements).toBe(4)
    })))
})

describe("Dispatcher: a newcomer's first advertisement step", () => {
  it.scoped("is taken a second after it connects, as of its connection; a peer gone sooner never steps the schedule", () =>
    sim(Effect.gen(function*() {
      const hub = Transport.makeHub()
      let steps = 0
      const advertiseSchedule = Schedule.spaced(Duration.minutes(1)).pipe(Schedule.tapOutput(() => Effect.sync(() => void steps++)))
      const node = yield* startNode(hub, 1, { config: { targetOutbound: 0, advertiseSchedule } })
      // Connected and gone within the second: no step, and no advertisement ever.
      const brief = yield* inboundRaw(hub, node, "127.0.74.1", 5201)
      yield* settle
      yield* brief.close
      yield* TestClock.adjust(Duration.seconds(2))
      expect(steps).toBe(0)
      // One that stays is stepped by the ring a second later, from when it connected: due a minute after that.
      const stays = yield* inboundRaw(hub, node, "127.0.74.2", 5202)
      yield* settle
      expect(steps).toBe(0)
      yield* TestClock.adjust(Duration.seconds(1))
      expect(steps).toBe(1)
      yield* stays.drain
      yield* TestClock.adjust(Duration.seconds(58))
      expect(announced(yield* stays.drain)).toEqual([])
      yield* TestClock.adjust(Duration.seconds(1))
      yield* settle
      expect(announced(yield* stays.drain)).toEqual([node.key])
      expect(steps).toBe(2)
    })))
})

describe("Dispatcher: staggered newcomers", () => {
  it.scoped("each newcomer's first step is taken a second after its own connection, not at another's ring", () =>
    sim(Effect.gen(function*() {
      const hub = Transport.makeHub()
      const steppedAt: Array<number> = []
      const advertiseSchedule = Schedule.spaced(Duration.minutes(1)).pipe(
        Schedule.tapOutput(() => Effect.map(Clock.currentTimeMillis, (t) => void steppedAt.push(t - START)))
      )
      const node = yield* startNode(hub, 1, { config: { targetOutbound: 0, advertiseSchedule } })
      // Connected at 0 and at 0.5 s (the handshake takes no clock time in memory).
      yield* inboundRaw(hub, node, "127.0.75.1", 5301)
      yield* TestClock.adjust(Duration.millis(500))
      yield* inboundRaw(hub, node, "127.0.75.2", 5302)
      yield* TestClock.adjust(Duration.millis(499))
      expect(steppedAt).toEqual([])
      // The first's ring at 1 s leaves the second, half a second old, for its own at 1.5 s.
      yield* TestClock.adjust(Duration.millis(1))
      expect(steppedAt).toEqual([1000])
      yield* TestClock.adjust(Duration.millis(499))
      expect(steppedAt).toEqual([1000])
      yield* TestClock.adjust(Duration.millis(1))
      expect(steppedAt).toEqual([1000, 1500])
    })))
})

describe("Dispatcher: gossip", () => {
  it.scoped("gossip is booked under the sender's host, so one host's connections share one source group", () =>
    sim(Effect.gen(function*() {
      const hub = Transport.makeHub()
      // One new bucket per source group, 8 slots: a source group can hold at most 8 entries.
      const book = AddressBook.layerMemory({ allowLocal: true, key: KEY, tables: { newBucketsPerSourceGroup: 1, bucketSize: 8 } })
      const node = yield* startNode(hub, 1, { config: { targetOutbound: 0 }, book })
      // One operator (one documentation host: one network group) reconnecting from three ports.
      const host = "198.51.100.9"
      for (let c = 0; c < 3; c++) {
        const raw = yield* inboundRaw(hub, node, host, 5000 + c)
        yield* raw.send(Message.Addr.make({ addresses: Array.from({ length: 8 }, (_, n) => timed(`127.0.90.${c * 8 + n + 1}`)) }))
        yield* settle
        yield* raw.close
        yield* settle
      }
      const entries = yield* node.book.entries
      expect(entries.length).toBeGreaterThan(0)
      expect(entries.every((e) => e.source === "peer:198.51.100.9")).toBe(true)
      // Per connection, three groups would have reached three buckets.
      expect(entries.length).toBeLessThanOrEqual(8)
    })))

  it.scoped("a small fresh announcement is relayed to two other peers; large, stale or own ones are not", () =>
    sim(Effect.gen(function*() {
      const hub = Transport.makeHub()
      // Self-advertisement now goes to every peer (inbound too) on advertiseSchedule (a simulated
      // minute in simConfig): pushed back to a day so that only relays are observed here.
      const node = yield* startNode(hub, 1, { config: { targetOutbound: 0, advertiseSchedule: Schedule.spaced(Duration.hours(24)) } })
      const sender = yield* inboundRaw(hub, node, "127.0.80.100", 6000)
      const others: Array<Raw> = []
      for (let n = 0; n < 4; n++) others.push(yield* inboundRaw(hub, node, `127.0.80.${n + 1}`, 6001 + n))
      const events = yield* collectEvents(node)
      const received = Effect.map(Effect.forEach(others, (r) => r.drain), (fs) => fs.map(announced))

      yield* sender.send(Message.Addr.make({ addresses: [timed("127.0.81.1")] }))
      yield* trickled
      const first = yield* received
      expect(first.filter((a) => a.length > 0).length).toBe(2)
      expect(first.flat()).toEqual(["127.0.81.1:18444", "127.0.81.1:18444"])
      expect(announced(yield* sender.drain)).toEqual([])

      // More than 10 addresses: a getaddr answer, not an announcement.
      yield* sender.send(Message.Addr.make({ addresses: Array.from({ length: 11 }, (_, n) => timed(`127.0.82.${n + 1}`)) }))
      // Older than 10 minutes.
      yield* sender.send(Message.Addr.make({ addresses: [timed("127.0.83.1", NOW_S - 3600)] }))
      yield* trickled
      expect((yield* received).flat()).toEqual([])
      const book = new Set((yield* node.book.entries).map((e) => e.key))
      expect(book.has("127.0.82.11:18444") && book.has("127.0.83.1:18444")).toBe(true)

      // Our own address is neither booked nor a reason to drop the rest.
      yield* sender.send(Message.Addr.make({ addresses: [timed(node.host), timed("127.0.84.1")] }))
      yield* settle
      expect(Option.isSome(yield* node.book.get(addr(node.host)))).toBe(false)
      expect(Option.isSome(yield* node.book.get(addr("127.0.84.1")))).toBe(true)
      expect(events.filter((e) => e._tag === "Disconnected")).toEqual([])
    })))
})
