/**
 * Proof that nothing was resolved locally: every name this process looks up
 * through Node's resolver (`node:dns` `lookup`, which `net.connect` uses)
 * while the scope is open.
 */
import * as Effect from "effect/Effect"
import { createRequire } from "node:module"

export const recordLookups = Effect.acquireRelease(
  Effect.sync(() => {
    const lookups: Array<string> = []
    const dns = createRequire(import.meta.url)("node:dns") as { lookup: (...args: Array<any>) => unknown }
    const original = dns.lookup
    dns.lookup = (host: string, ...rest: Array<any>) => {
      lookups.push(host)
      return original.call(dns, host, ...rest)
    }
    return { lookups, restore: () => (dns.lookup = original) }
  }),
  ({ restore }) => Effect.sync(restore)
).pipe(Effect.map(({ lookups }) => lookups))
