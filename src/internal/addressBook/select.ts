/**
 * Drawing from the address book: one address for an outbound connection
 * (`select`) and a random share for a `getaddr` reply (`sample`).
 *
 * Randomness comes from a `PCGRandom` the service seeds from Effect's
 * `Random`, so a seeded `Random` makes every draw reproducible.
 *
 * @internal
 */
import type { PCGRandom } from "effect/Utils"
import { type BookRecord, chance, isTerrible } from "./policy.js"
import type { AddressTable } from "./table.js"

/** Random probes before falling back to weighing every eligible entry. @internal */
export const MAX_PROBES = 256

const weightedPick = (candidates: ReadonlyArray<BookRecord>, rng: PCGRandom, now: number): BookRecord | undefined => {
  let total = 0
  for (const r of candidates) total += chance(r, now)
  let x = rng.number() * total
  for (const r of candidates) {
    x -= chance(r, now)
    if (x < 0) return r
  }
  return candidates[candidates.length - 1]
}

/**
 * Core's selection: pick the tried or the new table with even odds (the only
 * non-empty one if one is empty), then draw entries uniformly from it and
 * accept each with its `chance`, raising the bar by ×1.2 after every refusal
 * so the loop ends quickly. Entries failing `eligible` are skipped; if the
 * probes run out (most entries excluded), every eligible entry of both tables
 * is weighed by its chance instead, so an eligible entry is always found.
 *
 * @internal
 */
export const select = (
  table: AddressTable,
  rng: PCGRandom,
  now: number,
  eligible: (r: BookRecord) => boolean,
  newOnly: boolean
): BookRecord | undefined => {
  const tried = newOnly ? [] : table.triedList
  const fresh = table.newList
  if (tried.length === 0 && fresh.length === 0) return undefined
  const list = tried.length > 0 && (fresh.length === 0 || rng.integer(2) === 0) ? tried : fresh
  let factor = 1
  for (let i = 0; i < MAX_PROBES; i++) {
    const r = list[rng.integer(list.length)]!
    if (!eligible(r)) continue
    if (rng.number() < factor * chance(r, now)) return r
    factor *= 1.2
  }
  const candidates: Array<BookRecord> = []
  for (const r of tried) if (eligible(r)) candidates.push(r)
  for (const r of fresh) if (eligible(r)) candidates.push(r)
  return candidates.length === 0 ? undefined : weightedPick(candidates, rng, now)
}

/**
 * Up to `limit` distinct entries in random order (a partial Fisher–Yates
 * shuffle over both tables), leaving out terrible entries and those failing
 * `eligible`.
 *
 * @internal
 */
export const sample = (
  table: AddressTable,
  rng: PCGRandom,
  now: number,
  limit: number,
  eligible: (r: BookRecord) => boolean
): Array<BookRecord> => {
  const fresh = table.newList
  const tried = table.triedList
  const total = fresh.length + tried.length
  const at = (i: number): BookRecord => (i < fresh.length ? fresh[i]! : tried[i - fresh.length]!)
  const order = new Int32Array(total)
  for (let i = 0; i < total; i++) order[i] = i
  const out: Array<BookRecord> = []
  for (let i = 0; i < total && out.length < limit; i++) {
    const j = i + rng.integer(total - i)
    const pick = order[j]!
    order[j] = order[i]!
    const r = at(pick)
    if (!isTerrible(r, now) && eligible(r)) out.push(r)
  }
  return out
}
