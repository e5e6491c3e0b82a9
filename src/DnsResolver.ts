/**
 * Name resolution as a service, so DNS seeding can run against the real
 * resolver in production and a fixed table in tests.
 *
 * The Node implementation loads `node:dns/promises` on first use, so importing
 * this module costs nothing on runtimes without it.
 *
 * @since 0.1.0
 */
import * as Context from "effect/Context"
import * as Data from "effect/Data"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
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

const NOT_FOUND_CODES = new Set(["ENOTFOUND", "ENODATA", "ENONAME", "EAI_NONAME", "EAI_NODATA"])

const toError = (hostname: string) => (cause: unknown): DnsResolverError =>
  new DnsResolverError({
    reason: NOT_FOUND_CODES.has((cause as { code?: string } | null)?.code ?? "") ? "NotFound" : "Failed",
    hostname,
    cause
  })

/**
 * A resolver over `node:dns/promises`. `"lookup"` (the default) asks the
 * operating system (`getaddrinfo`: hosts file, system DNS configuration);
 * `"resolve"` queries DNS servers directly with `resolve4` and `resolve6`,
 * succeeding if either family answers.
 *
 * @since 0.1.0
 */
export const makeNode = (
  options: { readonly method?: "lookup" | "resolve" | undefined } = {}
): Effect.Effect<DnsResolver.Service> =>
  Effect.map(Effect.cached(Effect.tryPromise(() => import("node:dns/promises"))), (loadDns) => {
    const viaResolve = (d: typeof import("node:dns/promises"), hostname: string) => {
      const family = (f: (h: string) => Promise<Array<string>>) =>
        Effect.tryPromise({ try: () => f(hostname), catch: toError(hostname) }).pipe(Effect.either)
      return Effect.all([family(d.resolve4), family(d.resolve6)], { concurrency: 2 }).pipe(
        Effect.flatMap(([v4, v6]) =>
          Either.isLeft(v4) && Either.isLeft(v6)
            ? Effect.fail(v4.left)
            : Effect.succeed([...Either.getOrElse(v4, () => []), ...Either.getOrElse(v6, () => [])])
        )
      )
    }
    const viaLookup = (d: typeof import("node:dns/promises"), hostname: string) =>
      Effect.tryPromise({ try: () => d.lookup(hostname, { all: true, verbatim: true }), catch: toError(hostname) }).pipe(
        Effect.map((found) => found.map((a) => a.address))
      )
    return {
      resolve: (hostname) =>
        loadDns.pipe(
          Effect.mapError(toError(hostname)),
          Effect.flatMap((d) => (options.method === "resolve" ? viaResolve(d, hostname) : viaLookup(d, hostname)))
        )
    }
  })

/**
 * The Node resolver as a layer.
 *
 * @since 0.1.0
 */
export const layerNode = (options: { readonly method?: "lookup" | "resolve" | undefined } = {}): Layer.Layer<DnsResolver> =>
  Layer.effect(DnsResolver, makeNode(options))

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
