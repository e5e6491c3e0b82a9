/**
 * The `DnsResolver` service over `node:dns/promises`, loaded on first use.
 *
 * @since 0.1.0
 */
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as Layer from "effect/Layer"
import * as DnsResolver from "../network/DnsResolver.js"

const NOT_FOUND_CODES = new Set(["ENOTFOUND", "ENODATA", "ENONAME", "EAI_NONAME", "EAI_NODATA"])

const toError = (hostname: string) => (cause: unknown): DnsResolver.DnsResolverError =>
  new DnsResolver.DnsResolverError({
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
 * @category constructors
 */
export const make = (
  options: { readonly method?: "lookup" | "resolve" | undefined } = {}
): Effect.Effect<DnsResolver.DnsResolverShape> =>
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
 * @category layers
 */
export const layer = (options: { readonly method?: "lookup" | "resolve" | undefined } = {}): Layer.Layer<DnsResolver.DnsResolver> =>
  Layer.effect(DnsResolver.DnsResolver, make(options))

