/**
 * The eviction choice (after Bitcoin Core's `SelectNodeToEvict`) as a pure
 * function: which peers each rule protects, and who is evicted from what is left.
 */
import { describe, expect, it } from "@effect/vitest"
import { type Candidate, inboundGroup, leastUsefulOf, selectToEvict, youngestOfLargestGroup } from "../../src/internal/network/eviction.js"

const peer = (id: number, over: Partial<Candidate> = {}): Candidate => ({
  id,
  group: `g${id}`,
  connectedAt: id * 1000,
  minPingMillis: undefined,
  lastBlockAt: 0,
  lastTxAt: 0,
  ...over
})

/** Ranks groups by name, so tests know which groups the diversity rule protects. */
const rankByName = (g: string) => -Number(g.replace(/\D/g, "") || 0)

describe("eviction: selectToEvict", () => {
  it("evicts nobody while the protections cover every candidate", () => {
    // 4 by group + 8 by ping + 4 by tx + 4 by block = 20, then half the rest by uptime.
    const few = Array.from({ length: 20 }, (_, i) => peer(i, { minPingMillis: i, lastTxAt: i, lastBlockAt: i }))
    expect(selectToEvict(few, rankByName)).toBeUndefined()
    expect(selectToEvict([], rankByName)).toBeUndefined()
  })

  it("evicts the youngest peer of the group with the most connections", () => {
    // 30 attacker connections from one group, 10 honest peers in distinct groups.
    const attackers = Array.from({ length: 30 }, (_, i) => peer(100 + i, { group: "attacker", connectedAt: 50_000 + i }))
    const honest = Array.from({ length: 10 }, (_, i) => peer(i))
    const victim = selectToEvict([...honest, ...attackers], rankByName)
    expect(victim?.group).toBe("attacker")
    expect(victim?.id).toBe(129)
  })

  it("protects the lowest pings, recent transactions, recent blocks and the longest connected", () => {
    // Everyone in one group, so only the per-rule protections decide; ids are ages (larger = younger).
    const base = Array.from({ length: 40 }, (_, i) => peer(i, { group: "same" }))
    // The youngest peers are the useful ones: fast, relaying blocks or transactions.
    const fast = base.map((c) => (c.id >= 32 ? { ...c, minPingMillis: 1 } : c))
    expect(selectToEvict(fast, rankByName)?.id).toBe(31)
    const relaysTx = base.map((c) => (c.id === 39 ? { ...c, lastTxAt: 5 } : c))
    expect(selectToEvict(relaysTx, rankByName)?.id).not.toBe(39)
    const relaysBlocks = base.map((c) => (c.id === 39 ? { ...c, lastBlockAt: 5 } : c))
    expect(selectToEvict(relaysBlocks, rankByName)?.id).not.toBe(39)
    // Without any of those, the youngest goes; the oldest half is never a candidate.
    expect(selectToEvict(base, rankByName)?.id).toBe(39)
  })

  it("a peer alone in a protected group is never evicted, however young", () => {
    const crowd = Array.from({ length: 30 }, (_, i) => peer(i, { group: "g0", connectedAt: i }))
    // g1 ranks high (rankByName: smaller number first); its only member is the youngest of all.
    const lone = peer(99, { group: "g1", connectedAt: 1_000_000 })
    const victim = selectToEvict([...crowd, lone], rankByName)
    expect(victim).toBeDefined()
    expect(victim!.id).not.toBe(99)
  })

  it("between groups of equal size, the group whose youngest member is youngest loses it", () => {
    const a = [peer(1, { group: "a", connectedAt: 10 }), peer(2, { group: "a", connectedAt: 20 })]
    const b = [peer(3, { group: "b", connectedAt: 15 }), peer(4, { group: "b", connectedAt: 30 })]
    expect(youngestOfLargestGroup([...a, ...b])?.id).toBe(4)
  })
})

describe("eviction: a full group", () => {
  it("gives up its least useful member: no blocks or transactions, then the youngest", () => {
    const group = [peer(1, { lastBlockAt: 9 }), peer(2, { lastTxAt: 3 }), peer(3), peer(4)]
    expect(leastUsefulOf(group)?.id).toBe(4)
    expect(leastUsefulOf([peer(1, { lastBlockAt: 9 }), peer(2, { lastTxAt: 3 })])?.id).toBe(2)
    expect(leastUsefulOf([])).toBeUndefined()
  })

  it("every local peer is in one group, whatever its address", () => {
    expect(inboundGroup(true, "local:127.0.0.1:1")).toBe(inboundGroup(true, "local:127.0.0.2:9"))
    expect(inboundGroup(false, "ipv4:8.8")).toBe("ipv4:8.8")
  })
})
