/**
 * The testing kit used as an app developer would, through the package's
 * entry points only: a network crawler (a census of reachable nodes, as
 * DNS seeders run) that visits each address it knows, asks it `getaddr`,
 * and visits what it learns, tested against a `TestNetwork` of 50 real
 * network layers, some of them killed or cut off on purpose.
 */
import { describe, expect, it } from "@effect/vitest"
import { Effect, Either, Random } from "effect"
import { ChainParams, Message, NetAddress, Peer, PeerConfig, Transport } from "../../src/index.js"
import { TestNetwork } from "../../src/testing/index.js"

// --- the app ------------------------------------------------------------------

/** A crawl's result: the nodes that answered, with how many addresses each gave, and the ones that did not. */
interface Census {
  readonly answered: ReadonlyMap<string, number>
  readonly unreachable: ReadonlySet<string>
}

/**
 * Visits every address reachable from `start` over `transport`, at most
 * `concurrency` at a time: a handshake, one `getaddr`, the `addr` answer,
 * then it hangs up. Each address is visited once.
 */
const crawl = (
  transport: Transport.TransportShape,
  start: ReadonlyArray<NetAddress.NetAddressFields>,
  options: { readonly concurrency: number }
) =>
  Effect.gen(function*() {
    const config: Partial<PeerConfig.PeerConfigShape> = { params: ChainParams.regtest }
    const visit = (address: NetAddress.NetAddressFields) =>
      Effect.scoped(Effect.gen(function*() {
        const peer = yield* Peer.make(yield* transport.dial(address), { direction: "outbound", remote: address, config })
        return yield* peer.request(
          Message.GetAddr.make({}),
          (m) => (m._tag === "Addr" || m._tag === "AddrV2" ? m.addresses : undefined),
          { timeout: "30 seconds" }
        )
      }))
    const seen = new Set(start.map(NetAddress.toString))
    const answered = new Map<string, number>()
    const unreachable = new Set<string>()
    let frontier = start
    while (frontier.length > 0) {
      const results = yield* Effect.forEach(frontier, (a) => Effect.either(visit(a)), { concurrency: options.concurrency })
      const next: Array<NetAddress.NetAddressFields> = []
      results.forEach((result, i) => {
        const key = NetAddress.toString(frontier[i]!)
        if (Either.isLeft(result)) return void unreachable.add(key)
        answered.set(key, result.right.length)
        for (const a of result.right) {
          const k = NetAddress.toString(a)
          if (!seen.has(k)) {
            seen.add(k)
            next.push(a)
          }
        }
      })
      frontier = next
    }
    return { answered, unreachable } satisfies Census
  })

// --- its tests ----------------------------------------------------------------

describe("testing kit, as an app uses it: a crawler over a simulated network", () => {
  it.scoped("finds all 50 nodes from one, and reports those that went away as unreachable", () =>
    Effect.gen(function*() {
      // Every node's book knows every other from the start, as after a long gossip (reaching that by gossip
      // takes ~90 simulated seconds for 40 nodes, and real time with it). A node answers getaddr with 23% of
      // its book (Core's rule: nothing at all below 5 addresses), here 11 of 49 chosen at random.
      const nodes = 50
      const swarm = yield* TestNetwork.make({ nodes, seeds: (i) => Array.from({ length: nodes }, (_, j) => j).filter((j) => j !== i) })
      const keys = (yield* swarm.nodes).map((n) => n.key)
      const crawler = Transport.makeMemory(swarm.hub, "127.0.99.1")
      // From node 49, while the clock moves (the crawler's own timeouts are on it).
      const crawlFrom49 = TestNetwork.advanceUntilDone("the crawl", crawl(crawler, [TestNetwork.addressOf(49)], { concurrency: 8 }), {
        step: "1 second",
        limit: "10 minutes"
      })

      const census = yield* crawlFrom49
      expect([...census.answered.keys()].sort()).toEqual([...keys].sort())
      expect(census.unreachable.size).toBe(0)
      for (const [, count] of census.answered) expect(count).toBe(11)

      // Two nodes go away: the others still know and give their addresses, and the crawler finds them silent.
      yield* swarm.kill(10)
      yield* swarm.kill(20)
      const again = yield* crawlFrom49
      expect([...again.unreachable].sort()).toEqual([TestNetwork.addressOf(10), TestNetwork.addressOf(20)].map(NetAddress.toString).sort())
      expect(again.answered.size).toBe(48)
      // Random seeded, as in the other swarm tests: each node's 11 addresses are drawn from it, and about one
      // draw in 2,000 leaves some node out of every answer the crawl collects.
    }).pipe(Effect.withRandom(Random.make("crawler"))), 120_000) // 50 real network layers: 8-24 s of real time on a loaded 2-core machine
})
