/**
 * A small, dependency-free timing harness.
 *
 * Cases are measured in groups: every case of a group is warmed up first,
 * then the samples are taken round-robin (case A, case B, …, case A, …) so
 * that machine drift (other processes, thermal, GC pressure from a previous
 * group) hits every case of the group alike, and a full GC runs before each
 * sample so no case pays for another's garbage. A sample calls the case until
 * `sampleMs` of wall time (`process.hrtime.bigint()`) have elapsed and divides
 * the calls made by the time spent, so slow cases (one call takes tens of ms)
 * are not quantised. The reported rate is the median of the samples.
 *
 * Which time is divided by is the `clock`:
 *   - `thread` (default where available, Linux): CPU time of the main thread,
 *     from `/proc/thread-self/schedstat` (nanoseconds). On a shared machine
 *     wall time also counts the time we were descheduled, which swamps
 *     everything (3-8x swings at a load average of 8 on 2 cores), and process
 *     CPU time also counts the parallel GC helper threads, which run beside
 *     us and do not slow us down on an idle machine. Main-thread CPU time is
 *     what wall time would be on an idle machine. (The kernel updates it at
 *     scheduler ticks, a few ms; samples are long enough for that.)
 *   - `cpu`: CPU time of the whole process (`process.cpuUsage()`).
 *   - `wall`: wall time.
 * Every sample reads all clocks, so results carry the rate by each of them.
 */
import { readFileSync } from "node:fs"
import { setFlagsFromString } from "node:v8"
import { runInNewContext } from "node:vm"
import { envNumber } from "./report.js"

/** One thing to time: `run` performs `ops` operations over `bytes` bytes per call. */
export interface Case {
  readonly name: string
  readonly run: () => void
  /** Operations (messages, hashes) per call of `run`. */
  readonly ops?: number
  /** Bytes processed per call of `run` (for MB/s). */
  readonly bytes: number
}

export interface Result {
  readonly name: string
  /** Median operations per second of the chosen clock. */
  readonly opsPerSec: number
  /** Median bytes per second of the chosen clock. */
  readonly bytesPerSec: number
  /** Median operations per second by every clock read during the same samples. */
  readonly opsPerSecBy: Readonly<Partial<Record<Clock, number>>>
  /** Spread of the samples: (max - min) / median, for a quick noise check. */
  readonly spread: number
  readonly samples: ReadonlyArray<number>
}

export type Clock = "thread" | "cpu" | "wall"

export interface HarnessOptions {
  readonly warmupMs: number
  readonly sampleMs: number
  readonly samples: number
  readonly clock: Clock
}

/**
 * The options every bench built on `measureGroup` reads from its environment:
 * BENCH_WARMUP_MS (default 100), BENCH_SAMPLE_MS (150), BENCH_SAMPLES (5),
 * BENCH_CLOCK (`thread` where available, else `cpu`; or `wall`).
 */
export const optionsFromEnv = (): HarnessOptions => {
  const asked = process.env["BENCH_CLOCK"]
  return {
    warmupMs: envNumber("BENCH_WARMUP_MS", 100),
    sampleMs: envNumber("BENCH_SAMPLE_MS", 150),
    samples: envNumber("BENCH_SAMPLES", 5),
    clock: asked === "wall" || asked === "cpu" ? asked : threadClockAvailable ? "thread" : "cpu"
  }
}

const nowNs = (): bigint => process.hrtime.bigint()

const SCHEDSTAT = "/proc/thread-self/schedstat"

/** Nanoseconds the main thread has spent on a CPU (first field of schedstat). */
const threadNs = (): number => Number(readFileSync(SCHEDSTAT, "latin1").split(" ", 1)[0])

/** Whether the `thread` clock works here. */
export const threadClockAvailable: boolean = (() => {
  try {
    return Number.isFinite(threadNs())
  } catch {
    return false
  }
})()

/**
 * CPU time of the main thread in nanoseconds (`thread` clock), or of the
 * whole process where that is not available.
 */
export const mainThreadCpuNs = (): number => {
  if (threadClockAvailable) return threadNs()
  const u = process.cpuUsage()
  return (u.user + u.system) * 1000
}

/** Every available clock, in nanoseconds. */
const clocks: ReadonlyArray<readonly [Clock, () => number]> = [
  ...(threadClockAvailable ? [["thread", threadNs] as const] : []),
  ["cpu", () => {
    const u = process.cpuUsage()
    return (u.user + u.system) * 1000
  }],
  ["wall", () => Number(nowNs())]
]

/**
 * A full garbage collection before every sample (not timed), so that no case
 * pays for the garbage the previous case of its group left behind. `gc` is
 * exposed at run time, as `npm run bench` passes no Node flags.
 */
const collectGarbage: () => void = (() => {
  setFlagsFromString("--expose-gc")
  const gc = runInNewContext("gc") as (() => void) | undefined
  return gc ?? (() => {})
})()

/** Calls `run` until `ms` of wall time have passed; returns calls per second of each clock. */
const sample = (run: () => void, ms: number): Partial<Record<Clock, number>> => {
  collectGarbage()
  const budget = BigInt(Math.round(ms * 1e6))
  const before = clocks.map(([, now]) => now())
  const start = nowNs()
  let calls = 0
  // Check the clock every call: even a 10-byte decode takes far longer than hrtime.
  do {
    run()
    calls++
  } while (nowNs() - start < budget)
  const rates: Partial<Record<Clock, number>> = {}
  clocks.forEach(([clock, now], i) => {
    rates[clock] = (calls * 1e9) / Math.max(1, now() - before[i]!)
  })
  return rates
}

const median = (xs: ReadonlyArray<number>): number => {
  const s = [...xs].sort((a, b) => a - b)
  const mid = s.length >> 1
  return s.length % 2 === 1 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2
}

/** Measures a group of cases together (see the module comment). */
export const measureGroup = (cases: ReadonlyArray<Case>, options: HarnessOptions): Array<Result> => {
  for (const c of cases) sample(c.run, options.warmupMs)
  const rates: Array<Array<Partial<Record<Clock, number>>>> = cases.map(() => [])
  for (let s = 0; s < options.samples; s++) {
    cases.forEach((c, i) => rates[i]!.push(sample(c.run, options.sampleMs)))
  }
  return cases.map((c, i) => {
    const by = (clock: Clock) => rates[i]!.map((r) => r[clock]!)
    const calls = by(options.clock)
    const m = median(calls)
    const opsPerSecBy: Partial<Record<Clock, number>> = {}
    for (const [clock] of clocks) opsPerSecBy[clock] = median(by(clock)) * (c.ops ?? 1)
    return {
      name: c.name,
      opsPerSec: m * (c.ops ?? 1),
      bytesPerSec: m * c.bytes,
      opsPerSecBy,
      spread: (Math.max(...calls) - Math.min(...calls)) / m,
      samples: calls
    }
  })
}
