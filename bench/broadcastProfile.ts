/**
 * Broadcast to many peers alone, one side per process, for a CPU profile of
 * the broadcasts only (issue 15, the `broadcast` rows of `bench/network.ts`):
 *
 *   npm run bench:build
 *   node dist/bench/bench/broadcastProfile.js ours|bare [items] [read] [rounds]
 *
 * `ours`: a `NodeNetwork.layer` hub with 200 client `Peer`s, each
 * `subscribe("Inv")` run by `Stream.runForEach`, `Dispatcher.broadcast(inv)`
 * until all received, as the bench row does; `bare`: its `node:net`
 * reference (one encoded frame written to 200 sockets, decoded by
 * `FrameDecoder`). `items` hashes per inv (1), `read` = 1 when every client
 * reads each vector (0), `rounds` broadcasts (400). Prints main-thread CPU,
 * wall time and the time the main thread waited for a CPU (runnable: the
 * machine's load) per broadcast; `PROFILE=file.cpuprofile` writes a CPU
 * profile of the rounds alone (set-up excluded; sampled every 100 µs),
 * `SNAPSHOT=file.heapsnapshot` a heap snapshot after them, `HEAP=file.heapprofile` a sampling profile of
 * everything they allocate (collected or not; with `HEAP_LIVE=1` only what
 * is still alive at the end: what the rounds keep; `HEAP_LIVE=minor` what
 * outlived a young-generation GC, what makes GC work); `COUNT=1` counts the
 * timers, immediates and ticks they schedule. Env BENCH_NET_PEERS (200).
 */
import * as Deferred from "effect/Deferred"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Context from "effect/Context"
import * as Stream from "effect/Stream"
import { writeFileSync } from "node:fs"
import { Session } from "node:inspector/promises"
import { Connector } from "../src/network/Connector.js"
import { Dispatcher } from "../src/network/Dispatcher.js"
import * as NodeNetwork from "../src/node/NodeNetwork.js"
import * as NodeTransport from "../src/node/NodeTransport.js"
import * as Frame from "../src/wire/Frame.js"
import * as InvVector from "../src/wire/InvVector.js"
import * as Message from "../src/wire/Message.js"
import { mainThreadCpuNs } from "./harness.js"
import { runQueueNs } from "./network.js"
import * as MailboxSource from "../src/internal/peer/mailboxSource.js"
import { type BareEnd, bareDial, bareServer, dialPeer, envNumber, HOST, magic, median, nodeConfig, params, waitUntil } from "./loopback.js"

const [mode = "ours", itemsArg = "1", readArg = "0", roundsArg = "400"] = process.argv.slice(2)
const ITEMS = Number(itemsArg)
const READ = readArg === "1"
const ROUNDS = Number(roundsArg)
const PEERS = envNumber("BENCH_NET_PEERS", 200)
/** SUB=direct: each client takes from its subscription's mailbox (as the registry does) rather than running the stream. */
const runForEach = <A, E>(stream: Stream.Stream<A, E>, f: (a: A) => Effect.Effect<void>): Effect.Effect<void, E> =>
  process.env["SUB"] === "direct" ? MailboxSource.runForEach(stream, f) : Stream.runForEach(stream, f)

const invOf = (seed: number) =>
  Message.Inv.make({
    inventory: Array.from({ length: ITEMS }, (_, i) => {
      const hash = new Uint8Array(32)
      new DataView(hash.buffer).setUint32(0, seed)
      new DataView(hash.buffer).setUint32(4, i)
      return { type: ITEMS === 1 ? InvVector.InvType.Block : InvVector.InvType.WTx, hash }
    })
  })

let touched = 0
const touch = (m: Message.MessageOf<"Inv">) => {
  if (READ) for (const v of m.inventory) touched += v.hash[31]! + v.type
}

/** Runs `once` for every round (two warm-up rounds first), profiling the rounds when PROFILE is set. */
const measure = async (once: (round: number) => Promise<void>) => {
  for (let r = -2; r < 0; r++) await once(r)
  const file = process.env["PROFILE"]
  const heapFile = process.env["HEAP"]
  const session = file === undefined && heapFile === undefined ? undefined : new Session()
  session?.connect()
  if (file !== undefined) {
    await session!.post("Profiler.enable")
    // Finer than the default 1 ms: a broadcast lasts a few milliseconds.
    await session!.post("Profiler.setSamplingInterval", { interval: 100 })
    await session!.post("Profiler.start")
  }
  if (heapFile !== undefined) {
    // Every allocation, collected or not: what a broadcast allocates, not what survives.
    // HEAP_LIVE=1: only what is alive at the end; =minor: what outlived a young GC (survived or promoted).
    const live = process.env["HEAP_LIVE"]
    await session!.post("HeapProfiler.startSampling", {
      samplingInterval: 1024,
      includeObjectsCollectedByMajorGC: live !== "1",
      includeObjectsCollectedByMinorGC: live === undefined
    })
  }
  const cpu: Array<number> = []
  const wall: Array<number> = []
  let queued = 0
  const counting = process.env["COUNT"] === "1" ? countScheduling() : undefined
  for (let r = 0; r < ROUNDS; r++) {
    const c0 = mainThreadCpuNs()
    const q0 = runQueueNs()
    const w0 = performance.now()
    await once(r)
    wall.push(performance.now() - w0)
    queued += runQueueNs() - q0
    cpu.push((mainThreadCpuNs() - c0) / 1e6)
  }
  if (counting !== undefined) console.log(`per broadcast: ${counting()}`)
  if (file !== undefined) writeFileSync(file, JSON.stringify((await session!.post("Profiler.stop")).profile))
  if (process.env["SNAPSHOT"] !== undefined) (await import("node:v8")).writeHeapSnapshot(process.env["SNAPSHOT"])
  // A young GC first: what the last rounds left in the young generation would read as surviving.
  if (heapFile !== undefined && process.env["HEAP_LIVE"] === "minor") (globalThis as { gc?: (o: object) => void }).gc?.({ type: "minor" })
  if (heapFile !== undefined) writeFileSync(heapFile, JSON.stringify((await session!.post("HeapProfiler.stopSampling")).profile))
  session?.disconnect()
  const total = cpu.reduce((a, b) => a + b, 0)
  console.log(
    `${mode} items=${ITEMS} read=${READ}: CPU per broadcast median ${median(cpu).toFixed(3)} ms, mean ${(total / ROUNDS).toFixed(3)} ms; wall median ${median(wall).toFixed(3)} ms, mean ${(wall.reduce((a, b) => a + b, 0) / ROUNDS).toFixed(3)} ms; ` +
      `waiting for a CPU (runnable) mean ${(queued / ROUNDS / 1e6).toFixed(3)} ms (${ROUNDS} rounds)`
  )
}

/**
 * COUNT=1: counts the timers, immediates and ticks scheduled during the rounds (a hop to a later
 * turn of the event loop is time the broadcast waits with the CPU idle); returns what prints them per round.
 */
const countScheduling = (): () => string => {
  const counts = { setTimeout: 0, setImmediate: 0, nextTick: 0 }
  const wrap = <F extends (...args: Array<never>) => unknown>(name: keyof typeof counts, f: F): F =>
    ((...args: Parameters<F>) => {
      counts[name]++
      return f(...args)
    }) as F
  const saved = { setTimeout: globalThis.setTimeout, setImmediate: globalThis.setImmediate, nextTick: process.nextTick }
  globalThis.setTimeout = wrap("setTimeout", saved.setTimeout)
  globalThis.setImmediate = wrap("setImmediate", saved.setImmediate)
  process.nextTick = wrap("nextTick", saved.nextTick)
  return () => {
    globalThis.setTimeout = saved.setTimeout
    globalThis.setImmediate = saved.setImmediate
    process.nextTick = saved.nextTick
    return Object.entries(counts).map(([k, v]) => `${k} ${(v / ROUNDS).toFixed(2)}`).join(", ")
  }
}

const ours = Effect.gen(function*() {
  const context = yield* Layer.build(NodeNetwork.layer({
    peer: { params },
    listen: { host: HOST, port: 0 },
    targetOutbound: 0,
    maxInbound: PEERS + 64,
    maxInboundPerGroup: PEERS + 64,
    sendGetAddr: false,
    answerGetAddr: false,
    addressBook: { allowLocal: true }
  }))
  const connector = Context.get(context, Connector)
  const dispatcher = Context.get(context, Dispatcher)
  const address = connector.listenAddress!
  const transport = NodeTransport.make()
  const clientConfig = nodeConfig()
  let received = 0
  let done: Deferred.Deferred<void> | undefined
  yield* Effect.forEach(
    Array.from({ length: PEERS }),
    () =>
      Effect.gen(function*() {
        const peer = yield* dialPeer(transport, address, clientConfig)
        const invs = yield* peer.subscribe("Inv")
        yield* Effect.forkScoped(runForEach(invs, (m) =>
          Effect.sync(() => {
            touch(m)
            if (++received === PEERS && done !== undefined) Deferred.unsafeDone(done, Effect.void)
          })).pipe(Effect.ignore))
      }),
    { concurrency: 20, discard: true }
  )
  yield* Effect.promise(() => waitUntil(() => false, 300))
  const runtime = yield* Effect.runtime<never>()
  const once = (round: number) =>
    Effect.gen(function*() {
      received = 0
      done = yield* Deferred.make<void>()
      const accepted = yield* dispatcher.broadcast(invOf(round + 1000))
      if (accepted !== PEERS) return yield* Effect.dieMessage(`broadcast reached ${accepted} peers`)
      yield* Deferred.await(done)
    })
  yield* Effect.promise(() => measure((round) => Effect.runPromise(Effect.provide(once(round), runtime))))
}).pipe(Effect.scoped)

const bare = async () => {
  const server = await bareServer()
  const clients: Array<BareEnd> = []
  for (let i = 0; i < PEERS; i += 20) clients.push(...(await Promise.all(Array.from({ length: Math.min(20, PEERS - i) }, () => bareDial(server.port)))))
  await waitUntil(() => server.accepted.length >= PEERS, 10_000)
  let received = 0
  let done: (() => void) | undefined
  for (const c of clients) {
    c.onMessage = (m) => {
      if (m._tag !== "Inv") return
      touch(m)
      if (++received === PEERS) done?.()
    }
  }
  await measure((round) =>
    new Promise<void>((resolve) => {
      received = 0
      done = resolve
      const frame = Frame.encode(magic, invOf(round + 1000))
      for (const end of server.accepted) end.write(frame)
    }))
  for (const c of clients) c.socket.destroy()
  await server.close()
}

if (mode === "bare") await bare()
else await Effect.runPromise(ours)
if (touched < 0) console.log(touched)
