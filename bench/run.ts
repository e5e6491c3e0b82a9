/**
 * Wire throughput benchmark: `npm run bench`.
 *
 * For each corpus message it times, in one interleaved group (see
 * `harness.ts`):
 *   - our full frame decode (`FrameDecoder.push`: header checks, checksum,
 *     payload decode) and our payload-only decode (`decodePayloadEither`);
 *   - bcoin on the same bytes: `net.Parser` (frames, checksum included) and
 *     `net.packets.fromRaw` (payload only); for blocks also `Block.fromRaw`,
 *     bcoin's full parse (its `block` packet is a lazy `MemBlock`);
 *   - the floor: a bare double SHA-256 of the payload, native and noble.
 * Then encoding (ours `Frame.encode` vs bcoin `toRaw` + `Framer`), the mixed
 * stream fed in 64 KiB chunks, and hashing alone. Every figure that matters
 * is printed as a ratio against references measured in the same run, since
 * absolute numbers drift with the machine.
 *
 * Environment knobs: BENCH_FILTER (regex on case group names),
 * BENCH_SAMPLE_MS (default 150), BENCH_SAMPLES (5), BENCH_WARMUP_MS (100),
 * BENCH_CLOCK (`thread`, the default on Linux, `cpu` or `wall`; see `harness.ts`).
 */
import { sha256 as nobleSha256 } from "@noble/hashes/sha2.js"
import { createHash, hash as oneShotHash } from "node:crypto"
import * as Frame from "../src/wire/Frame.js"
import { nativeHasher as maybeNative, sha256d as oursSha256d } from "../src/wire/Hash.js"
import * as Message from "../src/wire/Message.js"
import * as Bcoin from "./bcoin.js"
import { chunked, type Entry, makeCorpus, makeStream, params, streamMix } from "./corpus.js"
import { progress, table } from "./report.js"
import { type Case, type Clock, measureGroup, optionsFromEnv, type Result } from "./harness.js"

const options = optionsFromEnv()
const filter = process.env["BENCH_FILTER"] ? new RegExp(process.env["BENCH_FILTER"]) : undefined
const selected = (name: string): boolean => filter === undefined || filter.test(name)

if (maybeNative === undefined) throw new Error("this benchmark needs Node's native crypto")
const nativeHasher = maybeNative

/**
 * The floors: a bare double SHA-256 straight from each library, independent
 * of our `Hash` module (whose `sha256d` mixes them, see `src/Hash.ts`).
 */
const floorNative: (data: Uint8Array) => Uint8Array = typeof oneShotHash === "function"
  ? (data) => oneShotHash("sha256", oneShotHash("sha256", data, "buffer"), "buffer")
  : (data) => createHash("sha256").update(createHash("sha256").update(data).digest()).digest()
const floorNoble = (data: Uint8Array): Uint8Array => nobleSha256(nobleSha256(data))

/** Keeps results observable so no call is optimised away. */
let sink = 0

// ---------------------------------------------------------------------------
// Formatting

const si = (x: number): string =>
  x >= 1e6 ? `${(x / 1e6).toFixed(2)}M` : x >= 1e4 ? `${(x / 1e3).toFixed(0)}k` : x >= 1e3 ? `${(x / 1e3).toFixed(1)}k` : x >= 100 ? x.toFixed(0) : x.toFixed(1)
const mb = (bytesPerSec: number): string => (bytesPerSec / 1e6).toFixed(bytesPerSec >= 1e8 ? 0 : 1)
const ratio = (a: number, b: number): string => `${(a / b).toFixed(2)}x`
const size = (n: number): string => (n >= 1e6 ? `${(n / 1e6).toFixed(2)} MB` : n >= 1e4 ? `${(n / 1e3).toFixed(1)} kB` : `${n} B`)

// ---------------------------------------------------------------------------
// Set-up and sanity checks

const bcoinOrError = Bcoin.load()
const bcoin = "error" in bcoinOrError ? undefined : bcoinOrError
const started = process.hrtime.bigint()

const corpus = makeCorpus()
const stream = makeStream(corpus)
const buf = (b: Uint8Array): Buffer => Buffer.from(b.buffer, b.byteOffset, b.byteLength)

const bytesEqual = (a: Uint8Array, b: Uint8Array): boolean => a.length === b.length && Buffer.compare(buf(a), buf(b)) === 0

// Our hashing mixes a JS SHA-256 with the native one: it must agree with the native one everywhere.
for (let n = 0; n <= 300; n++) {
  const data = new Uint8Array(n).map((_, i) => (i * 167 + n) & 0xff)
  if (!bytesEqual(oursSha256d(data), floorNative(data))) throw new Error(`Hash.sha256d disagrees with node:crypto at ${n} bytes`)
}

/** Our decoder must take the frame back to the message, and bcoin must read the same payload. */
const check = (e: Entry): Array<string> => {
  const notes: Array<string> = []
  const decoded = Frame.decodeOne(e.frame, { params })
  if (decoded._tag === "Left") throw new Error(`${e.name}: our decoder refused our own frame: ${decoded.left.message}`)
  if (!bytesEqual(Frame.encode(params.magic, decoded.right.message), e.frame)) throw new Error(`${e.name}: decode/encode round trip differs`)
  if (bcoin !== undefined) {
    const p = bcoin.fromRaw(e.command, buf(e.payload))
    if (p.tx !== undefined) p.witness = true
    if (p.cmd !== e.command) notes.push(`bcoin parsed ${e.name} as ${p.cmd}`)
    const raw = e.command === "block" ? bcoin.blockFromRaw(buf(e.payload)).toRaw() : p.toRaw()
    if (!bytesEqual(raw, e.payload)) notes.push(`bcoin re-encodes ${e.name} differently`)
  }
  return notes
}

// ---------------------------------------------------------------------------
// Cases

/** Our full frame decode through one long-lived `FrameDecoder`, as on a connection. */
const oursFrameDecode = (e: Entry): Case => {
  const decoder = new Frame.FrameDecoder({ params })
  const out: Array<Frame.Received> = []
  return {
    name: "ours.frame",
    bytes: e.frame.length,
    run: () => {
      out.length = 0
      const error = decoder.push(e.frame, out)
      if (error !== undefined || out.length !== 1) throw new Error(`${e.name}: ${error?.message ?? "no message"}`)
      sink += out[0]!.payloadSize
    }
  }
}

const oursPayloadDecode = (e: Entry): Case => ({
  name: "ours.payload",
  bytes: e.payload.length,
  run: () => {
    const r = Message.decodePayloadEither(e.command, e.payload)
    if (r._tag === "Left") throw r.left
    sink += r.right._tag.length
  }
})

const bcoinParser = (e: Entry, full: boolean): Case => {
  const parser = bcoin!.parser()
  const frame = buf(e.frame)
  let got = 0
  parser.on("packet", (p) => {
    // bcoin's `block` packet is a lazy MemBlock; `toBlock()` is its full parse.
    if (full) sink += (p as unknown as { block: { toBlock(): { txs: Array<unknown> } } }).block.toBlock().txs.length
    got++
  })
  parser.on("error", (err) => {
    throw err
  })
  return {
    name: full ? "bcoin.parser+toBlock" : "bcoin.parser",
    bytes: e.frame.length,
    run: () => {
      parser.feed(frame)
      if (got !== 1) throw new Error(`bcoin parser: ${got} packets`)
      got = 0
    }
  }
}

const bcoinPackets = (e: Entry): Case => {
  const payload = buf(e.payload)
  return {
    name: "bcoin.packets",
    bytes: e.payload.length,
    run: () => {
      sink += bcoin!.fromRaw(e.command, payload).cmd.length
    }
  }
}

const bcoinBlock = (e: Entry): Case => {
  const payload = buf(e.payload)
  return {
    name: "bcoin.Block",
    bytes: e.payload.length,
    run: () => {
      sink += bcoin!.blockFromRaw(payload).txs.length
    }
  }
}

const floor = (e: Entry, which: "native" | "noble"): Case => {
  const hash = which === "native" ? floorNative : floorNoble
  return { name: `floor.${which}`, bytes: e.payload.length, run: () => void (sink += hash(e.payload)[0]!) }
}

const oursEncode = (e: Entry): Case => ({
  name: "ours.encode",
  bytes: e.frame.length,
  run: () => void (sink += Frame.encode(params.magic, e.message).length)
})

/**
 * bcoin serialising from its objects. Parsed bcoin transactions and blocks
 * cache their raw bytes; marking them mutable makes `toRaw` really
 * serialise, as it must for a message that was built rather than received
 * (the cache is dropped first: bcoin refuses to re-frame a cached object).
 */
const bcoinEncode = (e: Entry): Case => {
  const payload = buf(e.payload)
  let serialize: () => Buffer
  if (e.command === "block") {
    const block = bcoin!.blockFromRaw(payload)
    block.refresh(true)
    block.mutable = true
    for (const tx of block.txs) tx.mutable = true
    serialize = () => block.toRaw()
  } else {
    const packet = bcoin!.fromRaw(e.command, payload)
    if (packet.tx !== undefined) {
      packet.tx.refresh()
      packet.tx.mutable = true
      packet.witness = true
    }
    serialize = () => packet.toRaw()
  }
  return { name: "bcoin.encode", bytes: e.frame.length, run: () => void (sink += bcoin!.frame(e.command, serialize()).length) }
}

// ---------------------------------------------------------------------------
// Measurements

const byName = (results: ReadonlyArray<Result>) => new Map(results.map((r) => [r.name, r]))

interface Row {
  readonly entry: Entry
  readonly r: Map<string, Result>
}

const decodeRows: Array<Row> = []
const encodeRows: Array<Row> = []
const notes: Array<string> = []

const clockNames: Record<Clock, string> = {
  thread: "main-thread CPU time",
  cpu: "process CPU time",
  wall: "wall time"
}
console.log("effect-bitcoin-p2p wire benchmark")
console.log(`node ${process.version}, ${process.platform}/${process.arch}; reference: ${bcoin === undefined ? `bcoin NOT loadable (${bcoinOrError && "error" in bcoinOrError ? bcoinOrError.error : ""})` : `bcoin 1.0.2 with ${bcoin.backend}`}`)
console.log(`floors: native = node:crypto ${typeof oneShotHash === "function" ? "hash" : "createHash"} x2, noble = @noble/hashes sha256 x2; our native hasher: ${nativeHasher.name}`)
console.log(`harness: ${options.warmupMs} ms warm-up, median of ${options.samples} x ${options.sampleMs} ms samples, cases of a group interleaved; rates per second of ${clockNames[options.clock]}`)

for (const e of corpus) {
  notes.push(...check(e))
  if (selected(e.name)) {
    progress(`decode ${e.name}`)
    const cases = [oursFrameDecode(e), oursPayloadDecode(e), floor(e, "native"), floor(e, "noble")]
    if (bcoin !== undefined) {
      cases.push(bcoinParser(e, false), bcoinPackets(e))
      if (e.command === "block") cases.push(bcoinParser(e, true), bcoinBlock(e))
    }
    decodeRows.push({ entry: e, r: byName(measureGroup(cases, options)) })
  }
  if (selected(`encode-${e.name}`) || selected(e.name)) {
    progress(`encode ${e.name}`)
    const cases = [oursEncode(e)]
    if (bcoin !== undefined) cases.push(bcoinEncode(e))
    encodeRows.push({ entry: e, r: byName(measureGroup(cases, options)) })
  }
}

// The mixed stream, in 64 KiB chunks, through a fresh decoder per pass.
const CHUNK = 64 * 1024
let streamResults: Map<string, Result> | undefined
if (selected("stream")) {
  progress("mixed stream")
  const chunks = chunked(stream.bytes, CHUNK)
  const bufChunks = chunks.map(buf)
  const cases: Array<Case> = [{
    name: "ours.stream",
    bytes: stream.bytes.length,
    ops: stream.messages,
    run: () => {
      const decoder = new Frame.FrameDecoder({ params })
      const out: Array<Frame.Received> = []
      for (const c of chunks) {
        const error = decoder.push(c, out)
        if (error !== undefined) throw error
      }
      if (out.length !== stream.messages || decoder.bufferedBytes !== 0) throw new Error(`stream: ${out.length} messages`)
      sink += out.length
    }
  }]
  if (bcoin !== undefined) {
    cases.push({
      name: "bcoin.stream",
      bytes: stream.bytes.length,
      ops: stream.messages,
      run: () => {
        const parser = bcoin.parser()
        let got = 0
        parser.on("packet", () => void got++)
        parser.on("error", (err) => {
          throw err
        })
        for (const c of bufChunks) parser.feed(c)
        if (got !== stream.messages) throw new Error(`bcoin stream: ${got} messages`)
        sink += got
      }
    })
  }
  // The floor: the checksum of every payload of the stream, nothing else.
  const payloads = streamMix.flatMap(([name, count]) => Array<Uint8Array>(count).fill(corpus.find((e) => e.name === name)!.payload))
  const streamFloor = (h: (d: Uint8Array) => Uint8Array): void => {
    for (const p of payloads) sink += h(p)[0]!
  }
  cases.push(
    { name: "floor.native", bytes: stream.bytes.length, ops: stream.messages, run: () => void streamFloor(floorNative) },
    { name: "floor.noble", bytes: stream.bytes.length, ops: stream.messages, run: () => void streamFloor(floorNoble) }
  )
  streamResults = byName(measureGroup(cases, options))
}

// Hashing alone.
const hashResults: Array<{ size: number; r: Map<string, Result> }> = []
if (selected("hash")) {
  for (const n of [80, 64 * 1024, 1024 * 1024]) {
    progress(`hash ${n} B`)
    const data = new Uint8Array(n).map((_, i) => (i * 131 + 7) & 0xff)
    const cases: Array<Case> = [
      { name: "ours", bytes: n, run: () => void (sink += oursSha256d(data)[0]!) },
      { name: "native", bytes: n, run: () => void (sink += floorNative(data)[0]!) },
      { name: "noble", bytes: n, run: () => void (sink += floorNoble(data)[0]!) }
    ]
    if (bcoin !== undefined) {
      const b = buf(data)
      cases.push({ name: "bcoin", bytes: n, run: () => void (sink += bcoin.hash256(b)[0]!) })
    }
    hashResults.push({ size: n, r: byName(measureGroup(cases, options)) })
  }
}

// ---------------------------------------------------------------------------
// Report

const get = (row: Row, name: string): Result | undefined => row.r.get(name)
const ops = (r: Result | undefined): string => (r === undefined ? "–" : si(r.opsPerSec))
const rate = (r: Result | undefined): string => (r === undefined ? "–" : mb(r.bytesPerSec))
const vs = (a: Result | undefined, b: Result | undefined): string => (a === undefined || b === undefined ? "–" : ratio(a.opsPerSec, b.opsPerSec))

if (decodeRows.length > 0) {
  table(
    "Decode, full frame (ours: FrameDecoder.push; bcoin: net.Parser.feed; both verify the checksum). msg/s and MB/s of frame bytes.",
    ["message", "payload", "ours msg/s", "ours MB/s", "bcoin msg/s", "ours/bcoin", "floor native msg/s", "ours/floor", "floor noble msg/s"],
    decodeRows.map((row) => {
      const bcoinRef = get(row, "bcoin.parser+toBlock") ?? get(row, "bcoin.parser")
      return [
        row.entry.name + (get(row, "bcoin.parser+toBlock") ? " (bcoin +toBlock)" : ""),
        size(row.entry.payload.length),
        ops(get(row, "ours.frame")),
        rate(get(row, "ours.frame")),
        ops(bcoinRef),
        vs(get(row, "ours.frame"), bcoinRef),
        ops(get(row, "floor.native")),
        vs(get(row, "ours.frame"), get(row, "floor.native")),
        ops(get(row, "floor.noble"))
      ]
    })
  )
  table(
    "Decode, payload only (ours: Message.decodePayloadEither; bcoin: net.packets.fromRaw). No checksum. MB/s of payload bytes.",
    ["message", "ours msg/s", "ours MB/s", "bcoin msg/s", "bcoin MB/s", "ours/bcoin"],
    decodeRows.flatMap((row) => {
      const rows = [[
        row.entry.name + (row.entry.command === "block" ? " (bcoin lazy MemBlock)" : ""),
        ops(get(row, "ours.payload")),
        rate(get(row, "ours.payload")),
        ops(get(row, "bcoin.packets")),
        rate(get(row, "bcoin.packets")),
        // A lazy MemBlock reads the header only: no ratio against a full parse.
        row.entry.command === "block" ? "n/a" : vs(get(row, "ours.payload"), get(row, "bcoin.packets"))
      ]]
      if (get(row, "bcoin.Block") !== undefined) {
        rows.push([
          `${row.entry.name} (bcoin Block.fromRaw, full)`,
          ops(get(row, "ours.payload")),
          rate(get(row, "ours.payload")),
          ops(get(row, "bcoin.Block")),
          rate(get(row, "bcoin.Block")),
          vs(get(row, "ours.payload"), get(row, "bcoin.Block"))
        ])
      }
      return rows
    })
  )
}

if (encodeRows.length > 0) {
  table(
    "Encode to a full frame (ours: Frame.encode from the message value; bcoin: toRaw() + Framer.packet, objects mutable so nothing cached).",
    ["message", "ours msg/s", "ours MB/s", "bcoin msg/s", "bcoin MB/s", "ours/bcoin"],
    encodeRows.map((row) => [
      row.entry.name,
      ops(get(row, "ours.encode")),
      rate(get(row, "ours.encode")),
      ops(get(row, "bcoin.encode")),
      rate(get(row, "bcoin.encode")),
      vs(get(row, "ours.encode"), get(row, "bcoin.encode"))
    ])
  )
}

if (streamResults !== undefined) {
  const r = streamResults
  const mix = streamMix.map(([n, c]) => `${c} ${n}`).join(", ")
  table(
    `Mixed stream: ${stream.messages} frames, ${size(stream.bytes.length)}, fed in 64 KiB chunks (${mix}).`,
    ["decoder", "msg/s", "MB/s", "vs bcoin", "vs floor native"],
    ["ours.stream", "bcoin.stream", "floor.native", "floor.noble"].filter((n) => r.has(n)).map((n) => [
      n,
      si(r.get(n)!.opsPerSec),
      mb(r.get(n)!.bytesPerSec),
      r.has("bcoin.stream") ? ratio(r.get(n)!.opsPerSec, r.get("bcoin.stream")!.opsPerSec) : "–",
      ratio(r.get(n)!.opsPerSec, r.get("floor.native")!.opsPerSec)
    ])
  )
}

if (hashResults.length > 0) {
  table(
    "Hashing alone: double SHA-256. native = node:crypto.hash twice, noble = @noble/hashes twice, ours = Hash.sha256d " +
      "(WebAssembly below 56 B, else native first pass as UTF-16 + WebAssembly second), bcoin = bcrypto hash256.",
    ["input", "native hash/s", "native MB/s", "noble hash/s", "noble MB/s", "native/noble", "ours hash/s", "ours/native", "bcoin hash/s", "ours/bcoin"],
    hashResults.map(({ r, size: n }) => [
      size(n),
      si(r.get("native")!.opsPerSec),
      mb(r.get("native")!.bytesPerSec),
      si(r.get("noble")!.opsPerSec),
      mb(r.get("noble")!.bytesPerSec),
      ratio(r.get("native")!.opsPerSec, r.get("noble")!.opsPerSec),
      si(r.get("ours")!.opsPerSec),
      ratio(r.get("ours")!.opsPerSec, r.get("native")!.opsPerSec),
      r.has("bcoin") ? si(r.get("bcoin")!.opsPerSec) : "–",
      r.has("bcoin") ? ratio(r.get("ours")!.opsPerSec, r.get("bcoin")!.opsPerSec) : "–"
    ])
  )
}

// Targets (issue 15, "Speed"): decode at least 1.5x bcoin on every message type (blocks against bcoin's
// full parse), encode at least 1.2x. Judged by the chosen clock (decode on frame and payload alike); the
// decode ratios by process CPU time (which also charges the GC's helper threads) are shown as a cross-check.
const DECODE_TARGET = 1.5
const ENCODE_TARGET = 1.2
if (bcoin !== undefined && decodeRows.length > 0) {
  const verdicts: Array<Array<string>> = []
  const vsBy = (a: Result | undefined, b: Result | undefined, clock: Clock): number =>
    a === undefined || b === undefined ? NaN : a.opsPerSecBy[clock]! / b.opsPerSecBy[clock]!
  const x = (v: number): string => (Number.isNaN(v) ? "–" : `${v.toFixed(2)}x`)
  for (const row of decodeRows) {
    const isBlock = row.entry.command === "block"
    const need = DECODE_TARGET
    const frameRef = isBlock ? get(row, "bcoin.parser+toBlock") : get(row, "bcoin.parser")
    const payloadRef = isBlock ? get(row, "bcoin.Block") : get(row, "bcoin.packets")
    const f = vsBy(get(row, "ours.frame"), frameRef, options.clock)
    const p = vsBy(get(row, "ours.payload"), payloadRef, options.clock)
    const encodeRow = encodeRows.find((r) => r.entry === row.entry)
    const e = encodeRow === undefined ? NaN : vsBy(encodeRow.r.get("ours.encode"), encodeRow.r.get("bcoin.encode"), options.clock)
    verdicts.push([
      row.entry.name,
      `${need}x`,
      x(f),
      x(p),
      f >= need && p >= need ? "met" : "NOT MET",
      x(vsBy(get(row, "ours.frame"), frameRef, "cpu")),
      x(vsBy(get(row, "ours.payload"), payloadRef, "cpu")),
      `${ENCODE_TARGET}x`,
      x(e),
      Number.isNaN(e) ? "–" : e >= ENCODE_TARGET ? "met" : "NOT MET"
    ])
  }
  table(
    `Targets: ours/bcoin decode throughput (blocks against bcoin's full parse) and encode, by ${clockNames[options.clock]}; decode cross-checked by process CPU time.`,
    [
      "message",
      "decode target",
      "frame",
      "payload",
      "decode verdict",
      "frame (process CPU)",
      "payload (process CPU)",
      "encode target",
      "encode",
      "encode verdict"
    ],
    verdicts
  )
}

// Samples spread (max - min) by more than half the median: treat those figures with care.
const noisy = [...decodeRows, ...encodeRows].flatMap((row) =>
  [...row.r.values()].filter((r) => r.spread > 0.5).map((r) => `${row.entry.name}/${r.name} ±${(r.spread * 50).toFixed(0)}%`)
)
if (noisy.length > 0) console.log(`\nnoisy (sample spread over ±25% of the median): ${noisy.join(", ")}`)
for (const n of notes) console.log(`note: ${n}`)
console.log(`\ndone in ${(Number(process.hrtime.bigint() - started) / 1e9).toFixed(1)} s (sink ${sink % 10})`)
