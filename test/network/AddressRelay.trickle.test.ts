/**
 * The address relay's trickle: a relayed announcement waits in each chosen
 * peer's queue and goes out one `addrTrickleSchedule` delay later (simConfig:
 * every 2 s), all queued addresses in one message; each peer's delays follow
 * its own schedule across bursts; a peer that leaves while relays wait for it,
 * or while an announcement is being relayed, takes nothing down with it. The relay starts a peer's trickle only while
 * something waits, so these are the behaviours that change would break.
 * In-memory transport, `TestClock`.
 */
import { describe, expect, it } from "@effect/vitest"
import * as Chunk from "effect/Chunk"
import * as Effect from "effect/Effect"
import * as Random from "effect/Random"
import * as TestClock from "effect/TestClock"
import * as Transport from "../../src/network/Transport.js"
import * as Message from "../../src/wire/Message.js"
import * as NetAddress from "../../src/wire/NetAddress.js"
import { makeRaw, type Raw, versionMessage } from "../support/peer.js"
import { dialRaw, PORT, START, startNode } from "../support/network.js"

const NOW_S = Math.floor(START / 1000)

const sim = <A, E, R>(self: Effect.Effect<A, E, R>) =>
  Effect.zipRight(TestClock.setTime(START), self).pipe(Effect.withRandom(Random.make("trickle")))

const clear = (n: number): NetAddress.TimedNetAddressFields => ({ ...NetAddress.fromHost(`23.${n}.0.1`, PORT)!, time: NOW_S })
const settle = TestClock.adjust("10 millis")

/** Addr messages a raw remote received since the last call, each as its list of address keys. */
const addrMessages = (raw: Raw) =>
  Effect.map(raw.drain, (frames) =>
    frames.flatMap((f) => (f.message._tag === "Addr" || f.message._tag === "AddrV2" ? [f.message.addresses.map(NetAddress.toString)] : [])))

/**
 * A seeded `Random` whose next `shuffle` of a list `when` accepts runs `run`
 * first (once), then shuffles and puts `first` (if given) at the front. Other
 * shuffles (a peer's own, of the addresses it sends) pass through.
 */
const shuffleRunning = () => {
  const base = Random.make("trickle")
  const hooks: {
    next: { readonly when: (elements: ReadonlyArray<unknown>) => boolean; readonly run: Effect.Effect<void>; readonly first?: (element: unknown) => boolean } | undefined
    readonly service: Random.Random
  } = {
    next: undefined,
    service: Object.create(base, {
      shuffle: {
        value: <A>(elements: Iterable<A>): Effect.Effect<Chunk.Chunk<A>> => {
          const list = [...elements]
          const next = hooks.next
          if (next === undefined || !next.when(list)) return base.shuffle(list)
          hooks.next = undefined
          const first = next.first
          return Effect.zipRight(
            next.run,
            Effect.map(base.shuffle(list), (shuffled) =>
              first === undefined ? shuffled : Chunk.appendAll(Chunk.filter(shuffled, first), Chunk.filter(shuffled, (x) => !first(x))))
          )
        }
      }
    })
  }
  return hooks
}

/** A raw remote from `host` that has completed the version handshake with the node `key`. */
const handshaken = (hub: Transport.MemoryHub, key: string, host: string) =>
  Effect.gen(function*() {
    const raw = yield* makeRaw(yield* dialRaw(hub, key, NetAddress.fromHost(host, 6000)!))
    yield* raw.send(versionMessage({ nonce: raw.nonce }))
    yield* raw.nextOf("Version")
    yield* raw.send(Message.Verack.make({}))
    yield* raw.nextOf("Verack")
    return raw
  })

describe("AddressRelay: the per-peer trickle", () => {
  it.scoped("relays wait for the peer's next trickle and go out together; later bursts wait a full delay again", () =>
    sim(Effect.gen(function*() {
      const hub = Transport.makeHub()
      const node = yield* startNode(hub, 1, { config: { targetOutbound: 0 } })
      const connect = (i: number) => handshaken(hub, node.key, `127.0.92.${i}`)
      const sender = yield* connect(1)
      // Two others: the fanout of two picks both for every reachable address.
      const receivers = [yield* connect(2), yield* connect(3)]
      yield* settle
      for (const r of [sender, ...receivers]) yield* r.drain

      // Two announcements 10 ms apart: held, then sent together in one message per peer.
      yield* sender.send(Message.Addr.make({ addresses: [clear(1)] }))
      yield* settle
      yield* sender.send(Message.Addr.make({ addresses: [clear(2)] }))
      yield* settle
      for (const r of receivers) expect(yield* addrMessages(r)).toEqual([])
      yield* TestClock.adjust("2 seconds")
      for (const r of receivers) {
        expect(yield* addrMessages(r)).toEqual([[NetAddress.toString(clear(1)), NetAddress.toString(clear(2))]])
      }

      // Nothing waits: nothing more is sent, however long the link stays idle (short of the
      // minute-long self-advertisement).
      yield* TestClock.adjust("20 seconds")
      for (const r of receivers) expect(yield* addrMessages(r)).toEqual([])

      // The next burst waits a whole delay from when it was queued, not from the last trickle.
      yield* sender.send(Message.Addr.make({ addresses: [clear(3)] }))
      yield* settle
      yield* TestClock.adjust("1900 millis")
      for (const r of receivers) expect(yield* addrMessages(r)).toEqual([])
      yield* TestClock.adjust("200 millis")
      for (const r of receivers) expect(yield* addrMessages(r)).toEqual([[NetAddress.toString(clear(3))]])
    })))

  it.scoped("a peer that leaves while relays wait for it: the others still get theirs, and the node relays on", () =>
    sim(Effect.gen(function*() {
      const hub = Transport.makeHub()
      const node = yield* startNode(hub, 1, { config: { targetOutbound: 0 } })
      const connect = (i: number) => handshaken(hub, node.key, `127.0.93.${i}`)
      const sender = yield* connect(1)
      const [leaving, staying] = [yield* connect(2), yield* connect(3)]
      yield* settle
      for (const r of [sender, leaving!, staying!]) yield* r.drain

      yield* sender.send(Message.Addr.make({ addresses: [clear(1)] }))
      yield* settle
      yield* leaving!.close
      yield* settle
      expect((yield* node.connector.peers).length).toBe(2)
      yield* TestClock.adjust("2 seconds")
      expect(yield* addrMessages(staying!)).toEqual([[NetAddress.toString(clear(1))]])

      // With one other peer left, the next announcement goes to it alone.
      yield* sender.send(Message.Addr.make({ addresses: [clear(2)] }))
      yield* TestClock.adjust("2100 millis")
      expect(yield* addrMessages(staying!)).toEqual([[NetAddress.toString(clear(2))]])
    })))

  it.scoped("a peer that leaves while an announcement is being relayed: the sender stays, its place goes to another peer", () => {
    // The relay takes the connected peers, then yields before queueing for each (a Random call here; in a
    // busy node, the fiber's yield after 2,048 operations): one of them leaves during the shuffle, which
    // puts it first. Three peers besides the sender, a fanout of two: the departed one's place is the third's.
    const random = shuffleRunning()
    return Effect.gen(function*() {
      yield* TestClock.setTime(START)
      const hub = Transport.makeHub()
      const node = yield* startNode(hub, 1, { config: { targetOutbound: 0 } })
      const connect = (i: number) => handshaken(hub, node.key, `127.0.94.${i}`)
      const sender = yield* connect(1)
      const [leaving, stayingA, stayingB] = [yield* connect(2), yield* connect(3), yield* connect(4)]
      yield* settle
      for (const r of [sender, leaving!, stayingA!, stayingB!]) yield* r.drain

      const peerCount = Effect.map(node.connector.peers, (peers) => peers.length)
      const isLeaving = (x: unknown) => (x as { readonly remote?: unknown }).remote === "127.0.94.2:6000"
      random.next = {
        // The relay's candidates: the three peers other than the sender.
        when: (list) => list.length === 3 && list.some(isLeaving),
        first: isLeaving,
        run: Effect.gen(function*() {
          yield* leaving!.close
          // Until the node has let it go (its registry entry and relay queue forgotten).
          for (let i = 0; i < 10_000 && (yield* peerCount) === 4; i++) yield* Effect.yieldNow()
          expect(yield* peerCount).toBe(3)
        })
      }
      yield* sender.send(Message.Addr.make({ addresses: [clear(1)] }))
      yield* settle
      expect(random.next).toBeUndefined()
      yield* TestClock.adjust("2 seconds")
      // The sender did nothing wrong: still connected, and its announcement reached both peers that stayed.
      expect((yield* node.connector.peers).map((p) => p.remote)).toEqual(["127.0.94.1:6000", "127.0.94.3:6000", "127.0.94.4:6000"])
      for (const r of [stayingA!, stayingB!]) expect(yield* addrMessages(r)).toEqual([[NetAddress.toString(clear(1))]])
      // And relaying goes on.
      yield* sender.send(Message.Addr.make({ addresses: [clear(2)] }))
      yield* TestClock.adjust("2100 millis")
      for (const r of [stayingA!, stayingB!]) expect(yield* addrMessages(r)).toEqual([[NetAddress.toString(clear(2))]])
    }).pipe(Effect.withRandom(random.service))
  })
})
