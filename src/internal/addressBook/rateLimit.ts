/**
 * Per-peer token buckets for address gossip, after Bitcoin Core's
 * `m_addr_token_bucket`: a peer regains `perSecond` tokens per second up to
 * `burst`, and every gossiped address costs one token; addresses beyond the
 * tokens are dropped. (Core starts a peer at one token and adds 1000 when it
 * sends `getaddr`; here a peer starts with a full bucket, so the answer to our
 * `getaddr` fits without this module knowing about it.)
 *
 * The state is an immutable value kept in a `Ref` by the service.
 *
 * @internal
 */
import * as HashMap from "effect/HashMap"

/** @internal */
export interface TokenBucket {
  readonly tokens: number
  /** Unix milliseconds of the last refill. */
  readonly at: number
}

/** @internal */
export interface Limiter {
  readonly buckets: HashMap.HashMap<string, TokenBucket>
  /** Addresses dropped so far. */
  readonly dropped: number
}

/** @internal */
export interface Rate {
  readonly perSecond: number
  readonly burst: number
}

/** Past this many tracked peers, buckets that have refilled completely are forgotten. */
const PRUNE_ABOVE = 1024
/**
 * Hard bound on tracked sources (a few hundred bytes each): past it the
 * least recently used half of the rest goes. Sources are hosts, and the state
 * outlives a connection so that reconnecting does not refill a bucket.
 *
 * @internal
 */
export const MAX_TRACKED = 4096

const refill = (b: TokenBucket, now: number, rate: Rate): number =>
  Math.min(rate.burst, b.tokens + (Math.max(0, now - b.at) / 1000) * rate.perSecond)

/**
 * Takes up to `wanted` tokens from `peer`'s bucket at time `now`; returns how
 * many were granted and the new state.
 *
 * @internal
 */
export const take = (limiter: Limiter, peer: string, wanted: number, now: number, rate: Rate): [number, Limiter] => {
  const current = HashMap.get(limiter.buckets, peer)
  const tokens = current._tag === "Some" ? refill(current.value, now, rate) : rate.burst
  const granted = Math.max(0, Math.min(wanted, Math.floor(tokens)))
  let buckets = HashMap.set(limiter.buckets, peer, { tokens: tokens - granted, at: now })
  if (HashMap.size(buckets) > PRUNE_ABOVE) {
    buckets = HashMap.filter(buckets, (b, key) => key === peer || refill(b, now, rate) < rate.burst)
  }
  if (HashMap.size(buckets) > MAX_TRACKED) {
    const ages = Array.from(HashMap.values(buckets), (b) => b.at).sort((a, b) => a - b)
    const cutoff = ages[Math.floor(ages.length / 2)]!
    buckets = HashMap.filter(buckets, (b, key) => key === peer || b.at > cutoff)
  }
  return [granted, { buckets, dropped: limiter.dropped + (wanted - granted) }]
}
