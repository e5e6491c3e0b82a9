/**
 * Which inbound peer to drop when a newcomer wants a slot, after Bitcoin
 * Core's `SelectNodeToEvict` (src/node/eviction.cpp). Pure: the connector
 * gathers the candidates and acts on the answer.
 *
 * Each protection step takes a few peers an attacker cannot cheaply fake out
 * of the running, so that to take over every slot an attacker must beat the
 * honest peers on every measure at once: be in many network groups, be
 * close, relay useful blocks and transactions first, and stay connected
 * longer. Of what is left, the network group with the most connections loses
 * its youngest member.
 *
 * @internal
 */

/** @internal */
export interface Candidate {
  readonly id: number
  /** The inbound network group (loopback and local proxies share one). */
  readonly group: string
  /** When the connection was accepted (`Clock` milliseconds). */
  readonly connectedAt: number
  /** Smallest ping round trip seen; undefined before any answered ping (sorts last). */
  readonly minPingMillis: number | undefined
  /** Last block received from the peer (`Clock` milliseconds; 0 never). */
  readonly lastBlockAt: number
  /** Last transaction received from the peer (`Clock` milliseconds; 0 never). */
  readonly lastTxAt: number
}

/** Core's protection counts. */
const PROTECT_BY_GROUP = 4
const PROTECT_BY_PING = 8
const PROTECT_BY_TX = 4
const PROTECT_BY_BLOCK = 4

/**
 * Removes the first `k` of `list` sorted by `better` (best first) and returns
 * the rest, so each step protects peers the previous ones did not.
 */
const protect = (list: ReadonlyArray<Candidate>, k: number, better: (a: Candidate, b: Candidate) => number) =>
  [...list].sort(better).slice(k)

/** Older first; ties by id (the earlier connection). */
const byUptime = (a: Candidate, b: Candidate) => a.connectedAt - b.connectedAt || a.id - b.id

/**
 * The peer to evict, or undefined when every candidate is protected.
 * `groupRank` orders groups for the diversity protection: keyed per node
 * (Core hashes the group with a secret), so an attacker cannot choose a group
 * that is always protected.
 *
 * @internal
 */
export const selectToEvict = (
  candidates: ReadonlyArray<Candidate>,
  groupRank: (group: string) => number
): Candidate | undefined => {
  let rest: ReadonlyArray<Candidate> = candidates
  // Protect one peer in each of the highest-ranked distinct groups.
  const seen = new Set<string>()
  const byGroup = [...rest].sort((a, b) => groupRank(b.group) - groupRank(a.group) || byUptime(a, b))
  const protectedIds = new Set<number>()
  for (const c of byGroup) {
    if (protectedIds.size >= PROTECT_BY_GROUP) break
    if (seen.has(c.group)) continue
    seen.add(c.group)
    protectedIds.add(c.id)
  }
  rest = rest.filter((c) => !protectedIds.has(c.id))
  rest = protect(rest, PROTECT_BY_PING, (a, b) => (a.minPingMillis ?? Infinity) - (b.minPingMillis ?? Infinity) || byUptime(a, b))
  rest = protect(rest, PROTECT_BY_TX, (a, b) => b.lastTxAt - a.lastTxAt || byUptime(a, b))
  rest = protect(rest, PROTECT_BY_BLOCK, (a, b) => b.lastBlockAt - a.lastBlockAt || byUptime(a, b))
  // Half of what is left, the longest connected.
  rest = protect(rest, Math.floor(rest.length / 2), byUptime)
  if (rest.length === 0) return undefined
  return youngestOfLargestGroup(rest)
}

/**
 * The youngest peer of the group with the most candidates; between groups
 * of equal size, the one whose youngest member is youngest (as Core).
 *
 * @internal
 */
export const youngestOfLargestGroup = (candidates: ReadonlyArray<Candidate>): Candidate | undefined => {
  const groups = new Map<string, Array<Candidate>>()
  for (const c of candidates) {
    const list = groups.get(c.group)
    if (list === undefined) groups.set(c.group, [c])
    else list.push(c)
  }
  let best: { size: number; youngest: Candidate } | undefined
  for (const list of groups.values()) {
    const youngest = list.reduce((a, b) => (byUptime(a, b) > 0 ? a : b))
    if (
      best === undefined || list.length > best.size ||
      (list.length === best.size && byUptime(youngest, best.youngest) > 0)
    ) best = { size: list.length, youngest }
  }
  return best?.youngest
}

/**
 * The least useful peer of one group, for a newcomer to a full group: the
 * one that relayed neither blocks nor transactions most recently, then the
 * youngest. Never undefined for a non-empty list, so a group's own slots can
 * always be taken over and one host cannot freeze its own group.
 *
 * @internal
 */
export const leastUsefulOf = (candidates: ReadonlyArray<Candidate>): Candidate | undefined =>
  [...candidates].sort((a, b) =>
    Math.max(a.lastBlockAt, a.lastTxAt) - Math.max(b.lastBlockAt, b.lastTxAt) || byUptime(b, a)
  )[0]

/**
 * The group an inbound connection counts in: its address book network group,
 * except that every local address (loopback: Tor, I2P and other local
 * proxies deliver their peers from there) shares one group.
 *
 * @internal
 */
export const inboundGroup = (isLocal: boolean, group: string): string => (isLocal ? "local" : group)
