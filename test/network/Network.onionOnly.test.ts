/**
 * Reachable networks in the 24-node swarm (memory transport, `TestClock`):
 * a clearnet swarm, three onion nodes that reach both, and one node that
 * reaches only onions (Core's `-onlynet=onion`). The onion-only node knows
 * the onions and every clearnet node, reaches the onions and never attempts
 * a clearnet dial; the clearnet nodes, told the onions by the onion nodes'
 * self-advertisements, do not book them (a network they cannot reach).
 */
import { describe, expect, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import * as Random from "effect/Random"
import * as TestClock from "effect/TestClock"
import * as TestNetwork from "../../src/testing/TestNetwork.js"
import * as NetAddress from "../../src/wire/NetAddress.js"
import { START, startNode } from "../support/network.js"

const { IPv4, IPv6, TorV3 } = NetAddress.NetworkId
/** Onion `k`: a first byte of its own nibble, so each onion is a network group of its own (the connector spreads slots over groups). */
const onionHost = (k: number) =>
  NetAddress.hostToString({ network: TorV3, address: Uint8Array.from({ length: 32 }, (_, i) => (i === 0 ? 0x10 + 0x40 * k : 0x40 + k)) })

describe("Network simulation: onion-only reachability (24 clearnet nodes, 3 onion nodes, TestClock)", () => {
  it.scoped("the onion-only node reaches the onion peers and never attempts a clearnet dial", () =>
    Effect.gen(function*() {
      yield* TestClock.setTime(START)
      const net = yield* TestNetwork.make({ nodes: 24 })
      const clearnet = yield* net.nodes
      // Onion nodes reach both worlds (Core with -onion); each knows one clearnet node and announces its onion.
      const onions = yield* Effect.forEach([0, 1, 2], (k) =>
        startNode(net.hub, 100 + k, { host: onionHost(k), reachable: [IPv4, IPv6, TorV3], seeds: [TestNetwork.addressOf(k * 8)] }))
      yield* net.advanceUntil("the onion nodes connected", Effect.map(Effect.forEach(onions, (n) => n.connector.peers), (ps) => ps.every((p) => p.length > 0)))
      // The onion-only node knows the onions and every clearnet node (as a peers file would give).
      const only = yield* startNode(net.hub, 200, {
        host: "127.0.9.200",
        reachable: [TorV3],
        config: { targetOutbound: 3, listen: undefined },
        seeds: [...onions.map((_, k) => NetAddress.fromHost(onionHost(k), TestNetwork.PORT)!), ...clearnet.map((n) => n.address)]
      })
      const onionPeers = Effect.map(only.connector.peers, (ps) => ps.filter((p) => p.remote.endsWith(`.onion:${TestNetwork.PORT}`)).length)
      yield* net.advanceUntil("three onion peers", Effect.map(onionPeers, (n) => n === 3), { limit: "2 minutes" })
      yield* TestClock.adjust("1 minute")

      // Every peer an onion; no clearnet address ever attempted; the swarm never saw it dial in.
      for (const p of yield* only.connector.peers) expect(p.remote).toMatch(/\.onion:/)
      for (const n of clearnet) {
        const entry = Option.getOrThrow(yield* only.book.get(n.address))
        expect([entry.attempts, entry.lastAttempt]).toEqual([0, 0])
        for (const p of yield* n.peers) expect(p.remote.startsWith("127.0.9.200:")).toBe(false)
      }
      // The clearnet nodes relayed the onions without booking them (Core: not stored outside our networks).
      for (const n of clearnet) for (const key of yield* n.known) expect(key).not.toMatch(/\.onion:/)
    }).pipe(Effect.withRandom(Random.make("onion-only"))), 120_000)
})
