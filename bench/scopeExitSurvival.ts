/**
 * Effect alone, no peer: a value returned out of `Effect.scoped` outlives
 * young-generation collections once scopes are hot. `Scope.close` keeps
 * `{ _tag: "Closed", exit }` in the scope; V8 pretenures that object
 * literal's allocation site (the state is born in the old generation), and
 * a dead old-generation object is a root for every scavenge until the next
 * full collection: the exit, and what the region returned, survive and are
 * promoted. `bench/setupCeiling.ts script` shows the same with a `Peer`
 * (`VOID=3` against `VOID=1`), where it costs ~15 KB promoted per setup.
 *
 *   npm run bench:build
 *   for m in out void exitVoid; do node dist/bench/bench/scopeExitSurvival.js $m 60000; done
 *   node --no-allocation-site-pretenuring dist/bench/bench/scopeExitSurvival.js out 60000
 *   node --trace-gc-nvp dist/bench/bench/scopeExitSurvival.js out 60000   (promoted= per scavenge)
 *
 * Modes (one per process: pretenuring decisions are process-wide):
 * - `out`: `Effect.scoped` returns a fresh graph of ~120 small objects;
 * - `void`: the same region drops it (`Effect.asVoid`);
 * - `exitVoid`: the scope closed by hand with `Exit.void`, the graph
 *   returned after the close: what a user can do to keep the value.
 * Prints the collections seen (minor / major) and µs of main-thread CPU per
 * iteration. Seen 2026-12-07, 60k iterations, two processes each, load
 * 13-16 on 2 cores: `out` 8 major collections, 14-16 µs; `void` and
 * `exitVoid` 1, 9-10 µs; `out` under `--no-allocation-site-pretenuring` 0,
 * 11-12 µs. With `--trace-gc-nvp` (load ~9): `out` ~0.6 MB promoted per
 * scavenge, `void` ~0.05 MB, `out` without pretenuring ~0.004 MB.
 */
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Scope from "effect/Scope"
import { PerformanceObserver, constants } from "node:perf_hooks"
import { mainThreadCpuNs } from "./harness.js"

const [mode = "out", countArg = "60000"] = process.argv.slice(2)
const count = Number(countArg)

/** A fresh graph that references itself, as a peer's closures do (~3.4 KB). */
const graph = () => {
  const nodes: Array<{ i: number; f: () => unknown }> = []
  for (let i = 0; i < 60; i++) nodes.push({ i, f: () => nodes })
  return { nodes }
}

/** Two microtasks: the region waits, as a handshake does. */
const twoTicks = Effect.async<void>((resume) => queueMicrotask(() => queueMicrotask(() => resume(Effect.void))))

const region = Effect.zipRight(twoTicks, Effect.sync(graph))
const iterations: Record<string, Effect.Effect<unknown>> = {
  out: Effect.scoped(region),
  void: Effect.scoped(Effect.asVoid(region)),
  exitVoid: Effect.flatMap(Scope.make(), (scope) =>
    Effect.flatMap(Scope.extend(region, scope), (value) => Effect.as(Scope.close(scope, Exit.void), value)))
}
const once = iterations[mode]
if (once === undefined) throw new Error(`mode: one of ${Object.keys(iterations).join(", ")}`)

const seen = { minor: 0, major: 0 }
const observer = new PerformanceObserver((list) => {
  for (const entry of list.getEntries()) {
    const kind = (entry as unknown as { detail?: { kind?: number } }).detail?.kind
    if (kind === constants.NODE_PERFORMANCE_GC_MINOR) seen.minor++
    else if (kind === constants.NODE_PERFORMANCE_GC_MAJOR) seen.major++
  }
})

await Effect.runPromise(Effect.repeatN(once, 1999))
observer.observe({ entryTypes: ["gc"] })
const cpu0 = mainThreadCpuNs()
await Effect.runPromise(Effect.repeatN(once, count - 1))
const us = (mainThreadCpuNs() - cpu0) / 1e3 / count
// The observer's entries arrive on a later turn.
await new Promise((resolve) => setTimeout(resolve, 50))
observer.disconnect()
console.log(`${mode}: ${count} iterations, ${seen.minor} minor / ${seen.major} major collections, ${us.toFixed(2)} µs CPU per iteration`)
