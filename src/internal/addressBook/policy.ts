/**
 * The address book's record type and the judgements made on one record:
 * whether it is terrible (evictable first, never shared), and how likely it
 * is to be accepted when drawn for an outbound connection.
 *
 * The thresholds are Bitcoin Core's addrman constants. All times are Unix
 * seconds.
 *
 * @internal
 */

/** @internal */
export type Source = "dns" | "file" | "user" | "manual" | `peer:${string}`

/**
 * One known address. Mutable: the table updates records in place so that a
 * book of 80,000 addresses costs O(1) per change.
 *
 * @internal
 */
export interface BookRecord {
  readonly key: string
  readonly network: number
  readonly address: Uint8Array
  readonly port: number
  services: bigint
  lastSeen: number
  lastAttempt: number
  lastSuccess: number
  attempts: number
  failures: number
  readonly source: Source
  readonly group: string
  readonly sourceGroup: string
  tried: boolean
  /** Index into the new or tried slot array (`bucket * bucketSize + position`). */
  slot: number
  /** Index into the new or tried list used for uniform random picks. */
  listIndex: number
}

const MINUTE = 60
const HOUR = 60 * MINUTE
const DAY = 24 * HOUR

/** An address stamped further ahead than this is terrible. @internal */
export const FUTURE_LIMIT = 10 * MINUTE
/** Not seen for this long: terrible (Core's ADDRMAN_HORIZON). @internal */
export const HORIZON = 30 * DAY
/** Attempts without any success before an address is terrible (ADDRMAN_RETRIES). @internal */
export const RETRIES = 3
/** Failures since the last success... (ADDRMAN_MAX_FAILURES) @internal */
export const MAX_FAILURES = 10
/** ...with no success for this long, make an address terrible (ADDRMAN_MIN_FAIL). @internal */
export const MIN_FAIL = 7 * DAY
/** A tried entry that succeeded this recently is never replaced (ADDRMAN_REPLACEMENT). @internal */
export const REPLACEMENT = 4 * HOUR
/** Attempted this recently: drawn with 1% of the usual chance. @internal */
export const RECENT_ATTEMPT = 10 * MINUTE
/** Not seen for this long: drawn with half the usual chance. @internal */
export const STALE = 7 * DAY

/**
 * Terrible entries are the first to go when their slot is wanted, and are
 * never handed out in `getaddr` replies. An entry attempted in the last minute
 * is never terrible (it is being tested right now).
 *
 * @internal
 */
export const isTerrible = (r: BookRecord, now: number): boolean => {
  if (r.lastAttempt !== 0 && r.lastAttempt >= now - MINUTE) return false
  if (r.lastSeen > now + FUTURE_LIMIT) return true
  if (now - r.lastSeen > HORIZON) return true
  if (r.lastSuccess === 0 && r.attempts >= RETRIES) return true
  if (now - r.lastSuccess > MIN_FAIL && r.failures >= MAX_FAILURES) return true
  return false
}

/**
 * Relative chance (0, 1] of accepting this entry when drawn: 1% if attempted
 * in the last 10 minutes, ×0.66 per attempt since the last success (at most 8
 * times, as in Core), and ×0.5 if not seen for a week.
 *
 * @internal
 */
export const chance = (r: BookRecord, now: number): number => {
  let c = 1
  if (r.lastAttempt !== 0 && now - r.lastAttempt < RECENT_ATTEMPT) c *= 0.01
  c *= Math.pow(0.66, Math.min(r.attempts, 8))
  if (now - r.lastSeen > STALE) c *= 0.5
  return c
}

/**
 * A tried entry may make room for a newly good address only once it looks
 * dead: terrible, or its latest attempt failed and it has not succeeded for
 * `REPLACEMENT`. (Core tests the old entry with a feeler first; here the
 * connector's ordinary attempts are that test.)
 *
 * @internal
 */
export const isReplaceable = (r: BookRecord, now: number): boolean =>
  isTerrible(r, now) || (now - r.lastSuccess > REPLACEMENT && r.failures > 0 && r.lastAttempt > r.lastSuccess)

/** Sources an operator controls: they may displace a gossiped entry. @internal */
export const isTrusted = (source: Source): boolean => source === "user" || source === "manual" || source === "file"
