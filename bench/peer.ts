/**
 * Peer benchmark (issue "Peer" speed): two of our peers over loopback TCP in
 * one process, beside a bare `node:net` loop that frames the same messages
 * with `Frame.encode` and reads them with `FrameDecoder` (magic, command,
 * caps, checksum, payload decode). Every figure is printed with its ratio to
 * the bare reference measured in the same run, rounds interleaved (bare,
 * ours, bare, ours, …) so machine drift hits both alike.
 *
 *   - ping/pong round trips per second: sequential (`peer.ping`) and
 *     pipelined (a window of pings in flight, pongs counted by a subscriber);
 *   - one-way flood of a 2-in/2-out segwit `tx` (the harness's shape), 256
 *     sends then a wait for the socket to take them (ours: `sendAndAwait`;
 *     bare and bcoin: `drain`), counted on receipt (`subscribe("Tx")`),
 *     against bare and bcoin's pair;
 *   - one-way throughput of ~1 MB `block` messages (the receiving peer
 *     decodes them; counted through `peer.runForEach(["Block"], …)`, the
 *     consumer compared with bcoin's, then again through `subscribe("Block")`
 *     run as a `Stream`);
 *   - sequential ping and one-way 1 MB blocks against bcoin's peer pair too
 *     (`bcoinPeer.ts`: two bcoin 1.0.2 `Peer`s, native hashing when the
 *     addon from `npm run bench:setup-native` loads), in the same rounds;
 *   - handshakes per second: dial + version/verack + disconnect, sequential
 *     and concurrent;
 *   - memory per idle connected peer: 1,000 pairs (2,000 `Peer`s), heap and
 *     RSS after a full GC (needs `--expose-gc`), against 1,000 bare pairs.
 *
 * Run alone: `npm run bench:peer` (a tsc build of src and bench, run by
 * node with --expose-gc; `npx tsx bench/peer.ts` works too, without the heap
 * figures and with tsx's closure names inflating them). Knobs: BENCH_PEER_ROUND_MS
 * (default 500), BENCH_PEER_ROUNDS (5), BENCH_PEER_IDLE_PAIRS (1000),
 * BENCH_PEER_FILTER (regex on section names: ping, tx, block, handshake, heap).
 */
import * as Chunk from "effect/Chunk"
import * as Deferred from "effect/Deferred"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as Exit from "effect/Exit"
import * as Queue from "effect/Queue"
import * as Scope from "effect/Scope"
import * as Frame from "../src/wire/Frame.js"
import * as Message from "../src/wire/Message.js"
import type * as Peer from "../src/peer/Peer.js"
import type { PeerError } from "../src/peer/PeerError.js"
import * as Transport from "../src/network/Transport.js"
import {
  type BareEnd,
  bareDial,
  bareHandshake,
  bareHandshakeServer,
  barePair,
  bareServer,
  dialPeer,
  envNumber,
  hasGc,
  isMain,
  kib,
  listenPeers,
  magic,
  makeBlock,
  memory,
  mib,
  nextNonce,
  nodeConfig,
  now,
  peerPair,
  pct,
  progress,
  ratio,
  si,
  table,
  waitUntil
} from "./loopback.js"
import * as NodeTransport from "../src/node/NodeTransport.js"
import * as BcoinPeer from "./bcoinPeer.js"
import { nativeStatus as bcoinNative } from "./bcoin.js"
import { batchFlood, counter, creditLoop, forEachCounter, fromPromise, interleaved, interleavedRounds, type Loop, pingSequential, windowLoop } from "./pairLoops.js"

const IDLE_PAIRS = envNumber("BENCH_PEER_IDLE_PAIRS", 1000)
const PING_WINDOW = 32
const BLOCK_WINDOW = 4
const HANDSHAKE_CONCURRENCY = 16

/** One measured figure and its reference. */
export interface Row {
  readonly name: string
  readonly ours: number
  readonly bare: number
  /** ours/bare must reach this, when the figure has a target. */
  readonly target?: number | undefined
  /** ours/bare per second of main-thread CPU, when measured (the steadier figure on a loaded machine). */
  readonly cpuRatio?: number | undefined
}

export interface PeerResults {
  readonly ping: Array<Row>
  readonly tx: Array<Row>
  readonly block: Array<Row & { readonly bytes: number }>
  readonly handshake: Array<Row>
  readonly heap:
    | {
      readonly pairs: number
      readonly heapPerPair: number
      readonly rssPerPair: number
      readonly bareHeapPerPair: number
      readonly bareRssPerPair: number
      readonly residualHeap: number
      readonly residualHandles: number
    }
    | undefined
}

/**
 * `interleavedRounds` of several bare references (promise loops) and ours:
 * each one's wall rate, and each one's rate per second of main-thread CPU
 * (steadier on a loaded machine: both ends of every pair run on this thread).
 */
const interleavedMany = <E, R>(
  bare: ReadonlyArray<(ms: number) => Promise<number>>,
  ours: Loop<E, R>
): Effect.Effect<{ bare: Array<number>; ours: number; bareCpu: Array<number>; oursCpu: number }, E, R> =>
  Effect.map(interleavedRounds<E, R>([...bare.map(fromPromise), ours]), (rates) => ({
    bare: rates.slice(0, -1).map((r) => r.wall),
    ours: rates[rates.length - 1]!.wall,
    bareCpu: rates.slice(0, -1).map((r) => r.cpu),
    oursCpu: rates[rates.length - 1]!.cpu
  }))

/**
 * bcoin's peer pair (the peer-level reference, see `bcoinPeer.ts`), closed
 * with the scope; `undefined` (and a note) when bcoin cannot be loaded.
 */
const bcoinPair = (blockPayload: Uint8Array, txPayload?: Uint8Array) =>
  Effect.acquireRelease(
    Effect.promise(() =>
      BcoinPeer.make(blockPayload, txPayload).catch((e) => {
        console.log(`(bcoin peer pair unavailable: ${String(e).split("\n")[0]}; its rows are skipped)`)
        return undefined
      })
    ),
    (pair) => Effect.sync(() => pair?.close())
  )

/** How the bcoin rows' reference column is named: bcoin, and whether it hashes natively. */
const bcoinName = `bcoin Peer pair${bcoinNative.native ? "" : " (no native addon)"}`

// ---------------------------------------------------------------------------
// Bare loops

/** The remote half of every bare loop: answers pings, counts blocks. */
const bareResponder = (end: BareEnd, onBlock: () => void = () => {}): void => {
  end.onMessage = (m, e) => {
    if (m._tag === "Ping") e.send(Message.Pong.make({ nonce: m.nonce }))
    else if (m._tag === "Block") onBlock()
  }
}

/** Round trips per second with `window` pings in flight (1: sequential). */
const barePing = (client: BareEnd, window: number) => (durationMs: number): Promise<number> =>
  new Promise((resolve) => {
    const start = now()
    const end = start + durationMs
    let done = 0
    let inFlight = 0
    const ping = () => {
      inFlight++
      client.send(Message.Ping.make({ nonce: nextNonce() }))
    }
    client.onMessage = (m) => {
      if (m._tag !== "Pong") return
      done++
      inFlight--
      if (now() < end) ping()
      else if (inFlight === 0) resolve((done * 1000) / (now() - start))
    }
    for (let i = 0; i < window; i++) ping()
  })

/** Blocks per second, `window` in flight; `encodeEach` re-encodes every block like a peer does. */
const bareBlocks = (client: BareEnd, server: BareEnd, block: Message.NetworkMessage, frame: Uint8Array, encodeEach: boolean) =>
  windowLoop(() => (encodeEach ? client.send(block) : client.write(frame)), (arrived) => bareResponder(server, arrived), BLOCK_WINDOW)

/** One-way messages per second: batches of 256, waiting for the socket to drain between, counted on receipt. */
const bareFlood = (client: BareEnd, server: BareEnd, message: Message.NetworkMessage) => {
  const flood = batchFlood(
    () => {
      for (let i = 0; i < 256; i++) client.send(message)
    },
    () => (client.socket.writableNeedDrain ? new Promise((r) => client.socket.once("drain", r)) : undefined)
  )
  server.onMessage = (m) => {
    if (m._tag === "Tx") flood.arrived()
  }
  return flood.loop
}

/** Ours: 255 `send`s and a `sendAndAwait` per batch (the harness adapter's loop), counted on receipt. */
const oursFlood = <A>(out: Peer.Peer, counted: { on: (a: A) => void }, message: Message.NetworkMessage): Loop<PeerError> =>
(durationMs) =>
  Effect.gen(function*() {
    let received = 0
    const arrived = yield* Deferred.make<void>()
    let want = Number.POSITIVE_INFINITY
    counted.on = () => {
      if (++received >= want) Deferred.unsafeDone(arrived, Exit.void)
    }
    const start = now()
    let sent = 0
    while (now() - start < durationMs) {
      for (let i = 0; i < 255; i++) yield* out.send(message)
      yield* out.sendAndAwait(message)
      sent += 256
    }
    want = sent
    if (received < sent) yield* Deferred.await(arrived)
    counted.on = () => {}
    return (sent * 1000) / (now() - start)
  })

/** A 2-in/2-out segwit transaction (the shape of the harness's corpus tx), from the bench block's generator. */
const floodTx = (): Message.NetworkMessage => {
  const tx = makeBlock(200).transactions.find((t) => t.inputs.length === 2 && t.outputs.length === 2 && t.inputs[0]!.witness.length > 0)
  if (tx === undefined) throw new Error("no 2-in/2-out segwit transaction in the bench block")
  return Message.Tx.make({ tx })
}

/** version → (version, sendaddrv2, verack) → (sendaddrv2, verack, sendheaders): the messages our peers exchange. */
/** Handshakes per second with `concurrency` workers. */
const bareHandshakes = (port: number, concurrency: number) => async (durationMs: number): Promise<number> => {
  const start = now()
  const end = start + durationMs
  let done = 0
  await Promise.all(Array.from({ length: concurrency }, async () => {
    while (now() < end) {
      await bareHandshake(port)
      done++
    }
  }))
  return (done * 1000) / (now() - start)
}

// ---------------------------------------------------------------------------
// Our peers

const oursHandshakes = (transport: Transport.TransportShape, address: Parameters<typeof dialPeer>[1], concurrency: number) =>
(durationMs: number) =>
  Effect.gen(function*() {
    const config = nodeConfig()
    const start = now()
    const end = start + durationMs
    let done = 0
    yield* Effect.forEach(
      Array.from({ length: concurrency }),
      () =>
        Effect.gen(function*() {
          while (now() < end) {
            yield* Effect.scoped(dialPeer(transport, address, config))
            done++
          }
        }),
      { concurrency, discard: true }
    )
    return (done * 1000) / (now() - start)
  })

// ---------------------------------------------------------------------------
// Sections

const pingSection = Effect.gen(function*() {
  progress("peer ping/pong round trips")
  const transport = NodeTransport.make()
  const listener = yield* listenPeers(transport, nodeConfig())
  const [out] = yield* peerPair(transport, listener, nodeConfig())
  const server = yield* Effect.acquireRelease(Effect.promise(bareServer), (s) => Effect.promise(s.close))
  const [client, remote] = yield* Effect.promise(() => barePair(server))
  bareResponder(remote)

  // Sequential first, with no subscriber (the bare loop has none either): a subscriber makes
  // every received message wake its fiber, which is the pipelined case's cost, not `ping`'s.
  const bcoin = yield* bcoinPair(Either.getOrThrow(Message.encodePayloadEither(makeBlock())))
  const seq = yield* interleavedMany(
    bcoin === undefined ? [barePing(client, 1)] : [barePing(client, 1), bcoin.ping],
    pingSequential(out)
  )
  const pip = yield* Effect.scoped(Effect.gen(function*() {
    const pongs = yield* counter(yield* out.subscribe("Pong"))
    return yield* interleaved(
      barePing(client, PING_WINDOW),
      creditLoop(pongs, PING_WINDOW, Effect.suspend(() => out.send(Message.Ping.make({ nonce: nextNonce() }))))
    )
  }))
  return [
    { name: "sequential (peer.ping)", ours: seq.ours, bare: seq.bare[0]!, target: 0.5, cpuRatio: seq.oursCpu / seq.bareCpu[0]! },
    ...(seq.bare[1] === undefined ? [] : [{
      name: `sequential: ours vs ${bcoinName} (bare column = bcoin)`,
      ours: seq.ours,
      bare: seq.bare[1],
      target: 1.1,
      cpuRatio: seq.oursCpu / seq.bareCpu[1]!
    }]),
    { name: `pipelined (${PING_WINDOW} in flight)`, ours: pip.ours, bare: pip.bare, target: 0.5 }
  ] satisfies Array<Row>
}).pipe(Effect.scoped)

const txSection = Effect.gen(function*() {
  progress("peer one-way tx flood")
  const tx = floodTx()
  const transport = NodeTransport.make()
  const listener = yield* listenPeers(transport, nodeConfig())
  const [out, inb] = yield* peerPair(transport, listener, nodeConfig())
  const txs = yield* counter(yield* inb.subscribe("Tx"))
  const server = yield* Effect.acquireRelease(Effect.promise(bareServer), (s) => Effect.promise(s.close))
  const [client, remote] = yield* Effect.promise(() => barePair(server))
  const txPayload = Either.getOrThrow(Message.encodePayloadEither(tx))
  const bcoin = yield* bcoinPair(Either.getOrThrow(Message.encodePayloadEither(makeBlock())), txPayload)
  const r = yield* interleavedMany(
    bcoin === undefined ? [bareFlood(client, remote, tx)] : [bareFlood(client, remote, tx), bcoin.flood],
    oursFlood(out, txs, tx)
  )
  return [
    { name: `one-way tx (${txPayload.length + Frame.HEADER_SIZE} B framed), batches of 256`, ours: r.ours, bare: r.bare[0]!, cpuRatio: r.oursCpu / r.bareCpu[0]! },
    ...(r.bare[1] === undefined ? [] : [{
      name: `one-way tx: ours vs ${bcoinName} (bare column = bcoin)`,
      ours: r.ours,
      bare: r.bare[1],
      target: 1.1,
      cpuRatio: r.oursCpu / r.bareCpu[1]!
    }])
  ] satisfies Array<Row>
}).pipe(Effect.scoped)

const blockSection = Effect.gen(function*() {
  progress("peer block throughput")
  const block = makeBlock()
  const frame = Frame.encode(magic, block)
  const transport = NodeTransport.make()
  const listener = yield* listenPeers(transport, nodeConfig())
  const [out, inb] = yield* peerPair(transport, listener, nodeConfig())
  const server = yield* Effect.acquireRelease(Effect.promise(bareServer), (s) => Effect.promise(s.close))
  const [client, remote] = yield* Effect.promise(() => barePair(server))

  // Like for like: ours sends a `Frame.prepare`d block (encoded once, as a relay sends one block
  // to many peers) against bare writing a frame encoded once (the target's reference), and ours
  // sending the message (encoded on every send) against bare encoding every block.
  const prepared = Frame.prepare(block)
  // bcoin sends a parsed block whose serialization it cached at the parse (framed and hashed per send).
  const bcoin = yield* bcoinPair(frame.subarray(Frame.HEADER_SIZE))
  // The receiver consuming with `peer.runForEach` (no stream run per message; bcoin and bare count
  // with a plain callback), measured first and alone: a stream consumer's runs keep delivered blocks
  // reachable past young GCs, and what they promote would be charged to whatever runs next.
  const viaForEach = bcoin === undefined ? undefined : yield* Effect.gen(function*() {
    const handled = yield* forEachCounter<Message.MessageOf<"Block">>((f) => inb.runForEach(["Block"], f))
    const r = yield* interleavedMany(
      [bareBlocks(client, remote, block, frame, false), (ms) => bcoin.blocks(ms, BLOCK_WINDOW)],
      creditLoop(handled, BLOCK_WINDOW, out.send(prepared))
    )
    yield* handled.stop
    return r
  })
  // Then as a `Stream`, `subscribe("Block")` run by `Stream.runForEach`.
  const blocks = yield* counter(yield* inb.subscribe("Block"))
  const preAll = yield* interleavedMany(
    bcoin === undefined
      ? [bareBlocks(client, remote, block, frame, false)]
      : [bareBlocks(client, remote, block, frame, false), (ms) => bcoin.blocks(ms, BLOCK_WINDOW)],
    creditLoop(blocks, BLOCK_WINDOW, out.send(prepared))
  )
  const pre = { ours: preAll.ours, bare: preAll.bare[0]!, cpuRatio: preAll.oursCpu / preAll.bareCpu[0]! }
  const each = yield* interleaved(bareBlocks(client, remote, block, frame, true), creditLoop(blocks, BLOCK_WINDOW, out.send(block)))
  const received = (yield* inb.stats).received["block"]
  if (received === undefined || received.messages === 0) throw new Error("the receiving peer counted no block")
  return [
    { name: "encoded once: ours Frame.prepare vs bare", ours: pre.ours, bare: pre.bare, target: 0.67, cpuRatio: pre.cpuRatio, bytes: frame.length },
    { name: "encoded per send: ours vs bare (info)", ours: each.ours, bare: each.bare, bytes: frame.length },
    ...(preAll.bare[1] === undefined ? [] : [{
      name: `one-way: ours Frame.prepare vs ${bcoinName}, received as a Stream (bare columns = bcoin; info)`,
      ours: pre.ours,
      bare: preAll.bare[1],
      cpuRatio: preAll.oursCpu / preAll.bareCpu[1]!,
      bytes: frame.length
    }]),
    ...(viaForEach === undefined ? [] : [{
      name: `one-way: ours Frame.prepare vs ${bcoinName}, received by peer.runForEach (bare columns = bcoin)`,
      ours: viaForEach.ours,
      bare: viaForEach.bare[1]!,
      target: 1.1,
      cpuRatio: viaForEach.oursCpu / viaForEach.bareCpu[1]!,
      bytes: frame.length
    }])
  ]
}).pipe(Effect.scoped)

const handshakeSection = Effect.gen(function*() {
  progress("peer handshakes")
  const transport = NodeTransport.make()
  const listener = yield* listenPeers(transport, nodeConfig(), false)
  const server = yield* Effect.acquireRelease(Effect.promise(bareServer), (s) => Effect.promise(s.close))
  server.onAccept = bareHandshakeServer
  const settle = Effect.promise(() => waitUntil(() => listener.live() === 0 && server.accepted.length === 0, 5000))
  const rows: Array<Row> = []
  for (const concurrency of [1, HANDSHAKE_CONCURRENCY]) {
    const r = yield* interleavedMany(
      [(ms) => bareHandshakes(server.port, concurrency)(ms).then(async (x) => (await settleBare(server), x))],
      (ms) => Effect.zipLeft(oursHandshakes(transport, listener.address, concurrency)(ms), settle)
    )
    // Issue 15: connection setup at least 40% of the bare handshake loop.
    rows.push({
      name: concurrency === 1 ? "sequential" : `${concurrency} concurrent`,
      ours: r.ours,
      bare: r.bare[0]!,
      target: 0.4,
      cpuRatio: r.oursCpu / r.bareCpu[0]!
    })
  }
  return rows
}).pipe(Effect.scoped)

const settleBare = (server: { accepted: Array<unknown> }) => waitUntil(() => server.accepted.length === 0, 5000)

const heapSection = Effect.gen(function*() {
  progress(`memory of ${IDLE_PAIRS} idle peer pairs`)
  const transport = NodeTransport.make()
  const listener = yield* listenPeers(transport, nodeConfig())
  const outConfig = nodeConfig()
  const server = yield* Effect.acquireRelease(Effect.promise(bareServer), (s) => Effect.promise(s.close))

  const connectPeers = (n: number, scope: Scope.Scope) =>
    Effect.gen(function*() {
      yield* Effect.forEach(Array.from({ length: n }), () => Scope.extend(dialPeer(transport, listener.address, outConfig), scope), {
        concurrency: 50,
        discard: true
      })
      return Chunk.toReadonlyArray(yield* Queue.takeN(listener.accepted, n))
    })
  const closeAll = (scope: Scope.CloseableScope) =>
    Effect.zipRight(
      Scope.close(scope, Exit.void),
      Effect.promise(() => waitUntil(() => listener.live() === 0, 10_000))
    )

  // Warm up every code path (and the JIT) first.
  const warm = yield* Scope.make()
  yield* connectPeers(50, warm)
  yield* closeAll(warm)
  const bareWarm = yield* Effect.promise(() => connectBare(server, 50))
  for (const c of bareWarm) c.socket.destroy()
  yield* Effect.promise(() => settleBare(server))

  // Bare: 1,000 framed connection pairs.
  const before = yield* Effect.promise(memory)
  let bare: Array<BareEnd> = yield* Effect.promise(() => connectBare(server, IDLE_PAIRS))
  const withBare = yield* Effect.promise(memory)
  for (const c of bare) c.socket.destroy()
  bare = []
  yield* Effect.promise(() => settleBare(server))

  // Ours: 1,000 peer pairs.
  const base = yield* Effect.promise(memory)
  const scope = yield* Scope.make()
  let inbound: ReadonlyArray<Peer.Peer> | undefined = yield* connectPeers(IDLE_PAIRS, scope)
  if (listener.live() !== IDLE_PAIRS) throw new Error(`expected ${IDLE_PAIRS} inbound peers, have ${listener.live()}`)
  const withPeers = yield* Effect.promise(memory)
  inbound = undefined
  yield* closeAll(scope)
  const after = yield* Effect.promise(memory)
  void inbound
  return {
    pairs: IDLE_PAIRS,
    heapPerPair: (withPeers.heapUsed - base.heapUsed) / IDLE_PAIRS,
    rssPerPair: (withPeers.rss - base.rss) / IDLE_PAIRS,
    bareHeapPerPair: (withBare.heapUsed - before.heapUsed) / IDLE_PAIRS,
    bareRssPerPair: (withBare.rss - before.rss) / IDLE_PAIRS,
    residualHeap: after.heapUsed - base.heapUsed,
    residualHandles: after.handles - base.handles
  }
}).pipe(Effect.scoped)

const connectBare = async (server: Awaited<ReturnType<typeof bareServer>>, n: number): Promise<Array<BareEnd>> => {
  const out: Array<BareEnd> = []
  for (let i = 0; i < n; i += 50) {
    out.push(...(await Promise.all(Array.from({ length: Math.min(50, n - i) }, () => bareDial(server.port)))))
  }
  await waitUntil(() => server.accepted.length >= n, 10_000)
  return out
}

// ---------------------------------------------------------------------------
// Report

/** The main-thread CPU ratio, when measured (a loaded machine's wall clock counts time we were descheduled). */
const cpuCell = (r: Row): string => (r.cpuRatio === undefined ? "–" : pct(r.cpuRatio, 1))

const verdict = (r: Row): string => (r.target === undefined ? "–" : r.ours / r.bare >= r.target ? "met" : "NOT MET")

export const report = (r: PeerResults): void => {
  if (r.ping.length > 0) {
    table(
      "Peer ping/pong over loopback TCP: round trips per second (bare = node:net + Frame.encode + FrameDecoder).",
      ["case", "ours rt/s", "bare rt/s", "ours/bare", "target", "verdict", "ours/bare per CPU s"],
      r.ping.map((x) => [x.name, si(x.ours), si(x.bare), pct(x.ours, x.bare), x.target === undefined ? "–" : `≥ ${pct(x.target, 1)}`, verdict(x), cpuCell(x)])
    )
  }
  if (r.tx.length > 0) {
    table(
      "Peer one-way tx flood over loopback TCP: messages per second counted on receipt (bare = node:net + Frame.encode + FrameDecoder).",
      ["case", "ours tx/s", "bare tx/s", "ours/bare", "target", "verdict", "ours/bare per CPU s"],
      r.tx.map((x) => [x.name, si(x.ours), si(x.bare), pct(x.ours, x.bare), x.target === undefined ? "–" : `≥ ${pct(x.target, 1)}`, verdict(x), cpuCell(x)])
    )
  }
  if (r.block.length > 0) {
    table(
      `Peer one-way throughput of a ${(r.block[0]!.bytes / 1e6).toFixed(2)} MB block (2,700 txs) over loopback TCP, ${BLOCK_WINDOW} in flight; receivers decode every block.`,
      ["case", "ours blk/s", "ours MB/s", "bare blk/s", "bare MB/s", "ours/bare", "target", "verdict", "ours/bare per CPU s"],
      r.block.map((x) => [
        x.name,
        si(x.ours),
        si((x.ours * x.bytes) / 1e6),
        si(x.bare),
        si((x.bare * x.bytes) / 1e6),
        pct(x.ours, x.bare),
        x.target === undefined ? "–" : `≥ ${pct(x.target, 1)}`,
        verdict(x),
        cpuCell(x)
      ])
    )
  }
  if (r.handshake.length > 0) {
    table(
      "Handshakes over loopback TCP: dial + version/verack + disconnect, per second (bare: the same frames over node:net).",
      ["case", "ours hs/s", "bare hs/s", "ours/bare", "target", "verdict", "ours/bare per CPU s"],
      r.handshake.map((x) => [x.name, si(x.ours), si(x.bare), pct(x.ours, x.bare), x.target === undefined ? "–" : `≥ ${pct(x.target, 1)}`, verdict(x), cpuCell(x)])
    )
  }
  if (r.heap !== undefined) {
    const h = r.heap
    table(
      `Memory of ${h.pairs} idle connected pairs after full GC (a pair = outbound + inbound Peer, 2 sockets).`,
      ["", "heap / pair", "heap / Peer", "RSS / pair", "target", "verdict"],
      [
        [
          "ours (2 Peers + sockets)",
          kib(h.heapPerPair),
          kib(h.heapPerPair / 2),
          kib(h.rssPerPair),
          "< 64 KiB",
          `${h.heapPerPair < 64 * 1024 ? "met" : "NOT MET"} per pair, ${h.heapPerPair / 2 < 64 * 1024 ? "met" : "NOT MET"} per Peer`
        ],
        ["bare (2 sockets + FrameDecoders)", kib(h.bareHeapPerPair), kib(h.bareHeapPerPair / 2), kib(h.bareRssPerPair), "–", "–"],
        ["ours/bare", ratio(h.heapPerPair, h.bareHeapPerPair), "", ratio(h.rssPerPair, h.bareRssPerPair), "", ""]
      ]
    )
    console.log(`after closing all: heap ${h.residualHeap >= 0 ? "+" : ""}${mib(h.residualHeap)}, handles ${h.residualHandles >= 0 ? "+" : ""}${h.residualHandles} vs before`)
    if ((globalThis as { __name?: unknown }).__name !== undefined || process.execArgv.some((a) => a.includes("tsx"))) {
      console.log("(run through tsx, which keeps function names: every named closure carries a property table, about 12 KiB per Peer more than the tsc build `npm run bench` runs)")
    }
  } else if (!hasGc) console.log("\n(memory per idle peer skipped: run node with --expose-gc)")
}

/** Runs the selected sections and prints their tables. */
export const run = async (): Promise<PeerResults> => {
  const filter = process.env["BENCH_PEER_FILTER"] ? new RegExp(process.env["BENCH_PEER_FILTER"]) : undefined
  const on = (name: string) => filter === undefined || filter.test(name)
  const started = now()
  const results: PeerResults = {
    ping: on("ping") ? await Effect.runPromise(pingSection) : [],
    tx: on("tx") ? await Effect.runPromise(txSection) : [],
    block: on("block") ? await Effect.runPromise(blockSection) : [],
    handshake: on("handshake") ? await Effect.runPromise(handshakeSection) : [],
    heap: on("heap") && hasGc ? await Effect.runPromise(heapSection) : undefined
  }
  report(results)
  console.log(`\npeer bench done in ${((now() - started) / 1000).toFixed(1)} s`)
  return results
}

export const main = run

if (isMain(import.meta.url)) {
  await run()
  process.exit(0)
}
