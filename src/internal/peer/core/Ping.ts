/**
 * Ping nonces: a small generator per peer (xorshift32 on each half), seeded
 * by the engine from Effect's `Random` when the peer starts (so a seeded
 * `TestRandom` makes them reproducible), rather than two `Random` effects per
 * ping, which cost a noticeable share of a round trip. A ping nonce only has
 * to differ from the previous one (BIP-0031); it guards nothing.
 *
 * @internal
 */
export class NonceSource {
  private a: number
  private b: number
  constructor(seed: bigint) {
    this.a = Number(seed & 0xffff_ffffn) | 1
    this.b = Number(seed >> 32n) | 1
  }
  next(): bigint {
    let a = this.a
    a ^= a << 13
    a ^= a >>> 17
    a ^= a << 5
    this.a = a
    let b = this.b
    b ^= b << 13
    b ^= b >>> 17
    b ^= b << 5
    this.b = b
    return (BigInt(b >>> 0) << 32n) | BigInt(a >>> 0)
  }
}

/**
 * Keep-alive and latency (BIP-0031): at most one ping out at a time; its
 * pong (same nonce) gives the round trip; none within the pong timeout ends
 * the peer.
 *
 * @internal
 */
export class PingState {
  /** The ping out, if any. */
  pending: { readonly nonce: bigint; readonly sentAt: number; readonly due: number } | undefined = undefined
  /** The ping out is the scheduled one: step the ping schedule when it is answered. */
  scheduledOut = false
  lastMillis: number | undefined = undefined
  minMillis: number | undefined = undefined
  private readonly nonces: NonceSource

  constructor(seed: bigint, private readonly pongTimeoutMillis: number) {
    this.nonces = new NonceSource(seed)
  }

  /** A new ping at `now`, unless one is out; returns its nonce, or undefined if one is out. */
  start(now: number): bigint | undefined {
    if (this.pending !== undefined) return undefined
    const nonce = this.nonces.next()
    this.pending = { nonce, sentAt: now, due: now + this.pongTimeoutMillis }
    return nonce
  }

  /** The ping could not be queued after all. */
  abandon(): void {
    this.pending = undefined
  }

  /** A pong at `now`: the round trip if it answers the ping out, else undefined (ignored). */
  answer(nonce: bigint, now: number): number | undefined {
    if (this.pending === undefined || this.pending.nonce !== nonce) return undefined
    const rtt = now - this.pending.sentAt
    this.lastMillis = rtt
    this.minMillis = this.minMillis === undefined ? rtt : Math.min(this.minMillis, rtt)
    this.pending = undefined
    return rtt
  }
}
