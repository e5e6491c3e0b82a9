/**
 * The address relay's rules for networks we cannot reach, as Bitcoin Core's
 * net_processing.cpp: an address of an unreachable network is relayed (to
 * one or two peers, a reachable one to two) but not stored ("Do not store
 * addresses outside our network"), so it is never picked nor given out;
 * an address `addr` (v1) cannot carry (onion) goes only to peers that asked
 * for `addrv2`, in relays, `getaddr` answers and our own advertisement (our
 * onion, `externalAddresses`). In-memory transport, `TestClock`.
 */
import { describe, expect, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import * as Random from "effect/Random"
import * as TestClock from "effect/TestClock"
import * as Transport from "../../src/network/Transport.js"
import * as Message from "../../src/wire/Message.js"
import * as NetAddress from "../../src/wire/NetAddress.js"
import { makeRaw, type Raw, versionMessage } from "../support/peer.js"
import { addressOf, dialRaw, listenRaw, PORT, START, startNode } from "../support/network.js"

const NOW_S = Math.floor(START / 1000)
const { IPv4, IPv6, TorV3 } = NetAddress.NetworkId

const sim = <A, E, R>(self: Effect.Effect<A, E, R>, seed = "reachable") =>
  Effect.zipRight(TestClock.setTime(START), self).pipe(Effect.withRandom(Random.make(seed)))

const onion = (n: number, time = NOW_S): NetAddress.TimedNetAddressFields => ({
  services: 0n,
  network: TorV3,
  address: Uint8Array.from({ length: 32 }, (_, i) => (i === 0 ? n : 7)),
  port: PORT,
  time
})
const clear = (n: number, time = NOW_S): NetAddress.TimedNetAddressFields => ({ ...NetAddress.fromHost(`23.${n}.0.1`, PORT)!, time })
const settle = TestClock.adjust("10 millis")
/** Past the relay trickle (simConfig: every 2 s), short of the next self-advertisement (every minute). */
const trickled = TestClock.adjust("5 seconds")

/** A raw remote's side of the handshake; `addrv2` asks for addrv2 (BIP-0155 sendaddrv2, before verack). */
const handshake = (raw: Raw, nodeDirection: "inbound" | "outbound", addrv2: boolean) =>
  Effect.gen(function*() {
    const ours = versionMessage({ nonce: raw.nonce })
    if (nodeDirection === "inbound") {
      yield* raw.send(ours)
      yield* raw.nextOf("Version")
    } else {
      yield* raw.nextOf("Version")
      yield* raw.send(ours)
    }
    if (addrv2) yield* raw.send(Message.SendAddrV2.make({}))
    yield* raw.send(Message.Verack.make({}))
    yield* raw.nextOf("Verack")
  })

/** Every address a raw remote has received (addr or addrv2) since the last call. */
const received = (raw: Raw) =>
  Effect.map(raw.drain, (frames) =>
    frames.flatMap((f) => (f.message._tag === "Addr" || f.message._tag === "AddrV2" ? f.message.addresses : [])))

const has = (list: ReadonlyArray<NetAddress.NetAddressFields>, a: NetAddress.NetAddressFields) =>
  list.some((x) => NetAddress.toString(x) === NetAddress.toString(a))

describe("AddressRelay: networks we cannot reach (Core's rules)", () => {
  it.scoped("an onion we cannot reach is relayed to one or two addrv2 peers but not booked; a reachable address to two and booked", () =>
    sim(Effect.gen(function*() {
      const hub = Transport.makeHub()
      const node = yield* startNode(hub, 1, { config: { targetOutbound: 0 } }) // IPv4 and IPv6 only
      const connect = (i: number, addrv2: boolean) =>
        Effect.gen(function*() {
          const raw = yield* makeRaw(yield* dialRaw(hub, node.key, NetAddress.fromHost(`127.0.90.${i}`, 6000)!))
          yield* handshake(raw, "inbound", addrv2)
          return raw
        })
      const sender = yield* connect(1, true)
      const modern = [yield* connect(2, true), yield* connect(3, true), yield* connect(4, true)]
      const legacy = yield* connect(5, false)
      yield* settle
      for (const r of [sender, ...modern, legacy]) yield* r.drain

      const onions = Array.from({ length: 16 }, (_, i) => onion(i + 1))
      const clears = Array.from({ length: 16 }, (_, i) => clear(i + 1))
      for (let i = 0; i < 16; i++) {
        yield* sender.send(Message.AddrV2.make({ addresses: [onions[i]!, clears[i]!] }))
        yield* settle
      }
      // Relays wait in each peer's queue for its next trickle (every 2 simulated seconds in simConfig).
      yield* trickled
      const got = [...(yield* Effect.forEach(modern, received)), yield* received(legacy)]
      const reach = (a: NetAddress.NetAddressFields) => got.filter((list) => has(list, a)).length

      const onionFanout = onions.map(reach)
      for (const n of onionFanout) expect([1, 2]).toContain(n)
      // Some onions went to one peer only: fewer relays for a network we cannot reach.
      expect(onionFanout.filter((n) => n === 1).length).toBeGreaterThan(0)
      for (const a of clears) expect(reach(a)).toBe(2)
      // addr (v1) cannot carry an onion: the legacy peer never got one, and got its IPv4 relays intact.
      expect(got[3]!.some((a) => a.network === TorV3)).toBe(false)
      // Booked: every IPv4 address, no onion.
      for (const a of clears) expect(Option.isSome(yield* node.book.get(a))).toBe(true)
      for (const a of onions) expect(Option.isNone(yield* node.book.get(a))).toBe(true)
    })))

  it.scoped("a getaddr answer gives an addr (v1) peer no onion, and an addrv2 peer onions too", () =>
    sim(Effect.gen(function*() {
      const hub = Transport.makeHub()
      const node = yield* startNode(hub, 1, { config: { targetOutbound: 0 }, reachable: [IPv4, IPv6, TorV3] })
      const old = NOW_S - 3600
      yield* node.book.add([...Array.from({ length: 40 }, (_, i) => onion(i + 1, old)), ...Array.from({ length: 40 }, (_, i) => clear(i + 1, old))], "user")
      const ask = (i: number, addrv2: boolean) =>
        Effect.gen(function*() {
          const raw = yield* makeRaw(yield* dialRaw(hub, node.key, NetAddress.fromHost(`127.0.91.${i}`, 6000)!))
          yield* handshake(raw, "inbound", addrv2)
          yield* settle
          yield* raw.drain
          yield* raw.send(Message.GetAddr.make({}))
          yield* settle
          return yield* received(raw)
        })
      const v1 = yield* ask(1, false)
      const v2 = yield* ask(2, true)
      expect(v1.length).toBeGreaterThan(0)
      expect(v1.every((a) => a.network === IPv4)).toBe(true)
      expect(v2.some((a) => a.network === TorV3)).toBe(true)
    })))

  it.scoped("our onion (externalAddresses) is advertised to outbound addrv2 peers, and left out for addr (v1) peers", () =>
    sim(Effect.gen(function*() {
      const hub = Transport.makeHub()
      const ours = onion(99)
      const modernKey = NetAddress.toString(addressOf(2))
      const legacyKey = NetAddress.toString(addressOf(3))
      const modernListener = yield* listenRaw(hub, modernKey)
      const legacyListener = yield* listenRaw(hub, legacyKey)
      yield* startNode(hub, 1, {
        config: { targetOutbound: 2, externalAddresses: [ours] },
        seeds: [addressOf(2), addressOf(3)]
      })
      const accept = (listener: typeof modernListener, addrv2: boolean) =>
        Effect.gen(function*() {
          const incoming = yield* listener.take
          const raw = yield* makeRaw(incoming.socket)
          yield* handshake(raw, "outbound", addrv2)
          yield* settle
          return yield* received(raw)
        })
      const [modern, legacy] = yield* Effect.all([accept(modernListener, true), accept(legacyListener, false)], { concurrency: 2 })
      const listen = addressOf(1)
      expect(has(modern, ours) && has(modern, listen)).toBe(true)
      expect(has(legacy, listen)).toBe(true)
      expect(legacy.some((a) => a.network === TorV3)).toBe(false)
    })))
})
