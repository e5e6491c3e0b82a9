/**
 * Network-layer benchmark (issue "Network layer" speed), in one process on
 * 127.0.0.1, each figure beside a reference measured in the same run:
 *
 *   - broadcast: one hub node (`NodeNetwork.layer`, listening) with 200
 *     inbound peers from 200 client `Peer`s; time from
 *     `Dispatcher.broadcast(inv)` until every client received it, against a
 *     bare `node:net` hub writing the same frame to 200 sockets whose clients
 *     decode it with `FrameDecoder`; the 1,000-hash inv twice: as received
 *     (neither side's client reads the vectors: the decoder leaves them
 *     unbuilt until read), and read (every client, ours and bare, reads each
 *     vector's hash, as a client that acts on an inv does); each row with
 *     our clients consuming as a `Stream` (`subscribe` + `Stream.runForEach`),
 *     then again through `peer.runForEach` (bare's clients: a callback);
 *   - churn: 1,000 connect + handshake + disconnect cycles against the hub's
 *     listener (rate against the bare handshake), then handles
 *     (`process.getActiveResourcesInfo()`) and heap after GC against before;
 *   - address book: 100,000 addresses added in batches of 1,000 from varied
 *     /16s (each batch from another source peer), then 10,000 selections,
 *     against a plain `Map` insert and an array pick.
 *
 * Run alone: `npm run bench:network` (a tsc build run by node with
 * --expose-gc; under tsx without `--expose-gc` the churn heap check is skipped). Knobs:
 * BENCH_NET_PEERS (200), BENCH_NET_ROUNDS (40), BENCH_NET_WARMUP (20), BENCH_NET_CHURN (1000),
 * BENCH_NET_CHURN_ROUNDS (1: further rounds of churn, ours and bare interleaved, CPU medians),
 * BENCH_NET_FILTER (regex on broadcast, churn, book).
 */
import * as Context from "effect/Context"
import * as Deferred from "effect/Deferred"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Scope from "effect/Scope"
import * as Fiber from "effect/Fiber"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import * as Stream from "effect/Stream"
import * as AddressBook from "../src/network/AddressBook.js"
import { Connector } from "../src/network/Connector.js"
import { Dispatcher } from "../src/network/Dispatcher.js"
import * as Frame from "../src/wire/Frame.js"
import * as InvVector from "../src/wire/InvVector.js"
import * as Message from "../src/wire/Message.js"
import * as NetAddress from "../src/wire/NetAddress.js"
import {
  type BareEnd,
  bareDial,
  bareHandshake,
  bareHandshakeServer,
  bareServer,
  dialPeer,
  envNumber,
  hasGc,
  HOST,
  isMain,
  kib,
  magic,
  median,
  memory,
  mib,
  ms,
  nodeConfig,
  now,
  params,
  pct,
  progress,
  quantile,
  ratio,
  resourceSummary,
  si,
  table,
  waitUntil
} from "./loopback.js"
import { readFileSync } from "node:fs"
import * as NodeNetwork from "../src/node/NodeNetwork.js"
import * as NodeTransport from "../src/node/NodeTransport.js"
import { mainThreadCpuNs } from "./harness.js"

const PEERS = envNumber("BENCH_NET_PEERS", 200)
const ROUNDS = envNumber("BENCH_NET_ROUNDS", 40)
/**
 * Unmeasured broadcasts before each row's rounds (a quarter for the 1,000-hash rows). With 2, the
 * first row (1 hash, Stream clients) measured our path while V8 was still compiling it: 13.5 ms of
 * main-thread CPU per broadcast against 6.4 ms after 30 (bare: 5.1 and 2.7; load ~9.5), where
 * bare's path, Node's own, was already warm from the set-up.
 */
const WARMUP = envNumber("BENCH_NET_WARMUP", 20)
const CHURN = envNumber("BENCH_NET_CHURN", 1000)
const CHURN_ROUNDS = envNumber("BENCH_NET_CHURN_ROUNDS", 1)
const CHURN_CONCURRENCY = 8

export interface BroadcastRow {
  readonly name: string
  readonly items: number
  /** Whether every client read each vector of the inv it received. */
  readonly read: boolean
  /** Median and 90th percentile milliseconds until all peers received the message. */
  readonly ours: { readonly median: number; readonly p90: number }
  readonly bare: { readonly median: number; readonly p90: number }
  /**
   * Mean main-thread CPU milliseconds per broadcast (both ends live in this process): the thread
   * clock (`schedstat`) advances at scheduler ticks, so one round of a few milliseconds reads as 0
   * or a whole tick, and a median of rounds was mostly tick noise (bare's 1-hash median read 0.000
   * ms in a run whose mean was 1.9 ms). The sum over rounds is exact to a tick.
   */
  readonly oursCpu: number
  readonly bareCpu: number
  /**
   * Mean milliseconds per broadcast the main thread spent runnable but waiting for a CPU (other
   * processes, or this one's GC threads, on it). Measured: wall ≈ main-thread CPU + this wait, to
   * within a few percent, for ours and bare alike; on a loaded machine the wall ratio falls below
   * the CPU ratio through this wait (longer rounds wait more), not through an idle wait of ours.
   */
  readonly oursQueued: number
  readonly bareQueued: number
}

export interface ChurnResult {
  readonly cycles: number
  /** Rounds of `cycles`, ours and bare interleaved (the CPU figures are medians over them). */
  readonly rounds: number
  readonly oursPerSec: number
  readonly barePerSec: number
  /** Cycles per second of main-thread CPU (steadier than wall time on a loaded machine), median over rounds. */
  readonly oursPerCpuSec: number
  readonly barePerCpuSec: number
  readonly handlesBefore: number
  readonly handlesAfter: number
  readonly heapGrowth: number | undefined
  readonly hubPeersAfter: number
  readonly leftover: string
}

export interface BookRow {
  readonly name: string
  readonly ops: number
  readonly oursPerSec: number
  readonly refPerSec: number
  readonly refName: string
  readonly note: string
}

export interface NetworkResults {
  readonly broadcast: Array<BroadcastRow>
  readonly churn: ChurnResult | undefined
  readonly book: Array<BookRow>
}

// ---------------------------------------------------------------------------
// The hub

const hubLayer = NodeNetwork.layer({
  peer: { params },
  listen: { host: HOST, port: 0 },
  targetOutbound: 0,
  maxInbound: PEERS + CHURN_CONCURRENCY * 4 + 64,
  // Every bench peer comes from 127.0.0.1, one inbound group: lift the per-group cap (16 by default,
  // a defence against one host holding every slot) to the inbound limit, as the swarm does.
  maxInboundPerGroup: PEERS + CHURN_CONCURRENCY * 4 + 64,
  sendGetAddr: false,
  answerGetAddr: false,
  addressBook: { allowLocal: true }
})

const makeHub = Effect.gen(function*() {
  const context = yield* Layer.build(hubLayer)
  const connector = Context.get(context, Connector)
  const dispatcher = Context.get(context, Dispatcher)
  const address = connector.listenAddress
  if (address === undefined) return yield* Effect.dieMessage("the hub does not listen")
  // The hub's peers, read from its registry when a wait polls (every 5 ms). An events subscriber
  // counting Connected/Disconnected did this before: its stream woke for every event, ~116 Effect
  // ops per churn cycle (~20% of the hub's), charged to the hub though no hub needs it.
  const count = {
    get peers() {
      return Effect.runSync(connector.peers).length
    }
  }
  return { connector, dispatcher, address, count }
})

const invOf = (items: number, seed: number) =>
  Message.Inv.make({
    inventory: Array.from({ length: items }, (_, i) => {
      const hash = new Uint8Array(32)
      new DataView(hash.buffer).setUint32(0, seed)
      new DataView(hash.buffer).setUint32(4, i)
      return { type: items === 1 ? InvVector.InvType.Block : InvVector.InvType.WTx, hash }
    })
  })

// ---------------------------------------------------------------------------
// Broadcast

const mean = (xs: ReadonlyArray<number>): number => xs.reduce((a, b) => a + b, 0) / xs.length

/**
 * Nanoseconds the main thread has spent runnable but waiting for a CPU (the second field of
 * Linux's schedstat; 0 where it is missing): the part of a wall time that is the machine's load.
 */
export const runQueueNs = (): number => {
  try {
    return Number(readFileSync("/proc/thread-self/schedstat", "latin1").split(" ", 2)[1])
  } catch {
    return 0
  }
}

const broadcastSection = Effect.gen(function*() {
  progress(`broadcast to ${PEERS} peers`)
  const transport = NodeTransport.make()
  const hub = yield* makeHub
  const clientConfig = nodeConfig()
  let received = 0
  let target = 0
  let done: Deferred.Deferred<void> | undefined
  /** Whether clients read every vector (`readAll`), and what they read, so the reads are not optimised away. */
  let readAll = false
  let touched = 0
  const touch = (m: Message.MessageOf<"Inv">) => {
    if (readAll) for (const v of m.inventory) touched += v.hash[31]! + v.type
  }
  const onInv = (m: Message.MessageOf<"Inv">) => {
    touch(m)
    if (++received === target && done !== undefined) Deferred.unsafeDone(done, Effect.void)
  }
  // Each client consumes its invs as a `Stream` (`subscribe` + `Stream.runForEach`) for the first
  // rows, then through `peer.runForEach` (no stream run per message) for the same rows again.
  const consumers: Array<Fiber.RuntimeFiber<void>> = []
  const consumerScope = yield* Scope.make()
  const clientPeers = yield* Effect.forEach(
    Array.from({ length: PEERS }),
    () =>
      Effect.gen(function*() {
        const peer = yield* dialPeer(transport, hub.address, clientConfig)
        // Subscribed in the consumer's own scope: interrupting it ends the subscription too.
        const invs = yield* peer.subscribe("Inv").pipe(Scope.extend(consumerScope))
        consumers.push(yield* Effect.forkScoped(Stream.runForEach(invs, (m) => Effect.sync(() => onInv(m))).pipe(Effect.ignore)))
        return peer
      }),
    { concurrency: 20 }
  )
  const switchToRunForEach = Effect.gen(function*() {
    yield* Fiber.interruptAll(consumers.splice(0))
    yield* Scope.close(consumerScope, Exit.void)
    for (const peer of clientPeers) {
      consumers.push(yield* Effect.forkScoped(peer.runForEach(["Inv"], (m) => Effect.sync(() => onInv(m))).pipe(Effect.ignore)))
    }
    // Let each consumer subscribe before the next broadcast.
    yield* Effect.yieldNow()
  })
  if (!(yield* Effect.promise(() => waitUntil(() => hub.count.peers >= PEERS, 10_000)))) {
    return yield* Effect.dieMessage(`hub has ${hub.count.peers} peers, expected ${PEERS}`)
  }

  // The bare hub: the same number of framed connections.
  const server = yield* Effect.acquireRelease(Effect.promise(bareServer), (s) => Effect.promise(s.close))
  const clients: Array<BareEnd> = []
  for (let i = 0; i < PEERS; i += 20) {
    clients.push(...(yield* Effect.promise(() => Promise.all(Array.from({ length: Math.min(20, PEERS - i) }, () => bareDial(server.port))))))
  }
  yield* Effect.promise(() => waitUntil(() => server.accepted.length >= PEERS, 10_000))
  let bareReceived = 0
  let bareDone: (() => void) | undefined
  for (const c of clients) {
    c.onMessage = (m) => {
      if (m._tag !== "Inv") return
      touch(m)
      if (++bareReceived === PEERS) bareDone?.()
    }
  }
  const bareOnce = (frame: Uint8Array): Promise<number> =>
    new Promise((resolve) => {
      bareReceived = 0
      const t0 = now()
      bareDone = () => resolve(now() - t0)
      // Encode once per broadcast (the message is the same for everyone), write to each.
      for (const end of server.accepted) end.write(frame)
    })

  const oursOnce = (inv: Message.NetworkMessage) =>
    Effect.gen(function*() {
      received = 0
      target = PEERS
      done = yield* Deferred.make<void>()
      const t0 = now()
      const accepted = yield* hub.dispatcher.broadcast(inv)
      if (accepted !== PEERS) return yield* Effect.dieMessage(`broadcast reached ${accepted} peers`)
      yield* Deferred.await(done)
      return now() - t0
    })

  const rows: Array<BroadcastRow> = []
  const cases = [[1, false], [1000, false], [1000, true]] as const
  for (const [index, [items, read, viaForEach]] of [...cases.map(([i, r]) => [i, r, false] as const), ...cases.map(([i, r]) => [i, r, true] as const)].entries()) {
    if (index === cases.length) yield* switchToRunForEach
    readAll = read
    const o: Array<number> = []
    const b: Array<number> = []
    const oc: Array<number> = []
    const bc: Array<number> = []
    const oq: Array<number> = []
    const bq: Array<number> = []
    // A 1,000-item inv costs each receiver a full decode: fewer rounds keep the section short.
    const rounds = items === 1 ? ROUNDS : Math.max(3, Math.floor(ROUNDS / 4))
    const warmup = items === 1 ? WARMUP : Math.max(2, Math.floor(WARMUP / 4))
    for (let r = -warmup; r < rounds; r++) {
      const inv = invOf(items, r + 1000 * items)
      const c0 = mainThreadCpuNs()
      const q0 = runQueueNs()
      const bareMs = yield* Effect.promise(() => bareOnce(Frame.encode(magic, inv)))
      const c1 = mainThreadCpuNs()
      const q1 = runQueueNs()
      const oursMs = yield* oursOnce(inv)
      const c2 = mainThreadCpuNs()
      const q2 = runQueueNs()
      if (r >= 0) {
        b.push(bareMs)
        o.push(oursMs)
        bc.push((c1 - c0) / 1e6)
        oc.push((c2 - c1) / 1e6)
        bq.push((q1 - q0) / 1e6)
        oq.push((q2 - q1) / 1e6)
      }
    }
    rows.push({
      name: (items === 1 ? "inv, 1 block hash" : `inv, ${items} tx hashes${read ? ", every vector read" : ""}`) +
        (viaForEach ? " (clients: peer.runForEach)" : ""),
      items,
      read,
      ours: { median: median(o), p90: quantile(o, 0.9) },
      bare: { median: median(b), p90: quantile(b, 0.9) },
      oursCpu: mean(oc),
      bareCpu: mean(bc),
      oursQueued: mean(oq),
      bareQueued: mean(bq)
    })
  }
  if (touched < 0) console.log(touched)
  return rows
}).pipe(Effect.scoped)

// ---------------------------------------------------------------------------
// Churn

const churnSection = Effect.gen(function*() {
  progress(`churn: ${CHURN} connect/handshake/disconnect cycles`)
  const transport = NodeTransport.make()
  const hub = yield* makeHub
  const clientConfig = nodeConfig()
  let cpuStart = 0
  let lastCpuSec = 0
  const cycles = (n: number) =>
    Effect.gen(function*() {
      let next = 0
      const t0 = now()
      cpuStart = mainThreadCpuNs()
      yield* Effect.forEach(
        Array.from({ length: CHURN_CONCURRENCY }),
        () =>
          Effect.gen(function*() {
            while (next < n) {
              next++
              yield* Effect.scoped(dialPeer(transport, hub.address, clientConfig))
            }
          }),
        { concurrency: CHURN_CONCURRENCY, discard: true }
      )
      lastCpuSec = (mainThreadCpuNs() - cpuStart) / 1e9
      return (n * 1000) / (now() - t0)
    })
  const drained = Effect.promise(() => waitUntil(() => hub.count.peers === 0, 10_000))

  // Bare reference: the same handshake frames over node:net, same concurrency.
  const server = yield* Effect.acquireRelease(Effect.promise(bareServer), (s) => Effect.promise(s.close))
  server.onAccept = bareHandshakeServer
  const bareCycles = async (n: number): Promise<number> => {
    let next = 0
    const t0 = now()
    cpuStart = mainThreadCpuNs()
    await Promise.all(Array.from({ length: CHURN_CONCURRENCY }, async () => {
      while (next < n) {
        next++
        await bareHandshake(server.port)
      }
    }))
    const rate = (n * 1000) / (now() - t0)
    lastCpuSec = (mainThreadCpuNs() - cpuStart) / 1e9
    await waitUntil(() => server.accepted.length === 0, 5000)
    return rate
  }

  // Warm-up, then the baseline.
  yield* cycles(100)
  yield* drained
  yield* Effect.promise(() => bareCycles(200))
  const before = yield* Effect.promise(memory)
  const oursPerSec = yield* cycles(CHURN)
  const oursCpu = [lastCpuSec]
  yield* drained
  // Let the closed sockets' handles go (their close callbacks run on later turns).
  yield* Effect.promise(() => waitUntil(() => process.getActiveResourcesInfo().length <= before.handles, 2000))
  const after = yield* Effect.promise(memory)
  const barePerSec = yield* Effect.promise(() => bareCycles(CHURN))
  const bareCpu = [lastCpuSec]
  // Further rounds, ours and bare interleaved: CPU figures are the medians over rounds.
  for (let round = 1; round < CHURN_ROUNDS; round++) {
    yield* cycles(CHURN)
    oursCpu.push(lastCpuSec)
    yield* drained
    yield* Effect.promise(() => bareCycles(CHURN))
    bareCpu.push(lastCpuSec)
  }
  return {
    cycles: CHURN,
    rounds: CHURN_ROUNDS,
    oursPerSec,
    barePerSec,
    oursPerCpuSec: CHURN / median(oursCpu),
    barePerCpuSec: CHURN / median(bareCpu),
    handlesBefore: before.handles,
    handlesAfter: after.handles,
    heapGrowth: hasGc ? after.heapUsed - before.heapUsed : undefined,
    hubPeersAfter: hub.count.peers,
    leftover: after.handles > before.handles ? resourceSummary() : ""
  } satisfies ChurnResult
}).pipe(Effect.scoped)

// ---------------------------------------------------------------------------
// Address book

/** First octets of public IPv4 space (no 0/8, 10/8, 100.64/10 region, 127/8, 169.254, 172.16/12, 192.168, 198.18/15, 224+). */
const PUBLIC_FIRST = Array.from({ length: 223 }, (_, i) => i + 1).filter((a) => ![10, 100, 127, 169, 172, 192, 198].includes(a))

const bookSection = Effect.gen(function*() {
  progress("address book")
  let seed = 0x0add_b00c
  const rand = () => {
    seed = (Math.imul(seed, 1_103_515_245) + 12345) >>> 0
    return seed
  }
  const TOTAL = 100_000
  const BATCH = 1_000
  const address = (): NetAddress.NetAddressFields => {
    const r = rand()
    const a = PUBLIC_FIRST[r % PUBLIC_FIRST.length]!
    return {
      services: 0x409n,
      network: NetAddress.NetworkId.IPv4,
      address: new Uint8Array([a, (r >>> 8) & 0xff, rand() & 0xff, (rand() & 0xfe) + 1]),
      port: 8333
    }
  }
  const batches = Array.from({ length: TOTAL / BATCH }, () => Array.from({ length: BATCH }, address))
  const sources = batches.map(() => {
    const s = address()
    return `peer:${NetAddress.toString(s)}` as const
  })
  const time = (run: () => void) => {
    const t0 = now()
    run()
    return now() - t0
  }

  // Reference: the bare minimum of an address table, a Map from key to record.
  const map = new Map<string, { address: NetAddress.NetAddressFields; source: string }>()
  const refAddMs = time(() => {
    batches.forEach((batch, i) => {
      for (const a of batch) map.set(NetAddress.toString(a), { address: a, source: sources[i]! })
    })
  })

  const book = yield* AddressBook.make({})
  let added = 0
  let collided = 0
  const t0 = now()
  for (let i = 0; i < batches.length; i++) {
    const s = yield* book.add(batches[i]!, sources[i]!)
    added += s.added
    collided += s.collided
  }
  const addMs = now() - t0
  const size = yield* book.size

  const SELECTS = 10_000
  const values = [...map.values()]
  let pick = 0
  const refSelectMs = time(() => {
    for (let i = 0; i < SELECTS; i++) pick += values[rand() % values.length]!.address.port
  })
  let found = 0
  const s0 = now()
  for (let i = 0; i < SELECTS; i++) if (Option.isSome(yield* book.select())) found++
  const selectMs = now() - s0

  // As the connector asks: excluding the 8 addresses and groups in use.
  const entries = (yield* book.entries).slice(0, 8)
  const excludeKeys = new Set(entries.map((e) => e.key))
  const excludeGroups = entries.map((e) => e.group)
  let foundEx = 0
  const x0 = now()
  for (let i = 0; i < SELECTS; i++) {
    if (Option.isSome(yield* book.select({ excludeKeys, excludeGroups, excludeBanned: true }))) foundEx++
  }
  const selectExMs = now() - x0
  void pick

  return [
    {
      name: `add ${TOTAL / 1000}k in batches of ${BATCH}`,
      ops: TOTAL,
      oursPerSec: (TOTAL * 1000) / addMs,
      refPerSec: (TOTAL * 1000) / refAddMs,
      refName: "Map.set",
      note: `${added} added, ${collided} collided, book holds ${size}`
    },
    {
      name: `select ×${SELECTS / 1000}k`,
      ops: SELECTS,
      oursPerSec: (SELECTS * 1000) / selectMs,
      refPerSec: (SELECTS * 1000) / refSelectMs,
      refName: "array pick",
      note: `${found} found`
    },
    {
      name: `select ×${SELECTS / 1000}k, 8 keys + groups excluded`,
      ops: SELECTS,
      oursPerSec: (SELECTS * 1000) / selectExMs,
      refPerSec: (SELECTS * 1000) / refSelectMs,
      refName: "array pick",
      note: `${foundEx} found`
    }
  ] satisfies Array<BookRow>
})

// ---------------------------------------------------------------------------
// Report

/** Issue 15's targets: broadcast at least 60% of bare's speed, churn at least 40% of bare's rate. */
const BROADCAST_TARGET = 0.6
const CHURN_TARGET = 0.4

export const report = (r: NetworkResults): void => {
  if (r.broadcast.length > 0) {
    table(
      `Broadcast to ${PEERS} peers over loopback TCP: time until all received (bare: node:net hub writes one frame to ${PEERS} sockets).`,
      ["message", "ours median", "ours p90", "bare median", "bare p90", "ours/bare speed", "target", "verdict", "ours/bare per CPU ms"],
      r.broadcast.map((x) => [
        x.name,
        ms(x.ours.median),
        ms(x.ours.p90),
        ms(x.bare.median),
        ms(x.bare.p90),
        pct(x.bare.median, x.ours.median),
        `≥ ${pct(BROADCAST_TARGET, 1)}`,
        x.bare.median / x.ours.median >= BROADCAST_TARGET ? "met" : "NOT MET",
        pct(x.bareCpu, x.oursCpu)
      ])
    )
    console.log(`(per peer: ${r.broadcast.map((x) => `${x.name}: ${ms(x.ours.median / PEERS)} ours, ${ms(x.bare.median / PEERS)} bare`).join("; ")})`)
    console.log(
      `(per broadcast, mean main-thread CPU / runnable but waiting for a CPU: ${
        r.broadcast.map((x) => `${x.name}: ours ${ms(x.oursCpu)} / ${ms(x.oursQueued)}, bare ${ms(x.bareCpu)} / ${ms(x.bareQueued)}`).join("; ")
      })`
    )
  }
  if (r.churn !== undefined) {
    const c = r.churn
    table(
      `Connection churn: ${c.cycles} connect + handshake + disconnect cycles against the hub's listener, ${CHURN_CONCURRENCY} at a time.`,
      ["", "cycles/s", "ours/bare", "target", "verdict", "ours/bare per CPU s", "handles before", "handles after", "heap growth after GC", "hub peers after"],
      [
        [
          "ours (hub: NodeNetwork.layer)",
          si(c.oursPerSec),
          pct(c.oursPerSec, c.barePerSec),
          `≥ ${pct(CHURN_TARGET, 1)}`,
          c.oursPerSec / c.barePerSec >= CHURN_TARGET ? "met" : "NOT MET",
          pct(c.oursPerCpuSec, c.barePerCpuSec),
          String(c.handlesBefore),
          String(c.handlesAfter),
          c.heapGrowth === undefined ? "(no --expose-gc)" : mib(c.heapGrowth),
          String(c.hubPeersAfter)
        ],
        ["bare (node:net + FrameDecoder)", si(c.barePerSec), "", "", "", "", "", "", "", ""]
      ]
    )
    const handlesOk = c.handlesAfter <= c.handlesBefore
    const heapOk = c.heapGrowth === undefined || c.heapGrowth < 2 * 1024 * 1024
    console.log(`main-thread CPU per cycle (median of ${c.rounds} round${c.rounds === 1 ? "" : "s"}): ours ${(1e6 / c.oursPerCpuSec).toFixed(0)} µs, bare ${(1e6 / c.barePerCpuSec).toFixed(0)} µs`)
    console.log(`handles: ${handlesOk ? "no growth" : `GREW (${c.leftover})`}; heap: ${heapOk ? "no growth beyond noise (< 2 MiB)" : `GREW ${mib(c.heapGrowth!)} (${kib(c.heapGrowth! / c.cycles)} per cycle)`}`)
  }
  if (r.book.length > 0) {
    table(
      "Address book (in memory): operations per second against a plain Map / array.",
      ["operation", "ours ops/s", "µs/op", "reference", "ref ops/s", "ours/ref", "outcome"],
      r.book.map((x) => [x.name, si(x.oursPerSec), (1e6 / x.oursPerSec).toFixed(2), x.refName, si(x.refPerSec), ratio(x.oursPerSec, x.refPerSec), x.note])
    )
  }
}

/** Runs the selected sections and prints their tables. */
export const run = async (): Promise<NetworkResults> => {
  const filter = process.env["BENCH_NET_FILTER"] ? new RegExp(process.env["BENCH_NET_FILTER"]) : undefined
  const on = (name: string) => filter === undefined || filter.test(name)
  const started = now()
  const results: NetworkResults = {
    broadcast: on("broadcast") ? await Effect.runPromise(broadcastSection) : [],
    churn: on("churn") ? await Effect.runPromise(churnSection) : undefined,
    book: on("book") ? await Effect.runPromise(bookSection) : []
  }
  report(results)
  console.log(`\nnetwork bench done in ${((now() - started) / 1000).toFixed(1)} s`)
  return results
}

export const main = run

if (isMain(import.meta.url)) {
  await run()
  process.exit(0)
}
