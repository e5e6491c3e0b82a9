/**
 * Admission control for inbound v2 handshakes, after btcd's: each v2
 * handshake costs the listener an ElligatorSwift decode and an ECDH before
 * the remote has proven anything, so accepted connections are rate-limited
 * overall and per source subnet (/24 for IPv4, /64 for IPv6: what one host
 * or one customer of a provider holds). The session asks when the remote's
 * whole key is in, before the ECDH and before anything of ours is written;
 * over the limits it is closed unanswered. The (deprecated) `concurrent`
 * count is still checked, but a slot is held only from that question to the
 * keys derived, within one read: only `concurrent: 0` refuses anything.
 *
 * Rates are token buckets (a full bucket holds one second's worth), from the
 * address book's `rateLimit` module; time is passed in by the caller, who
 * reads it from Effect's `Clock`, so tests drive it with `TestClock`.
 *
 * @internal
 */
import * as HashMap from "effect/HashMap"
import type { HandshakeLimits } from "../../network/NetworkConfig.js"
import * as NetAddress from "../../wire/NetAddress.js"
import { type Limiter, take } from "../addressBook/rateLimit.js"

const emptyLimiter = (): Limiter => ({ buckets: HashMap.empty(), dropped: 0 })

/**
 * The subnet a handshake is charged to: the first 3 bytes of an IPv4
 * address, the first 8 of an IPv6 one, the whole address otherwise.
 *
 * @internal
 */
export const subnetOf = (a: Pick<NetAddress.NetAddressFields, "network" | "address">): string => {
  const prefix = a.network === NetAddress.NetworkId.IPv4 ? 3 : a.network === NetAddress.NetworkId.IPv6 ? 8 : a.address.length
  let key = `${a.network}:`
  for (let i = 0; i < prefix; i++) key += (a.address[i] ?? 0).toString(16).padStart(2, "0")
  return key
}

/** Why a handshake was refused. @internal */
export type Refusal = "Concurrent" | "Rate" | "SubnetRate"

/** @internal */
export class HandshakeGuard {
  private overall = emptyLimiter()
  private subnets = emptyLimiter()
  private running = 0
  /** Handshakes refused so far, per cause. */
  readonly refused: Record<Refusal, number> = { Concurrent: 0, Rate: 0, SubnetRate: 0 }

  constructor(private readonly limits: HandshakeLimits) {}

  /** Handshakes running now. */
  get active(): number {
    return this.running
  }

  /**
   * Admits a handshake from `subnet` at `now` (Unix ms), or tells why not.
   * An admitted handshake holds a slot until `release`. A refused one costs
   * no tokens: the limiters' states are immutable and only kept when every
   * limit agrees.
   */
  admit(subnet: string, now: number): Refusal | undefined {
    const refusal = this.check(subnet, now)
    if (refusal !== undefined) this.refused[refusal]++
    return refusal
  }

  release(): void {
    if (this.running > 0) this.running--
  }

  private check(subnet: string, now: number): Refusal | undefined {
    const concurrent = this.limits.concurrent
    if (concurrent !== undefined && this.running >= concurrent) return "Concurrent"
    const rate = this.limits.perSecond
    const [overall, nextOverall] = take(this.overall, "", 1, now, { perSecond: rate, burst: rate })
    if (overall === 0) return "Rate"
    const subnetRate = this.limits.perSubnetPerSecond
    const [bySubnet, nextSubnets] = take(this.subnets, subnet, 1, now, { perSecond: subnetRate, burst: subnetRate })
    if (bySubnet === 0) return "SubnetRate"
    this.overall = nextOverall
    this.subnets = nextSubnets
    this.running++
    return undefined
  }
}
