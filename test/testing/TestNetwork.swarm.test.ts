/**
 * A 100-node `TestNetwork` (up from the 24 nodes of
 * test/network/Network.simulation.test.ts): every node starts knowing only
 * its predecessor, every node reaches its outbound target, and every node
 * ends up knowing every other node's address. Deterministic: `TestClock`
 * and a seeded `Random`.
 *
 * How the addresses get everywhere, as in Bitcoin Core: each node answers a
 * new inbound peer's `getaddr` once, with part of its book, which gets most
 * nodes to know most others within the first simulated second; the rest
 * comes from self-advertisements (every simulated minute here, ~24 h in
 * Core), relayed to two peers by each hop. Each advertisement resets that
 * link's known-address filter, so a relay that once died out can go again.
 *
 * Opt-in (`SWARM_100=1`; `SWARM_NODES=n` runs another size): every `TestClock`
 * wake-up waits for all of the swarm's thousands of fibers to settle.
 * Figures: before Core's gossip limits landed (relays only of announcements
 * of at most 10 addresses, through a per-host rate limit and a trickle), 100
 * nodes reached full knowledge in 121 s simulated (72 s CPU). With them, on
 * 2026-12-06: 40 nodes in 210 s simulated (under a minute real); 100 nodes
 * reach every outbound target at once, but the (node, address) pairs still
 * missing fall by only ~20% per 30 simulated seconds (9,065 → 2,625 after
 * 150 s), so full knowledge takes longer than this test's 20 simulated
 * minutes gave it (issue 16 stays open for it). Set `SIM_REPORT=1` to print
 * the simulated and real times and the CPU time.
 */
import { describe, expect, it } from "@effect/vitest"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Random from "effect/Random"
import * as Schedule from "effect/Schedule"
import * as TestNetwork from "../../src/testing/TestNetwork.js"

const NODES = Number(process.env.SWARM_NODES ?? 100)
const TARGET = 4

/**
 * Outbound slots are retried every 500 ms for the first 10 simulated seconds,
 * then every 30 s. Each wake-up of a sleeping fiber costs the `TestClock`
 * real time (it waits for every fiber to settle), so a hundred nodes' slots
 * ticking twice a second through the simulated minutes that gossip needs
 * would take most of the run; a schedule is data, so the test just picks one.
 */
const retrySchedule = Schedule.spaced(Duration.millis(500)).pipe(
  Schedule.upTo(Duration.seconds(10)),
  Schedule.andThen(Schedule.spaced(Duration.seconds(30)))
)

const cpuMs = () => {
  const { system, user } = process.cpuUsage()
  return Math.round((user + system) / 1000)
}

describe.skipIf(!process.env.SWARM_100 && !process.env.SWARM_NODES)(`TestNetwork swarm (${NODES} nodes)`, () => {
  it.scoped("reaches every node's outbound target and full address knowledge", () =>
    Effect.gen(function*() {
      const realStart = Date.now()
      const cpuStart = cpuMs()
      const net = yield* TestNetwork.make({
        nodes: NODES,
        // Pings every 10 minutes (idle timeout 30) instead of 2 (5): 800 peers' alarms are most of the wake-ups.
        config: () => ({ retrySchedule, peer: { pingSchedule: Schedule.spaced(Duration.minutes(10)), idleTimeout: Duration.minutes(30) } })
      })
      const nodes = yield* net.nodes
      expect(nodes.length).toBe(NODES)
      const startedRealMs = Date.now() - realStart

      const outboundSimMs = yield* net.advanceUntil("every node at its outbound target", net.atOutboundTarget(TARGET), {
        step: "500 millis",
        limit: "10 minutes"
      })
      const outboundRealMs = Date.now() - realStart
      for (const n of nodes) {
        const keys = yield* n.outbound
        expect(new Set(keys).size).toBe(TARGET)
        expect(keys).not.toContain(n.key)
      }

      const knowledgeSimMs = yield* net.advanceUntil("every node knows every other", net.fullyKnown, {
        step: "30 seconds",
        limit: "20 minutes"
      })
      const totalRealMs = Date.now() - realStart
      for (const n of nodes) {
        const known = yield* n.known
        expect(known.size).toBe(NODES - 1)
        expect(known.has(n.key)).toBe(false)
      }
      if (process.env.SIM_REPORT) {
        console.log(JSON.stringify({
          nodes: NODES,
          startedRealMs,
          outboundSimMs,
          outboundRealMs,
          knowledgeSimMs: outboundSimMs + knowledgeSimMs,
          totalRealMs,
          cpuMs: cpuMs() - cpuStart
        }))
      }
    }).pipe(Effect.withRandom(Random.make("swarm-100"))), 1_800_000)
})
