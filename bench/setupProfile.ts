/**
 * Connection setup alone, for a CPU profile or an allocation count (issue 15,
 * the `handshake` rows of `bench/peer.ts`):
 *
 *   npm run bench:build
 *   node --cpu-prof --cpu-prof-dir=/tmp/prof dist/bench/bench/setupProfile.js ours [concurrency] [seconds]
 *   node dist/bench/bench/setupProfile.js bare [concurrency] [seconds]
 *   node dist/bench/bench/setupProfile.js start [count]
 *   node dist/bench/bench/setupProfile.js dial [concurrency] [seconds]
 *   node dist/bench/bench/setupProfile.js baredial [concurrency] [seconds]
 *   node dist/bench/bench/setupProfile.js hub [concurrency] [seconds]
 *
 * `ours`: dial + handshake + close of our peers over loopback TCP (both ends
 * in this process), as the bench row does; `bare`: its `node:net` reference.
 * `start`: `Peer.start` and the scope's close over a socket that does nothing
 * (no bytes ever arrive), `count` times: the peer's own cost, without TCP.
 * `dial`: `NodeTransport`'s dial and close, its listener's handler ending at
 * once: the transport's share. `hub`: as `ours`, against a `NodeNetwork.layer`
 * hub instead of a plain peer listener (the network bench's churn row): `hub`
 * minus `ours` is the network layer's share.
 * Prints setups per second of main-thread CPU and of wall time (`start`: CPU
 * per setup, and the heap left behind per setup, after full GCs when run with
 * `--expose-gc`). For allocations per setup, add the sampling heap profiler
 * (`ALLOC=1`: every sample, collected or not, summed by function).
 */
import * as Socket from "@effect/platform/Socket"
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Layer from "effect/Layer"
import * as Scope from "effect/Scope"
import * as Stream from "effect/Stream"
import { Session } from "node:inspector/promises"
import * as Net from "node:net"
import * as v8 from "node:v8"
import { DirectClose, DirectRead, DirectWrite } from "../src/internal/peer/DirectWrite.js"
import { Connector } from "../src/network/Connector.js"
import * as NodeNetwork from "../src/node/NodeNetwork.js"
import * as NodeTransport from "../src/node/NodeTransport.js"
import type * as Transport from "../src/network/Transport.js"
import type * as NetAddress from "../src/wire/NetAddress.js"
import * as Peer from "../src/peer/Peer.js"
import { mainThreadCpuNs } from "./harness.js"
import { bareHandshake, bareHandshakeServer, bareServer, dialPeer, HOST, listenPeers, nodeConfig, now, params, waitUntil } from "./loopback.js"

const [mode = "ours", arg = "1", seconds = "5"] = process.argv.slice(2)

/** The heap in use (after a full GC when exposed): what setups left behind. */
const heapUsed = (): number => {
  ;(globalThis as { gc?: () => void }).gc?.()
  return v8.getHeapStatistics().used_heap_size
}

/** A socket that never delivers a byte, takes every write and closes at once (like `NodeTransport`'s). */
const quietSocket = (): Socket.Socket & DirectRead & DirectWrite & DirectClose => {
  const never = Effect.never
  return {
    [Socket.TypeId]: Socket.TypeId,
    run: () => never,
    runRaw: () => never,
    writer: Effect.succeed(() => Effect.void),
    [DirectRead]: () => () => {},
    [DirectWrite]: () => true,
    [DirectClose]: () => {}
  }
}

interface SampleNode {
  readonly callFrame: { readonly functionName: string; readonly url: string; readonly lineNumber: number }
  readonly selfSize: number
  readonly children: ReadonlyArray<SampleNode>
}

/**
 * Runs `body` under V8's sampling heap profiler, keeping the samples of
 * objects the GC already collected: prints the bytes allocated per setup and
 * the functions that allocated most. Without `ALLOC=1`, just runs `body`.
 */
const allocations = async (count: () => number, body: () => Promise<void>): Promise<void> => {
  if (process.env["ALLOC"] !== "1") return body()
  const session = new Session()
  session.connect()
  await session.post("HeapProfiler.startSampling", {
    samplingInterval: 512,
    includeObjectsCollectedByMajorGC: true,
    includeObjectsCollectedByMinorGC: true
  })
  await body()
  const { profile } = await session.post("HeapProfiler.stopSampling") as unknown as { profile: { head: SampleNode } }
  session.disconnect()
  const bySite = new Map<string, number>()
  let total = 0
  // ALLOC_BY=ours: each allocation counted at the nearest frame of this repository's code above it.
  const ours = process.env["ALLOC_BY"] === "ours"
  const siteOf = (n: SampleNode) =>
    `${n.callFrame.functionName || "(anonymous)"} ${n.callFrame.url.replace(/.*\/(src|bench|node_modules)\//, "$1/")}:${n.callFrame.lineNumber + 1}`
  const walk = (n: SampleNode, owner: string | undefined) => {
    const site = siteOf(n)
    const mine = /^\S+ (src|bench)\//.test(site) ? site : owner
    if (n.selfSize > 0) {
      const owner = process.env["ALLOC_OWNER"]
      const key = owner !== undefined ? (new RegExp(owner).test(mine ?? "") ? site : "(other owners)") : ours ? mine ?? site : site
      bySite.set(key, (bySite.get(key) ?? 0) + n.selfSize)
      total += n.selfSize
    }
    for (const c of n.children) walk(c, mine)
  }
  walk(profile.head, undefined)
  const n = count()
  console.log(`allocated: ~${(total / n / 1024).toFixed(1)} KiB per setup (sampled), by site:`)
  for (const [site, bytes] of [...bySite].sort((a, b) => b[1] - a[1]).slice(0, 30)) {
    console.log(`  ${(bytes / n).toFixed(0).padStart(7)} B  ${site}`)
  }
}

/** Effect's op and fiber counters, when a preload installed them (counting is left out of the repository). */
const effectCounts = (): Record<string, number> | undefined => (globalThis as { __effectCounts?: Record<string, number> }).__effectCounts

/** `cycle` run for `ms`, `concurrency` at a time, then a wait for `drained(cycles)`; returns the cycles. */
const cycleLoop = (concurrency: number, cycle: Effect.Effect<unknown, unknown>, drained: (cycles: number) => boolean) => (ms: number) =>
  Effect.runPromise(Effect.gen(function*() {
    const end = now() + ms
    let done = 0
    yield* Effect.forEach(Array.from({ length: concurrency }), () =>
      Effect.gen(function*() {
        while (now() < end) {
          yield* cycle
          done++
        }
      }), { concurrency, discard: true })
    yield* Effect.promise(() => waitUntil(() => drained(done), 5000))
    return done
  }))

/** Dial + handshake + close to `address`, as `cycleLoop`. */
const dialLoop = (transport: Transport.TransportShape, address: NetAddress.NetAddressFields, concurrency: number, drained: () => boolean) =>
  cycleLoop(concurrency, Effect.scoped(dialPeer(transport, address, nodeConfig())), drained)

const measure = async (label: string, loop: (ms: number) => Promise<number>, ms: number) => {
  await loop(Math.min(1000, ms / 4))
  const counts0 = { ...effectCounts() }
  ;(globalThis as { __opsOn?: boolean }).__opsOn = true
  const heap0 = heapUsed()
  const cpu0 = mainThreadCpuNs()
  const t0 = now()
  let count = 0
  await allocations(() => count, async () => void (count = await loop(ms)))
  const cpuMs = (mainThreadCpuNs() - cpu0) / 1e6
  const wallMs = now() - t0
  ;(globalThis as { __opsOn?: boolean }).__opsOn = false
  const ops = (globalThis as { __opsHist?: Map<string, number> }).__opsHist
  if (ops !== undefined) for (const [k, v] of [...ops].sort((a, b) => b[1] - a[1]).slice(0, 80)) console.log(`${(v / count).toFixed(2).padStart(6)} ${k}`)
  const counts = effectCounts()
  if (counts !== undefined) {
    console.log(Object.entries(counts).filter(([, v]) => typeof v === "number").map(([k, v]) => `${k} ${((v - (counts0[k] ?? 0)) / count).toFixed(1)}`).join(", ") + " per setup")
  }
  if ((globalThis as { gc?: unknown }).gc !== undefined) {
    console.log(`heap left behind: ${((heapUsed() - heap0) / count).toFixed(0)} B per setup (after a full GC)`)
  }
  console.log(`${label}: ${count} setups, ${((count * 1000) / cpuMs).toFixed(0)} /s of main-thread CPU (${((cpuMs * 1000) / count).toFixed(0)} µs each), ${((count * 1000) / wallMs).toFixed(0)} /s of wall time`)
}

if (mode === "start") {
  const count = Number(arg)
  const config = nodeConfig()
  const once = Effect.gen(function*() {
    const scope = yield* Scope.make()
    yield* Scope.extend(Peer.start(quietSocket(), { direction: "outbound", config }), scope)
    yield* Scope.close(scope, Exit.void)
  })
  const run = (n: number) => Effect.runPromise(Effect.repeatN(once, n - 1))
  await run(Math.min(count, 2000))
  const before = heapUsed()
  const cpu0 = mainThreadCpuNs()
  await allocations(() => count, () => run(count))
  const cpuMs = (mainThreadCpuNs() - cpu0) / 1e6
  const bytes = heapUsed() - before
  console.log(`start+close: ${((cpuMs * 1000) / count).toFixed(1)} µs of CPU each; retained after: ${(bytes / count).toFixed(0)} B each`)
} else if (mode === "bare") {
  const server = await bareServer()
  server.onAccept = bareHandshakeServer
  const concurrency = Number(arg)
  const loop = async (ms: number) => {
    const end = now() + ms
    let done = 0
    await Promise.all(Array.from({ length: concurrency }, async () => {
      while (now() < end) {
        await bareHandshake(server.port)
        done++
      }
    }))
    await waitUntil(() => server.accepted.length === 0, 5000)
    return done
  }
  await measure(`bare ×${concurrency}`, loop, Number(seconds) * 1000)
  await server.close()
} else if (mode === "dial") {
  // NodeTransport alone: dial and close, the listener's handler ends at once (no peers).
  const concurrency = Number(arg)
  await Effect.runPromise(Effect.scoped(Effect.gen(function*() {
    const transport = NodeTransport.make()
    let live = 0
    const address = yield* transport.listen("127.0.0.1", 0, () => Effect.sync(() => live++))
    const loop = cycleLoop(concurrency, Effect.scoped(transport.dial(address)), (done) => live >= done)
    yield* Effect.promise(() => measure(`dial ×${concurrency}`, loop, Number(seconds) * 1000))
  })))
} else if (mode === "baredial") {
  // What `dial` does, in plain node:net: no Effect, no scope, no fiber per connection.
  const concurrency = Number(arg)
  let live = 0
  const server = Net.createServer({ noDelay: true }, (conn) => {
    live++
    conn.on("error", () => {})
    conn.once("close", () => live--)
    void conn.remoteAddress
    conn.destroy()
  })
  await new Promise<void>((resolve) => server.listen(0, HOST, resolve))
  const port = (server.address() as Net.AddressInfo).port
  const dial = () =>
    new Promise<void>((resolve, reject) => {
      const conn = Net.createConnection({ host: HOST, port, noDelay: true })
      conn.once("connect", () => {
        conn.destroy()
        resolve()
      })
      conn.once("error", reject)
    })
  const loop = async (ms: number) => {
    const end = now() + ms
    let done = 0
    await Promise.all(Array.from({ length: concurrency }, async () => {
      while (now() < end) {
        await dial()
        done++
      }
    }))
    await waitUntil(() => live === 0, 5000)
    return done
  }
  await measure(`baredial ×${concurrency}`, loop, Number(seconds) * 1000)
  server.close()
} else if (mode === "hub") {
  // The network bench's churn row: a NodeNetwork hub (listening, nothing outbound) accepts each peer.
  const concurrency = Number(arg)
  await Effect.runPromise(Effect.scoped(Effect.gen(function*() {
    const transport = NodeTransport.make()
    const hub = yield* Layer.build(NodeNetwork.layer({
      peer: { params },
      listen: { host: "127.0.0.1", port: 0 },
      targetOutbound: 0,
      maxInbound: 1000,
      maxInboundPerGroup: 1000,
      sendGetAddr: false,
      answerGetAddr: false,
      addressBook: { allowLocal: true }
    }))
    const connector = Context.get(hub, Connector)
    const address = connector.listenAddress!
    // EVENTS=1: an events subscriber too, as the network bench's churn row keeps one to count the hub's peers.
    if (process.env["EVENTS"] === "1") yield* Effect.forkScoped(Stream.runForEach(connector.events, () => Effect.void))
    const loop = dialLoop(transport, address, concurrency, () => Effect.runSync(connector.peers).length === 0)
    yield* Effect.promise(() => measure(`hub ×${concurrency}`, loop, Number(seconds) * 1000))
  })))
} else {
  const concurrency = Number(arg)
  await Effect.runPromise(Effect.scoped(Effect.gen(function*() {
    const transport = NodeTransport.make()
    const listener = yield* listenPeers(transport, nodeConfig(), false)
    const loop = dialLoop(transport, listener.address, concurrency, () => listener.live() === 0)
    yield* Effect.promise(() => measure(`ours ×${concurrency}`, loop, Number(seconds) * 1000))
  })))
}
process.exit(0)
