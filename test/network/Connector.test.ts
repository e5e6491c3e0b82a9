/**
 * The connector's promises, on an in-memory network under the `TestClock`:
 * manual peers come back after their remote restarts, connect-only mode
 * never touches the address book, the inbound limit closes extra
 * connections, misbehaving peers are banned (and their host is neither
 * accepted nor dialled again), and a book flooded with one network group
 * still yields outbound peers in distinct groups.
 */
import { describe, expect, it } from "@effect/vitest"
import * as Cause from "effect/Cause"
import * as Deferred from "effect/Deferred"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Fiber from "effect/Fiber"
import * as Option from "effect/Option"
import * as Random from "effect/Random"
import * as TestClock from "effect/TestClock"
import * as AddressBook from "../../src/network/AddressBook.js"
import type { PeerEvent } from "../../src/network/Connector.js"
import * as NetAddress from "../../src/wire/NetAddress.js"
import * as Transport from "../../src/network/Transport.js"
import { makeRaw, rawHandshake, versionMessage } from "../support/peer.js"
import {
  addressOf,
  advanceUntil,
  collectEvents,
  dialRaw,
  keyOf,
  listenRaw,
  peerKeys,
  PORT,
  START,
  startNode,
  stop
} from "../support/network.js"

/** Runs `self` from a realistic wall-clock start with a seeded `Random`. */
const sim = <A, E, R>(self: Effect.Effect<A, E, R>, seed = "connector") =>
  Effect.zipRight(TestClock.setTime(START), self).pipe(Effect.withRandom(Random.make(seed)))

const disconnects = (events: ReadonlyArray<PeerEvent>) =>
  events.filter((e): e is Extract<PeerEvent, { _tag: "Disconnected" }> => e._tag === "Disconnected")

const connects = (events: ReadonlyArray<PeerEvent>) =>
  events.filter((e): e is Extract<PeerEvent, { _tag: "Connected" }> => e._tag === "Connected")

const addr = (host: string, port = PORT) => NetAddress.fromHost(host, port)!

/** Garbage where a frame should be: no network magic. */
const GARBAGE = new Uint8Array(64).fill(0x42)

describe("Connector: manual peers and connect-only mode", () => {
  it.scoped("a manual peer is reconnected after its remote restarts on the same address", () =>
    sim(Effect.gen(function*() {
      const hub = Transport.makeHub()
      const first = yield* startNode(hub, 1, { config: { targetOutbound: 0 } })
      const client = yield* startNode(hub, 2, { config: { targetOutbound: 0, connectOnly: true, manualPeers: [addressOf(1)] } })
      const events = yield* collectEvents(client)

      yield* advanceUntil("manual peer connected", Effect.map(peerKeys(client, "outbound"), (k) => k.includes(keyOf(1))))
      expect(connects(events).map((e) => [e.peer.remote, e.manual])).toEqual([[keyOf(1), true]])

      yield* stop(first)
      yield* advanceUntil("remote closed seen", Effect.sync(() => disconnects(events).length === 1))
      expect(disconnects(events)[0]).toMatchObject({ remote: keyOf(1), direction: "outbound", banned: false })
      expect(disconnects(events)[0]!.reason._tag).toBe("RemoteClosed")

      // Down for a while: no peer, and no event beyond the disconnection.
      yield* TestClock.adjust("5 seconds")
      expect(yield* client.connector.peers).toEqual([])
      expect(events.length).toBe(2)

      // Same address again: back within the retry interval, again as a manual peer.
      const second = yield* startNode(hub, 1, { config: { targetOutbound: 0 } })
      const elapsed = yield* advanceUntil("manual peer reconnected", Effect.map(peerKeys(client, "outbound"), (k) => k.includes(keyOf(1))))
      expect(elapsed).toBeLessThanOrEqual(600)
      expect(connects(events).map((e) => [e.peer.remote, e.manual])).toEqual([[keyOf(1), true], [keyOf(1), true]])
      expect((yield* second.connector.peers).map((p) => p.direction)).toEqual(["inbound"])
    })))

  it.scoped("connect-only mode dials its manual peers and never an address from the book", () =>
    sim(Effect.gen(function*() {
      const hub = Transport.makeHub()
      const manual = yield* startNode(hub, 1, { config: { targetOutbound: 0 } })
      const known = yield* startNode(hub, 2, { config: { targetOutbound: 0 } })
      const now = Math.floor(START / 1000)
      const bookSeeds = [{ ...addressOf(2), time: now }, { ...addressOf(1), time: now }]
      const client = yield* startNode(hub, 3, {
        config: { targetOutbound: 4, connectOnly: true, manualPeers: [addressOf(1)], listen: undefined },
        seeds: [addressOf(2), addressOf(1)]
      })
      // The same book without connect-only: the known node is dialled at once.
      const control = yield* startNode(hub, 4, { config: { targetOutbound: 4, listen: undefined } })
      yield* control.book.add(bookSeeds, "user")

      yield* advanceUntil("control dialled the book", Effect.map(peerKeys(control, "outbound"), (k) => k.includes(keyOf(2))))
      yield* TestClock.adjust("30 seconds")
      expect(yield* peerKeys(client, "outbound")).toEqual([keyOf(1)])
      // The known node saw only the control's connection, and the client never even tried it.
      expect((yield* known.connector.peers).map((p) => p.remote)).toEqual([expect.stringMatching(/^127\.0\.1\.5:/)])
      expect(Option.getOrThrow(yield* client.book.get(addressOf(2))).lastAttempt).toBe(0)
      expect((yield* manual.connector.peers).some((p) => p.remote.startsWith("127.0.1.4:"))).toBe(true)
    })))
})

describe("Connector: inbound limit", () => {
  it.scoped("inbound connections beyond maxInbound are closed at once; a freed slot is reused", () =>
    sim(Effect.gen(function*() {
      const hub = Transport.makeHub()
      const server = yield* startNode(hub, 1, { config: { targetOutbound: 0, maxInbound: 2 } })
      const clients = yield* Effect.forEach([2, 3, 4, 5], (i) => startNode(hub, i, { config: { targetOutbound: 0, listen: undefined } }))
      const attempts = yield* Effect.forEach(clients, (c) => Effect.fork(c.connector.connect(addressOf(1))))
      // Far less than the 30 s handshake timeout: refused connections must be closed, not left to time out.
      yield* TestClock.adjust("1 second")
      const exits = yield* Effect.forEach(attempts, (f) => Fiber.poll(f))
      expect(exits.every(Option.isSome)).toBe(true)
      const done = exits.map((e) => Option.getOrThrow(e))
      const accepted = done.filter(Exit.isSuccess)
      const refused = done.filter(Exit.isFailure)
      expect(accepted.length).toBe(2)
      expect(refused.length).toBe(2)
      for (const exit of refused) {
        // The server hung up before any handshake: the client's peer saw the remote close.
        expect(Option.getOrThrow(Cause.failureOption(exit.cause))).toMatchObject({
          _tag: "PeerError",
          reason: "Disconnected",
          disconnect: { _tag: "RemoteClosed" }
        })
      }
      expect((yield* peerKeys(server, "inbound")).length).toBe(2)

      // One inbound peer leaves: its slot is free for the next connection.
      const [firstPeer] = accepted.map((e) => e.value)
      yield* firstPeer!.disconnect("done")
      yield* TestClock.adjust("100 millis")
      expect((yield* peerKeys(server, "inbound")).length).toBe(1)
      const refusedClient = clients[done.indexOf(refused[0]!)]!
      const late = yield* Effect.fork(refusedClient.connector.connect(addressOf(1)))
      yield* TestClock.adjust("100 millis")
      const lateExit = yield* Fiber.poll(late)
      expect(Option.isSome(lateExit) && Exit.isSuccess(lateExit.value)).toBe(true)
      expect((yield* peerKeys(server, "inbound")).length).toBe(2)
    })))
})

describe("Connector: bans", () => {
  it.scoped("an inbound peer sending garbage is banned; its host is refused inbound and never dialled", () =>
    sim(Effect.gen(function*() {
      const hub = Transport.makeHub()
      const attacker = "127.66.0.1"
      // The attacker's host is in the book already (nothing listens there yet: dials fail).
      // Loopback stands in for a remote host here: local peers are exempt from bans unless `banLocal`.
      const node = yield* startNode(hub, 1, { config: { targetOutbound: 2, banLocal: true }, seeds: [addr(attacker)] })
      const events = yield* collectEvents(node)

      const raw = yield* makeRaw(yield* dialRaw(hub, node.key, addr(attacker, 5555)))
      yield* rawHandshake(raw, "inbound")
      yield* advanceUntil("attacker connected", Effect.sync(() => connects(events).length === 1))
      yield* raw.sendBytes(GARBAGE)
      yield* advanceUntil("attacker disconnected", Effect.sync(() => disconnects(events).length === 1))

      const gone = disconnects(events)[0]!
      expect(gone).toMatchObject({ remote: `${attacker}:5555`, direction: "inbound", banned: true })
      expect(gone.reason._tag).toBe("DecodeError")
      expect(yield* node.book.isBanned(addr(attacker))).toBe(true)
      expect((yield* node.book.bans).map((b) => NetAddress.hostToString(b))).toEqual([attacker])
      // The ban is on the host: another port of it is refused before any handshake.
      const again = yield* makeRaw(yield* dialRaw(hub, node.key, addr(attacker, 5556)))
      yield* again.send(versionMessage({ nonce: again.nonce }))
      yield* TestClock.adjust("1 second")
      expect(yield* Deferred.isDone(again.closed)).toBe(true)
      expect(yield* again.drain).toEqual([])
      expect(connects(events).length).toBe(1)

      // Now a node listens on the banned host: it is never dialled, while an honest one is.
      const banned = yield* startNode(hub, 2, { host: attacker, config: { targetOutbound: 0 } })
      const honest = yield* startNode(hub, 3, { config: { targetOutbound: 0 } })
      yield* node.book.add([{ ...addressOf(3), time: Math.floor(START / 1000) }], "user")
      yield* advanceUntil("honest node dialled", Effect.map(peerKeys(node, "outbound"), (k) => k.includes(honest.key)))
      yield* TestClock.adjust("20 seconds")
      expect(yield* peerKeys(node, "outbound")).toEqual([honest.key])
      expect(yield* banned.connector.peers).toEqual([])
      // Still in the book (and it would be picked: the other slot is idle), but banned.
      expect(Option.isSome(yield* node.book.get(addr(attacker)))).toBe(true)
    })))

  it.scoped("an outbound peer that breaks the protocol is banned and not dialled again; a benign close is redialled", () =>
    sim(Effect.gen(function*() {
      const hub = Transport.makeHub()
      const remoteKey = "127.77.0.1:18444"
      const accepted = yield* listenRaw(hub, remoteKey)
      const node = yield* startNode(hub, 1, { config: { targetOutbound: 1, banLocal: true }, seeds: [addr("127.77.0.1")] })
      const events = yield* collectEvents(node)

      // First connection: the remote completes the handshake and hangs up politely.
      yield* advanceUntil("first dial", Effect.map(accepted.size, (n) => Option.getOrElse(n, () => 0) === 1))
      const first = yield* makeRaw((yield* accepted.take).socket)
      yield* rawHandshake(first, "outbound")
      yield* first.close
      yield* advanceUntil("benign disconnect", Effect.sync(() => disconnects(events).length === 1))
      expect(disconnects(events)[0]).toMatchObject({ remote: remoteKey, direction: "outbound", banned: false })

      // It is the only address in the book: the slot redials it.
      yield* advanceUntil("redial", Effect.map(accepted.size, (n) => Option.getOrElse(n, () => 0) === 1), { limit: "2 seconds" })
      const second = yield* makeRaw((yield* accepted.take).socket)
      yield* rawHandshake(second, "outbound")
      yield* second.send(versionMessage({ nonce: second.nonce }))
      yield* advanceUntil("violation disconnect", Effect.sync(() => disconnects(events).length === 2))
      const violation = disconnects(events)[1]!
      expect(violation).toMatchObject({ remote: remoteKey, direction: "outbound", banned: true })
      expect(violation.reason).toMatchObject({ _tag: "ProtocolViolation", rule: "DuplicateVersion" })
      expect(yield* node.book.isBanned(addr("127.77.0.1"))).toBe(true)

      // Forty retry intervals later: never dialled again.
      yield* TestClock.adjust("20 seconds")
      expect(Option.getOrElse(yield* accepted.size, () => 0)).toBe(0)
      expect(yield* node.connector.peers).toEqual([])
    })))
})

describe("Connector: eclipse resistance", () => {
  it.scoped("with a book flooded by one network group, outbound peers still span distinct groups", () =>
    sim(Effect.gen(function*() {
      // Only loopback and documentation addresses are used, even in memory. Loopback is a group
      // per host:port, and the documentation ranges are unroutable: a group per host, whatever
      // the port. So the attacker is one documentation host with 500 ports (as Core, the book
      // groups by host, never by port), and the honest nodes are 12 other documentation hosts.
      const attackerHost = "198.51.100.7"
      expect(AddressBook.isRoutable(addr(attackerHost))).toBe(false)
      expect(AddressBook.netGroup(addr(attackerHost, 20_000))).toBe(AddressBook.netGroup(addr(attackerHost, 20_499)))
      expect(AddressBook.netGroup(addr("203.0.113.1"))).not.toBe(AddressBook.netGroup(addr("203.0.113.2")))
      const hub = Transport.makeHub()
      const attackers = Array.from({ length: 500 }, (_, n) => addr(attackerHost, 20_000 + n))
      const honest = Array.from({ length: 12 }, (_, n) => addr(`203.0.113.${n + 1}`))
      // 16 of the attacker's addresses answer, and every honest one.
      for (let n = 0; n < 16; n++) {
        yield* startNode(hub, 100 + n, { host: attackerHost, port: 20_000 + n, config: { targetOutbound: 0 } })
      }
      for (let n = 0; n < honest.length; n++) {
        yield* startNode(hub, 200 + n, { host: `203.0.113.${n + 1}`, config: { targetOutbound: 0 } })
      }
      const victim = yield* startNode(hub, 1, { config: { targetOutbound: 8, listen: undefined } })
      const now = Math.floor(START / 1000)
      // Gossip from one source fills at most one bucket (64 slots): the attacker uses ten.
      for (let s = 0; s < 10; s++) {
        yield* victim.book.addFromPeer(`127.0.9.${s + 1}:18444`, attackers.slice(s * 50, s * 50 + 50).map((a) => ({ ...a, time: now })))
      }
      yield* victim.book.add(honest.map((a) => ({ ...a, time: now - 3600 })), "user")
      const attackerGroup = AddressBook.netGroup(addr(attackerHost))
      const entries = yield* victim.book.entries
      const poisoned = entries.filter((e) => e.group === attackerGroup).length
      expect(poisoned).toBeGreaterThan(300)
      expect(poisoned / entries.length).toBeGreaterThan(0.95)

      const groupsOf = Effect.map(victim.connector.peers, (peers) =>
        peers.filter((p) => p.direction === "outbound").map((p) => {
          const at = p.remote.lastIndexOf(":")
          return AddressBook.netGroup(addr(p.remote.slice(0, at), Number(p.remote.slice(at + 1))))
        }))
      let worst = 0
      const check = Effect.map(groupsOf, (groups) => {
        expect(new Set(groups).size).toBe(groups.length)
        worst = Math.max(worst, groups.filter((g) => g === attackerGroup).length)
        return groups.length === 8
      })
      yield* advanceUntil("8 outbound peers", check, { limit: "2 minutes" })
      // Keep watching while slots churn through the attacker's dead addresses.
      for (let i = 0; i < 20; i++) {
        yield* TestClock.adjust("500 millis")
        yield* check
      }
      const groups = yield* groupsOf
      expect(groups.length).toBe(8)
      expect(worst).toBeLessThanOrEqual(1)
      expect(groups.filter((g) => g !== attackerGroup).length).toBeGreaterThanOrEqual(7)
    }), "eclipse"))
})
