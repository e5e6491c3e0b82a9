/**
 * The timing loops of the peer-pair benches (`bench/peer.ts`,
 * `bench/bip324.ts`): one loop per traffic shape, each returning a rate
 * (per second of wall time over a round), and `interleavedRounds`, which
 * alternates the cases of one comparison round by round so that machine
 * drift (other jobs on a shared machine) hits each alike; ratios are taken
 * between medians measured in the same run.
 *
 * Both peers of a pair live in this process and all their work (codecs,
 * ciphers, the socket syscalls) runs on the main thread, so a round also
 * yields a rate per second of main-thread CPU time (`mainThreadCpuNs`):
 * what the wall rate would be on an idle machine, and far steadier than it
 * on a loaded one, where wall time counts the time we were descheduled.
 *
 * Knobs: BENCH_PEER_ROUND_MS (default 500), BENCH_PEER_ROUNDS (5).
 */
import * as Effect from "effect/Effect"
import * as Fiber from "effect/Fiber"
import * as Queue from "effect/Queue"
import * as Stream from "effect/Stream"
import type * as Peer from "../src/peer/Peer.js"
import type { PeerError } from "../src/peer/PeerError.js"
import { mainThreadCpuNs } from "./harness.js"
import { envNumber } from "./report.js"
import { median, now } from "./loopback.js"

const ROUND_MS = envNumber("BENCH_PEER_ROUND_MS", 500)
const ROUNDS = envNumber("BENCH_PEER_ROUNDS", 5)

/** A rate measured over `durationMs` of wall time. */
export type Loop<E = never, R = never> = (durationMs: number) => Effect.Effect<number, E, R>

/** A loop on plain promises (the bare `node:net` references). */
export const fromPromise = (loop: (durationMs: number) => Promise<number>): Loop => (ms) => Effect.promise(() => loop(ms))

/** A case's median rates over its rounds: per second of wall time and per second of main-thread CPU time. */
export interface Rates {
  readonly wall: number
  readonly cpu: number
}

/** Runs one round: the loop's wall rate, and the same count over the main thread's CPU time. */
const round = <E, R>(loop: Loop<E, R>, ms: number): Effect.Effect<Rates, E, R> =>
  Effect.suspend(() => {
    const cpu0 = mainThreadCpuNs()
    const wall0 = now()
    return Effect.map(loop(ms), (rate) => {
      const cpuMs = (mainThreadCpuNs() - cpu0) / 1e6
      const count = (rate * (now() - wall0)) / 1000
      return { wall: rate, cpu: (count * 1000) / Math.max(cpuMs, 1e-3) }
    })
  })

/**
 * Runs every case once briefly (warm-up), then `ROUNDS` rounds of case 1,
 * case 2, …; returns each case's median rates, in order.
 */
export const interleavedRounds = <E, R>(cases: ReadonlyArray<Loop<E, R>>): Effect.Effect<Array<Rates>, E, R> =>
  Effect.gen(function*() {
    for (const c of cases) yield* c(ROUND_MS / 4)
    const rates: Array<Array<Rates>> = cases.map(() => [])
    for (let i = 0; i < ROUNDS; i++) {
      for (let j = 0; j < cases.length; j++) rates[j]!.push(yield* round(cases[j]!, ROUND_MS))
    }
    return rates.map((rs) => ({ wall: median(rs.map((r) => r.wall)), cpu: median(rs.map((r) => r.cpu)) }))
  })

/** `interleavedRounds` of one bare reference (a promise loop) and ours. */
export const interleaved = <E, R>(
  bare: (ms: number) => Promise<number>,
  ours: Loop<E, R>
): Effect.Effect<{ bare: number; ours: number }, E, R> =>
  Effect.map(interleavedRounds<E, R>([fromPromise(bare), ours]), ([bare, ours]) => ({ bare: bare!.wall, ours: ours!.wall }))

/**
 * One-way messages per second with `window` in flight, on plain callbacks:
 * `send` writes one message; `onArrival` installs the callback the receiving
 * end calls once per message.
 */
export const windowLoop = (send: () => void, onArrival: (arrived: () => void) => void, window: number) =>
(durationMs: number): Promise<number> =>
  new Promise((resolve) => {
    const start = now()
    const end = start + durationMs
    let sent = 0
    let received = 0
    const pump = () => {
      while (sent - received < window && now() < end) {
        send()
        sent++
      }
    }
    onArrival(() => {
      received++
      if (now() >= end && received === sent) resolve((received * 1000) / (now() - start))
      else pump()
    })
    pump()
  })

/**
 * One-way messages per second on plain callbacks, the shared harness's flood: `sendBatch` writes 256
 * messages, `drained` waits for the sender's socket to drain (or returns `undefined` when it need
 * not), and the round ends once the receiving end has reported every message through `arrived`
 * (one counter for all rounds).
 */
export const batchFlood = (sendBatch: () => void, drained: () => Promise<unknown> | undefined) => {
  let received = 0
  let waiter: (() => void) | undefined
  return {
    /** The receiving end calls this once per message. */
    arrived: (): void => {
      received++
      waiter?.()
    },
    loop: async (durationMs: number): Promise<number> => {
      const from = received
      const start = now()
      let sent = 0
      while (now() - start < durationMs) {
        sendBatch()
        sent += 256
        await drained()
      }
      if (received - from < sent) {
        await new Promise<void>((resolve) => {
          waiter = () => {
            if (received - from >= sent) {
              waiter = undefined
              resolve()
            }
          }
        })
      }
      return (sent * 1000) / (now() - start)
    }
  }
}

/** Counts messages from a subscription through a replaceable callback (one subscriber for all rounds); `stop` ends it. */
export const counter = <A>(stream: Stream.Stream<A, unknown>) => forEachCounter<A>((f) => Stream.runForEach(stream, f))

/**
 * Counts messages through a consumer that runs `f` on each (e.g. `(f) =>
 * peer.runForEach(["Block"], f)`), through a replaceable callback; `stop` ends it.
 */
export const forEachCounter = <A>(run: (f: (a: A) => Effect.Effect<void>) => Effect.Effect<void, unknown>) =>
  Effect.gen(function*() {
    const state = { on: (_: A): void => {} }
    const fiber = yield* Effect.forkScoped(run((a) => Effect.sync(() => state.on(a))).pipe(Effect.ignore))
    return Object.assign(state, { stop: Fiber.interrupt(fiber) })
  })

/** `peer.ping` round trips per second, one at a time. */
export const pingSequential = (out: Peer.Peer): Loop<PeerError> => (durationMs) =>
  Effect.gen(function*() {
    const start = now()
    const end = start + durationMs
    let done = 0
    while (now() < end) {
      yield* out.ping
      done++
    }
    return (done * 1000) / (now() - start)
  })

/**
 * Messages per second with `window` in flight through our peers: each
 * message `counted` returns one credit; the sender takes one per send.
 */
export const creditLoop = <A>(
  counted: { on: (a: A) => void },
  window: number,
  sendOne: Effect.Effect<void, unknown>
): Loop => (durationMs) =>
  Effect.gen(function*() {
    const credits = yield* Queue.unbounded<void>()
    let done = 0
    counted.on = () => {
      done++
      Queue.unsafeOffer(credits, undefined)
    }
    for (let i = 0; i < window; i++) Queue.unsafeOffer(credits, undefined)
    const start = now()
    const end = start + durationMs
    let sent = 0
    while (now() < end) {
      yield* Queue.take(credits)
      yield* Effect.orDie(sendOne)
      sent++
    }
    while (done < sent) yield* Queue.take(credits)
    const rate = (done * 1000) / (now() - start)
    counted.on = () => {}
    yield* Queue.shutdown(credits)
    return rate
  })
