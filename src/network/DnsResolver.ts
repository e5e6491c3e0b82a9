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
 * @since 0.1.0
 */
export declare namespace DnsResolver {
  /**
   * @since 0.1.0
   */
  export interface Service {
    /** The IPv4 and IPv6 addresses of `hostname`, as text (`1.2.3.4`, `2001:db8::1`). */
    readonly resolve: (hostname: string) => Effect.Effect<ReadonlyArray<string>, DnsResolverError>
  }
}

/**
 * The resolver service.
 *
 * @since 0.1.0
 */
export class DnsResolver extends Context.Tag("effect-bitcoin-p2p/DnsResolver")<DnsResolver, DnsResolver.Service>() {}

/**
 * A resolver answering from a fixed table; unknown names fail with
 * `NotFound`. For tests and offline setups.
 *
 * @since 0.1.0
 */
export const makeStatic = (records: Readonly<Record<string, ReadonlyArray<string>>>): DnsResolver.Service => ({
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
 */
export const layerStatic = (records: Readonly<Record<string, ReadonlyArray<string>>>): Layer.Layer<DnsResolver> =>
  Layer.succeed(DnsResolver, makeStatic(records))
