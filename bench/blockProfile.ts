/**
 * One-way 1 MB blocks alone, one case per process, for a GC trace, a CPU
 * profile or a heap profile (issue 15, the `block` rows of `bench/peer.ts`):
 *
 *   npm run bench:build
 *   node --trace-gc dist/bench/bench/blockProfile.js ours [seconds]
 *   node --trace-gc dist/bench/bench/blockProfile.js bare [seconds]
 *   node --trace-gc dist/bench/bench/blockProfile.js bcoin [seconds]
 *
 * `ours`: a `Frame.prepare`d block sent by one of our peers to another over
 * loopback TCP (both in this process), 4 in flight, counted through
 * `subscribe("Block")`, as the bench row does; `bare`: its `node:net`
 * reference (the frame encoded once, decoded by `FrameDecoder`); `bcoin`:
 * bcoin's peer pair. Prints blocks per second of wall time and of
 * main-thread CPU, and the full (mark-compact) and young (scavenge) GCs the
 * run took (from `PerformanceObserver`), so a run needs no trace to compare.
 *
 * Two variants split the cost: `ours-nosub` (no subscriber: blocks decoded
 * and dropped; the sender paced by `send` + `sendAndAwait`) and
 * `ours-sendawait` (the same pacing, blocks delivered to a subscriber).
 * `ours-takeall` is `ours` with the subscription consumed without running
 * its `Stream` (the mailbox's `takeAll` in a loop, as the network registry
 * consumes a peer's inbox). `ours-foreach`: the receiver on
 * `peer.runForEach(["Block"], …)`, as the bench row against bcoin's pair.
 * Env: `SNAPSHOT=n` writes n heap snapshots during the run; `SURVIVORS=file`
 * writes a sampling heap profile of the allocations that outlived a young GC.
 *
 * What it showed (issue 15, 2 s runs, load ~1-5): bare 0-1 full GCs, bcoin
 * 0, `ours-nosub` 0, `ours-sendawait` and `ours` 21-33 — a block handed to
 * a subscriber's fiber makes its buffers outlive young GCs, whatever the
 * stream's shape (Mailbox.toStream or a pull loop; runForEach or
 * runForEachChunk) and the reader's byte budget.
 * Session 8 (load 11-17): the same subscription consumed without running its
 * `Stream` (`ours-takeall`) takes 0 full GCs (`ours` 2-17): it is the
 * consumer's `Stream.runForEach` machinery, not the mailbox, the reader or
 * the decoder, that keeps delivered blocks (and their 1 MB payloads) alive
 * past young GCs. Blocks handed to a plain callback, to a `Mailbox` read by
 * a `takeAll` loop, or to an `Effect.async` waiter: 0 full GCs, ~325 blk/s
 * of CPU; to any `Stream.runForEach` (over `Mailbox.toStream`, with or
 * without `mapChunks`, `repeatEffectChunk`, `fromPull`): 2-17, ~250.
 * Session 10 (`ours-foreach`, load 5-13): `perf` on the main thread put
 * ~23-34% in SHA-256 (the receiver's one checksum; bcoin hashes on both
 * sides), ~27-29% in the kernel (loopback TCP, both ends), `endOf` ~6-7%,
 * the payload copy ~5-6%; the cpuprofile's ~20% "(garbage collector)" is
 * mostly off-CPU (GC on the main thread's CPU ~1.5%). The reader paused the
 * socket once per block (a burst of several MB arrives while it waits for
 * its turn; 1 MiB unread bound): no budget, or a 4 MiB bound with held
 * chunks, took ~15-25% off the CPU per block.
 */
import * as Effect from "effect/Effect"
import * as Stream from "effect/Stream"
import { constants, type PerformanceEntry, PerformanceObserver } from "node:perf_hooks"
import * as v8 from "node:v8"
import { writeFileSync } from "node:fs"
import { Session } from "node:inspector/promises"
import * as NodeTransport from "../src/node/NodeTransport.js"
import * as Frame from "../src/wire/Frame.js"
import * as MailboxSource from "../src/internal/peer/mailboxSource.js"
import * as BcoinPeer from "./bcoinPeer.js"
import { mainThreadCpuNs } from "./harness.js"
import { barePair, bareServer, listenPeers, magic, makeBlock, nodeConfig, now, peerPair } from "./loopback.js"
import { counter, creditLoop, forEachCounter, windowLoop } from "./pairLoops.js"

const [mode = "ours", seconds = "3"] = process.argv.slice(2)
const WINDOW = 4

/** Counts GCs by kind while `f` runs. */
const countGcs = () => {
  const counts = { major: 0, minor: 0, incremental: 0, weak: 0, ms: 0 }
  const obs = new PerformanceObserver((list) => {
    for (const e of list.getEntries()) {
      counts.ms += e.duration
      const kind = (e as PerformanceEntry & { detail?: { kind?: number } }).detail?.kind
      if (kind === constants.NODE_PERFORMANCE_GC_MINOR) counts.minor++
      else if (kind === constants.NODE_PERFORMANCE_GC_MAJOR) counts.major++
      else if (kind === constants.NODE_PERFORMANCE_GC_INCREMENTAL) counts.incremental++
      else if (kind === constants.NODE_PERFORMANCE_GC_WEAKCB) counts.weak++
    }
  })
  obs.observe({ entryTypes: ["gc"] })
  return { counts, stop: () => obs.disconnect() }
}

const measure = async (run: (ms: number) => Promise<number>) => {
  await run(500) // warm-up
  const gcs = countGcs()
  const cpu0 = mainThreadCpuNs()
  const wall0 = now()
  // SNAPSHOT=n: n heap snapshots spread over the run (what holds the large buffers mid-run).
  const shots = Number(process.env["SNAPSHOT"] ?? 0)
  for (let i = 1; i <= shots; i++) {
    setTimeout(() => console.log(`snapshot: ${v8.writeHeapSnapshot()}`), (Number(seconds) * 1000 * i) / (shots + 1))
  }
  // SURVIVORS=file: the sampling heap profile of the run's allocations that outlived a young GC
  // (promoted, or alive at the end), for a look at what survives (`.heapprofile`, as DevTools reads it).
  const survivors = process.env["SURVIVORS"]
  const session = survivors === undefined ? undefined : new Session()
  if (session !== undefined) {
    session.connect()
    await session.post("HeapProfiler.startSampling", {
      samplingInterval: 128,
      includeObjectsCollectedByMajorGC: true,
      includeObjectsCollectedByMinorGC: false
    })
  }
  const rate = await run(Number(seconds) * 1000)
  if (session !== undefined) {
    const { profile } = await session.post("HeapProfiler.stopSampling")
    writeFileSync(survivors!, JSON.stringify(profile))
    session.disconnect()
  }
  const blocks = (rate * (now() - wall0)) / 1000
  const cpuS = (mainThreadCpuNs() - cpu0) / 1e9
  await new Promise((r) => setTimeout(r, 50))
  gcs.stop()
  console.log(
    `${mode}: ${rate.toFixed(1)} blk/s wall, ${(blocks / cpuS).toFixed(1)} blk/s CPU; GCs: ${gcs.counts.major} full, ${gcs.counts.minor} young, ${gcs.counts.incremental} incremental, ${gcs.counts.ms.toFixed(0)} ms in GC pauses`
  )
}

/**
 * `counter`, but consuming the subscription as the network registry does (`mailboxSource.runForEach`:
 * the mailbox's `takeAll` in a loop), with no `Stream` run.
 */
const mailboxCounter = <A>(stream: Stream.Stream<A, unknown>) =>
  Effect.gen(function*() {
    const state = { on: (_: A): void => {} }
    yield* Effect.forkScoped(MailboxSource.runForEach(stream, (a) => Effect.sync(() => state.on(a))).pipe(Effect.ignore))
    return state
  })

const chunkCounter = <A>(stream: Stream.Stream<A, unknown>) =>
  Effect.gen(function*() {
    const state = { on: (_: A): void => {} }
    yield* Effect.forkScoped(
      Stream.runForEachChunk(stream, (c) =>
        Effect.sync(() => {
          for (const a of c) state.on(a)
        })).pipe(Effect.ignore)
    )
    return state
  })

const block = makeBlock()
const frame = Frame.encode(magic, block)

if (mode === "bare") {
  const server = await bareServer()
  const [client, remote] = await barePair(server)
  await measure(windowLoop(() => client.write(frame), (arrived) => {
    remote.onMessage = (m) => {
      if (m._tag === "Block") arrived()
    }
  }, WINDOW))
  await server.close()
} else if (mode === "bcoin") {
  const pair = await BcoinPeer.make(frame.subarray(Frame.HEADER_SIZE))
  await measure((ms) => pair.blocks(ms, WINDOW))
  pair.close()
} else {
  await Effect.runPromise(Effect.scoped(Effect.gen(function*() {
    const transport = NodeTransport.make()
    const listener = yield* listenPeers(transport, nodeConfig())
    const [out, inb] = yield* peerPair(transport, listener, nodeConfig())
    const prepared = Frame.prepare(block)
    // `ours-nosub`: no subscriber (blocks decoded and dropped), the sender paced by `sendAndAwait`.
    // `ours-sendawait`: blocks delivered to a subscriber as in `ours`, the sender paced as in `ours-nosub`.
    if (mode === "ours-sendawait") yield* counter(yield* inb.subscribe("Block"))
    const loop = mode === "ours-nosub" || mode === "ours-sendawait"
      ? (ms: number) =>
        Effect.gen(function*() {
          const start = now()
          let sent = 0
          while (now() - start < ms) {
            yield* out.send(prepared)
            yield* out.sendAndAwait(prepared)
            sent += 2
          }
          return (sent * 1000) / (now() - start)
        })
      : creditLoop(
        mode === "ours-foreach"
          ? yield* forEachCounter<unknown>((f) => inb.runForEach(["Block"], f))
          : process.env["EXP_CONS"] === "chunk"
          ? yield* chunkCounter(yield* inb.subscribe("Block"))
          : mode === "ours-takeall"
          ? yield* mailboxCounter(yield* inb.subscribe("Block"))
          : yield* counter(yield* inb.subscribe("Block")),
        WINDOW,
        out.send(prepared)
      )
    yield* Effect.promise(() => measure((ms) => Effect.runPromise(loop(ms))))
  })))
}
