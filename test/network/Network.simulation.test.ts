/**
 * A deterministic swarm: 24 nodes in one process over `Transport.layerMemory`
 * under the `TestClock` (no I/O: time moves only when the test says so),
 * built with the public kit's `TestNetwork`.
 * Each node listens on a loopback host of its own and knows one seed, its
 * predecessor. Watched: outbound slots fill up, addresses spread beyond
 * direct neighbours, killed nodes are replaced, a broadcast reaches exactly
 * the direct peers, and a relay written on the dispatcher floods a message
 * hop by hop to every node.
 *
 * Set `SIM_REPORT=1` to print the convergence figures.
 */
import { describe, expect, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as Random from "effect/Random"
import * as Stream from "effect/Stream"
import * as TestClock from "effect/TestClock"
import type { PeerEvent } from "../../src/network/Connector.js"
import * as InvVector from "../../src/wire/InvVector.js"
import * as Message from "../../src/wire/Message.js"
import * as TestNetwork from "../../src/testing/TestNetwork.js"
import { collectEvents, START } from "../support/network.js"

const NODES = 24
const TARGET = 4
const KILLED = [3, 7, 11, 15, 19, 22]

const hostOfRemote = (remote: string) => remote.slice(0, remote.lastIndexOf(":"))

const hash = (tag: number) => Uint8Array.from({ length: 32 }, (_, i) => (i === 0 ? tag : i))
const inv = (tag: number) => Message.Inv.make({ inventory: [{ type: InvVector.InvType.Tx, hash: hash(tag) }] })

describe("Network simulation (24 nodes, memory transport, TestClock)", () => {
  it.scoped("fills outbound slots, spreads addresses, replaces killed nodes, broadcasts and relays", () =>
    Effect.gen(function*() {
      const figures: Record<string, unknown> = {}
      const realStart = Date.now()
      yield* TestClock.setTime(START)
      // Each node knows its seeds: its predecessor and one earlier node (TestNetwork's default).
      const net = yield* TestNetwork.make({ nodes: NODES })
      const nodes = yield* net.nodes
      const { advanceUntil } = net
      const outbound = (n: TestNetwork.TestNode) => n.outbound
      const atTarget = (group: ReadonlyArray<TestNetwork.TestNode>) =>
        Effect.map(Effect.forEach(group, outbound), (all) => all.every((keys) => keys.length === TARGET))

      // --- every node reaches its outbound target, learning addresses from one seed ---
      figures.bootstrapSimMs = yield* advanceUntil("every node at its outbound target", atTarget(nodes), { limit: "1 minute" })
      figures.bootstrapRealMs = Date.now() - realStart
      for (const n of nodes) {
        const keys = yield* outbound(n)
        // Distinct remotes, none of them the node itself.
        expect(new Set(keys).size).toBe(TARGET)
        expect(keys).not.toContain(n.key)
      }

      // --- addresses spread beyond neighbours (announcements relayed, getaddr answered) ---
      // Each address is relayed to two peers per hop, the same two for a day (Core's rule), so how far
      // relays alone reach before the first periodic self-advertisement (every simulated minute here)
      // depends on the topology the seed drew: wait for the spread rather than pin a time.
      const twoThirds = Math.ceil((NODES - 1) * 2 / 3)
      const keysOf = (n: TestNetwork.TestNode) => Effect.map(n.book.entries, (es) => new Set(es.map((e) => e.key)))
      const spread = Effect.map(Effect.forEach(nodes, keysOf), (bs) =>
        nodes.every((n, i) =>
          nodes.filter((_, j) => j !== i && bs[j]!.has(n.key)).length >= twoThirds &&
          nodes.filter((m, j) => j !== i && bs[i]!.has(m.key)).length >= twoThirds))
      figures.spreadSimMs = yield* advanceUntil("every node known by and knowing two thirds of the swarm", spread, {
        step: "1 second",
        limit: "3 minutes"
      })
      const books = yield* Effect.forEach(nodes, keysOf)
      const neighbours = yield* Effect.forEach(nodes, (n) =>
        Effect.map(n.connector.peers, (ps) => new Set(ps.map((p) => hostOfRemote(p.remote)))))
      let known = 0
      for (const [i, n] of nodes.entries()) {
        // Known beyond its direct peers: relayed hop by hop.
        expect(nodes.some((_, j) => j !== i && books[j]!.has(n.key) && !neighbours[j]!.has(n.host))).toBe(true)
        known += nodes.filter((m, j) => j !== i && books[i]!.has(m.key)).length
        // Never its own address.
        expect(books[i]!.has(n.key)).toBe(false)
      }
      figures.addressCoverage = `${known}/${NODES * (NODES - 1)}`

      // --- with periodic re-announcement, every node ends up knowing every other ---
      const everyoneKnowsEveryone = Effect.map(
        Effect.forEach(nodes, (n) => Effect.map(n.book.entries, (es) => new Set(es.map((e) => e.key)))),
        (bs) => nodes.every((_, i) => nodes.every((m, j) => i === j || bs[i]!.has(m.key)))
      )
      figures.fullCoverageSimMs = yield* advanceUntil("every node knows every other", everyoneKnowsEveryone, {
        step: "10 seconds",
        limit: "30 minutes"
      })

      // --- kill a quarter of the swarm: survivors replace the lost peers ---
      const survivors = nodes.filter((n) => !KILLED.includes(n.index))
      const killedKeys = new Set(KILLED.map((i) => nodes[i]!.key))
      const events = new Map<number, Array<PeerEvent>>()
      for (const n of survivors) events.set(n.index, yield* collectEvents(n))
      const lost = new Map<number, Array<string>>()
      for (const n of survivors) lost.set(n.index, (yield* outbound(n)).filter((k) => killedKeys.has(k)))
      const affected = survivors.filter((n) => lost.get(n.index)!.length > 0)
      expect(affected.length).toBeGreaterThan(3)
      const killReal = Date.now()
      for (const i of KILLED) yield* net.kill(i)
      const healed = Effect.map(Effect.forEach(survivors, outbound), (all) =>
        all.every((keys) => keys.length === TARGET && keys.every((k) => !killedKeys.has(k))))
      figures.replacementSimMs = yield* advanceUntil("survivors back at target, on live nodes only", healed, { limit: "1 minute" })
      figures.replacementRealMs = Date.now() - killReal
      for (const n of affected) {
        const evs = events.get(n.index)!
        for (const key of lost.get(n.index)!) {
          const at = evs.findIndex((e) => e._tag === "Disconnected" && e.remote === key)
          expect(at).toBeGreaterThanOrEqual(0)
          const gone = evs[at]!
          expect(gone._tag === "Disconnected" && [gone.reason._tag, gone.direction, gone.banned]).toEqual(["RemoteClosed", "outbound", false])
        }
        // Each loss was followed by a new outbound connection.
        const replacements = evs.filter((e) => e._tag === "Connected" && e.peer.direction === "outbound").length
        expect(replacements).toBeGreaterThanOrEqual(lost.get(n.index)!.length)
      }

      // --- a broadcast reaches every direct peer, and only them ---
      const received = new Map<number, Array<{ readonly tag: number; readonly from: string }>>()
      for (const n of survivors) {
        const log: Array<{ readonly tag: number; readonly from: string }> = []
        received.set(n.index, log)
        const stream = yield* n.dispatcher.subscribe("Inv")
        yield* Effect.forkScoped(Stream.runForEach(stream, ({ message, peer }) =>
          Effect.sync(() => log.push({ tag: message.inventory[0]!.hash[0]!, from: hostOfRemote(peer.remote) }))))
      }
      const origin = survivors[0]!
      const direct = yield* origin.connector.peers
      const sent = yield* origin.dispatcher.broadcast(inv(1))
      expect(sent).toBe(direct.length)
      yield* TestClock.adjust("10 millis")
      const reached = survivors.filter((n) => received.get(n.index)!.some((r) => r.tag === 1))
      const directHosts = new Set(direct.map((p) => hostOfRemote(p.remote)))
      expect(new Set(reached.map((n) => n.host))).toEqual(directHosts)
      // One copy per connection (two nodes may be connected both ways).
      const copies = survivors.reduce((sum, n) => sum + received.get(n.index)!.filter((r) => r.tag === 1).length, 0)
      expect(copies).toBe(direct.length)
      for (const n of reached) expect(received.get(n.index)!.every((r) => r.tag !== 1 || r.from === origin.host)).toBe(true)

      // --- a relay written on the dispatcher floods a message hop by hop to every node ---
      const seen = new Map<number, number>()
      let forwarded = 0
      for (const n of survivors) {
        const stream = yield* n.dispatcher.subscribe("Inv")
        yield* Effect.forkScoped(Stream.runForEach(stream, ({ message, peer }) =>
          Effect.gen(function*() {
            if (message.inventory[0]!.hash[0] !== 2 || seen.has(n.index)) return
            seen.set(n.index, seen.size)
            forwarded += yield* n.dispatcher.broadcast(message, (p) => p.id !== peer.id)
          })))
      }
      seen.set(origin.index, 0)
      forwarded += yield* origin.dispatcher.broadcast(inv(2))
      figures.relaySimMs = yield* advanceUntil("relayed to every node", Effect.sync(() => seen.size === survivors.length), { step: "10 millis", limit: "5 seconds" })
      yield* TestClock.adjust("1 second")
      // It reached every survivor, each forwarded once, and every copy sent arrived once: the flood ended.
      expect(seen.size).toBe(survivors.length)
      const relayCopies = survivors.reduce((sum, n) => sum + received.get(n.index)!.filter((r) => r.tag === 2).length, 0)
      expect(relayCopies).toBe(forwarded)
      const connections = (yield* Effect.forEach(survivors, (n) => Effect.map(n.connector.peers, (ps) => ps.length))).reduce((a, b) => a + b, 0)
      expect(forwarded).toBeLessThanOrEqual(connections)

      figures.nodes = NODES
      figures.killed = KILLED.length
      figures.totalRealMs = Date.now() - realStart
      if (process.env.SIM_REPORT) console.log(JSON.stringify(figures))
    }).pipe(Effect.withRandom(Random.make(process.env.SIM_SEED ?? "swarm"))), 180_000)
})
