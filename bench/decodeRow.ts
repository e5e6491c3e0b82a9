/**
 * Decodes corpus rows through one `FrameDecoder`, a fixed number of times,
 * and nothing else: a workload for load-independent evidence, where wall
 * clocks are noise (a machine shared by many jobs). Run it under
 * `valgrind --tool=callgrind` and compare instruction counts of two builds
 * (subtract a run with N = 0 for the start-up cost), or with
 * `node --trace-turbo-inlining` / `--trace-deopt` to see what V8 made of the
 * decode path.
 *
 *   npm run bench:build
 *   node dist/bench/bench/decodeRow.js headers-2000 200
 *   node dist/bench/bench/decodeRow.js headers-2000,inv-10,addr-1000 200   (rows round robin)
 */
import * as Frame from "../src/wire/Frame.js"
import { makeCorpus, params } from "./corpus.js"

const rows = (process.argv[2] ?? "headers-2000").split(",")
const rounds = Number(process.argv[3] ?? 200)
const corpus = makeCorpus()
const frames = rows.map((name) => {
  const entry = corpus.find((e) => e.name === name)
  if (entry === undefined) throw new Error(`no row ${name}; rows: ${corpus.map((e) => e.name).join(", ")}`)
  return entry.frame
})

const decoder = new Frame.FrameDecoder({ params })
const out: Array<Frame.Received> = []
let decoded = 0
for (let i = 0; i < rounds; i++) {
  for (const frame of frames) {
    out.length = 0
    const error = decoder.push(frame, out)
    if (error !== undefined) throw error
    decoded += out.length
  }
}
// Printed so the work cannot be optimised away, and as a check that every frame decoded.
console.log(`${rows.join(",")}: ${decoded} messages decoded`)
