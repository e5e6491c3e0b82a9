/**
 * Name resolution as a service, so DNS seeding can run against the real
 * resolver in production and a fixed table in tests.
 *
 * The Node.js implementation is `NodeDnsResolver` (entry point
 * `effect-bitcoin-p2p/node`).
 *
 * @since 0.1.0
 */
import * as Context from "effect/Context"
import * as Data from "effect/Data"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"

/**
 * A failed lookup: the name has no addresses, or the resolver failed.
 *
 * @since 0.1.0
 * @category errors
 */
export class DnsResolverError extends Data.TaggedError("DnsResolverError")<{
  readonly reason: "NotFound" | "Failed"
  readonly hostname: string
  readonly cause?: unknown
}> {
  override get message(): string {
    const cause = this.cause instanceof Error ? `: ${this.cause.message}` : ""
    return `${this.reason} ${this.hostname}${cause}`
  }
}

/**
 * The resolver's operations.
 *
 * @since 0.1.0
 * @category models
 */
export interface DnsResolverShape {
  /** The IPv4 and IPv6 addresses of `hostname`, as text (`1.2.3.4`, `2001:db8::1`). */
  readonly resolve: (hostname: string) => Effect.Effect<ReadonlyArray<string>, DnsResolverError>
}

/**
 * The resolver service. Required by DNS seeding (`DnsSeeder.layer`); provide
 * `NodeDnsResolver.layer` on Node.js, `layerStatic` in tests, or `layerNoop`
 * to seed from nothing.
 *
 * @since 0.1.0
 * @category tags
 */
export class DnsResolver extends Context.Tag("effect-bitcoin-p2p/DnsResolver")<DnsResolver, DnsResolverShape>() {}

/**
 * A resolver answering from a fixed table; unknown names fail with
 * `NotFound`. For tests and offline setups.
 *
 * @since 0.1.0
 * @category constructors
 */
export const makeStatic = (records: Readonly<Record<string, ReadonlyArray<string>>>): DnsResolverShape => ({
  resolve: (hostname) => {
    const found = Object.hasOwn(records, hostname) ? records[hostname] : undefined
    return found === undefined || found.length === 0
      ? Effect.fail(new DnsResolverError({ reason: "NotFound", hostname }))
      : Effect.succeed(found)
  }
})

/**
 * `makeStatic` as a layer.
 *
 * @since 0.1.0
 * @category layers
 */
export const layerStatic = (records: Readonly<Record<string, ReadonlyArray<string>>>): Layer.Layer<DnsResolver> =>
  Layer.succeed(DnsResolver, makeStatic(records))

/**
 * A resolver that knows no name: DNS seeding finds nothing. The default where
 * no platform resolver is wanted (tests, embedded use, a node fed only from a
 * peers file or manual peers) and the safe choice behind a proxy, where a
 * local lookup would leak which seeds we ask.
 *
 * @since 0.1.0
 * @category layers
 */
export const layerNoop: Layer.Layer<DnsResolver> = layerStatic({})
