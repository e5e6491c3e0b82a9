/**
 * Decodes corpus rows a fixed number of times, and nothing else: a workload
 * for load-independent evidence, where wall clocks are noise (a machine
 * shared by many jobs). Run it under `valgrind --tool=callgrind` and compare
 * instruction counts of two builds or of two implementations (subtract a run
 * with N = 0 for the start-up cost), or with `node --trace-opt --trace-deopt`
 * to see what V8 made of the decode path.
 *
 *   npm run bench:build
 *   node dist/bench/bench/decodeRow.js headers-2000 200
 *   node dist/bench/bench/decodeRow.js headers-2000,inv-10,addr-1000 200        (rows round robin)
 *   node dist/bench/bench/decodeRow.js inv-10 2000 bcoin                         (bcoin's parser, same frames)
 *   node dist/bench/bench/decodeRow.js headers-2000 200 ours warm                (every row decoded once first)
 *   node dist/bench/bench/decodeRow.js stream 20                                 (the mixed stream in 64 KiB chunks)
 *
 * `warm` first decodes every corpus row once, as the shared harness's
 * correctness gate does: what a process saw first can change what V8 makes
 * of the code it runs later.
 */
import * as fs from "node:fs"
import * as os from "node:os"
import * as path from "node:path"
import * as Frame from "../src/wire/Frame.js"
import * as Bcoin from "./bcoin.js"
import { chunked, makeCorpus, makeStream, params } from "./corpus.js"

const rows = (process.argv[2] ?? "headers-2000").split(",")
const rounds = Number(process.argv[3] ?? 200)
const impl = process.argv[4] ?? "ours"
const warm = process.argv[5] === "warm"
const STREAM_CHUNK = 64 * 1024

/**
 * The corpus frames, built once and cached in the temp folder: building them
 * (a 1 MB block among them) costs more instructions than most measurements.
 */
const corpusFile = path.join(os.tmpdir(), "ebp2p-decodeRow-corpus.json")
const frames: Record<string, string> = fs.existsSync(corpusFile)
  ? JSON.parse(fs.readFileSync(corpusFile, "utf8"))
  : (() => {
    const corpus = makeCorpus()
    const built: Record<string, string> = Object.fromEntries(corpus.map((e) => [e.name, Buffer.from(e.frame).toString("base64")]))
    built["stream"] = Buffer.from(makeStream(corpus).bytes).toString("base64")
    fs.writeFileSync(corpusFile, JSON.stringify(built))
    return built
  })()

/** The inputs of one row: its frame, or the mixed stream's chunks (as Buffers, as a socket gives them). */
const inputs = (name: string): ReadonlyArray<Buffer> => {
  const b64 = frames[name]
  if (b64 === undefined) throw new Error(`no row ${name}; rows: ${Object.keys(frames).join(", ")}`)
  const bytes = Buffer.from(b64, "base64")
  return name === "stream" ? chunked(bytes, STREAM_CHUNK).map((c) => Buffer.from(c)) : [bytes]
}

/** Feeds chunks to one decoder; returns how many messages came out. */
type Feed = (chunks: ReadonlyArray<Buffer>) => number

const ours = (): Feed => {
  const decoder = new Frame.FrameDecoder({ params })
  const out: Array<Frame.Received> = []
  return (chunks) => {
    let n = 0
    for (const chunk of chunks) {
      out.length = 0
      const error = decoder.push(chunk, out)
      if (error !== undefined) throw error
      n += out.length
    }
    return n
  }
}

const bcoin = (): Feed => {
  const loaded = Bcoin.load()
  if ("error" in loaded) throw new Error(loaded.error)
  if (!Bcoin.nativeStatus.native) console.error(`note: bcoin without its native addon (${Bcoin.nativeStatus.why})`)
  const parser = loaded.parser()
  let n = 0
  parser.on("packet", () => void n++)
  parser.on("error", (e) => {
    throw e
  })
  return (chunks) => {
    n = 0
    for (const chunk of chunks) parser.feed(chunk)
    return n
  }
}

const feed = impl === "bcoin" ? bcoin() : ours()
const work = rows.map(inputs)
let decoded = 0
if (warm) for (const name of Object.keys(frames)) if (name !== "stream") decoded += feed(inputs(name))
/** CPU time of this (the main) thread in ns, where Linux reports it: JIT and GC helper threads not counted. */
const threadNs = (): number => {
  try {
    return Number(fs.readFileSync("/proc/thread-self/schedstat", "utf8").split(" ")[0])
  } catch {
    return Number(process.cpuUsage().user) * 1000
  }
}
// Main-thread CPU time of the second half of the rounds, for a quick look at which mode a process settled in
// (a several-fold cliff shows through any load); instruction counts (callgrind) are the evidence.
const half = Math.floor(rounds / 2)
let start = threadNs()
for (let i = 0; i < rounds; i++) {
  if (i === half) start = threadNs()
  for (const chunks of work) decoded += feed(chunks)
}
const perRound = (threadNs() - start) / 1e3 / Math.max(rounds - half, 1)
// Printed so the work cannot be optimised away, and as a check that every frame decoded.
console.log(`${impl} ${rows.join(",")}: ${decoded} messages decoded, ${perRound.toFixed(2)} µs main-thread CPU per round (second half)`)
