/**
 * Double SHA-256 by input size, every path side by side (`npm run bench:hash`):
 * what decides the checksum cost of small and medium messages (issue 15).
 * Each size is one `measureGroup` (warm-up, then round-robin samples of main-
 * thread CPU time), so the ratios within a row are like for like; absolute
 * figures drift with the machine's load.
 *
 * Rows: `bcoin` = bcrypto's hash256 (native addon when installed, see
 * `bench/bcoin.ts`), the reference to beat; `ours` = `Hash.sha256d` (32
 * bytes); `ours.word` = the frame checksum word (`checksumWord`);
 * `before` = the path of session 5 (JS SHA-256 below 120 B, else
 * `crypto.hash` to a Buffer plus the JS second pass); then the pieces:
 * `wasm` (both passes in WebAssembly), `js` (both passes in JS),
 * `hash.buf+js` / `hash.u16+wasm` (native first pass to a Buffer or a UTF-16
 * string, second pass in JS or WebAssembly), `createHash+js`, `copy+js`
 * (a primed Hash object copied), `noble`.
 *
 * BENCH_HASH_SIZES (comma-separated bytes) picks the sizes; the harness reads
 * BENCH_SAMPLES, BENCH_SAMPLE_MS, BENCH_WARMUP_MS, BENCH_CLOCK.
 */
import { sha256 as nobleSha256 } from "@noble/hashes/sha2.js"
import { createHash, hash as oneShotHash } from "node:crypto"
import { checksumWord, nativeFirstPass } from "../src/internal/wire/checksum.js"
import * as Sha256 from "../src/internal/wire/Sha256.js"
import { wasmSha256 } from "../src/internal/wire/Sha256Wasm.js"
import { sha256d } from "../src/wire/Hash.js"
import * as Bcoin from "./bcoin.js"
import { type Case, measureGroup, optionsFromEnv } from "./harness.js"
import { isMain } from "./loopback.js"
import { progress, table } from "./report.js"

const SIZES = (process.env["BENCH_HASH_SIZES"] ?? "32,64,80,102,120,200,250,361,400,1000,2000,4000")
  .split(",")
  .map(Number)
  .filter((n) => Number.isInteger(n) && n >= 0)

/** Calls per `run`: a sample reads the clock after every `run`, which would otherwise weigh on a ~0.5 µs hash. */
const CALLS = 16

let sink = 0

const wordOf = (d: Uint8Array): number => (d[0]! << 24) | (d[1]! << 16) | (d[2]! << 8) | d[3]!

/** The session-5 path, for the before/after column (its parts are still exported). */
const before = (data: Uint8Array): number =>
  data.length < 120 ? Sha256.sha256dWord(data) : Sha256.sha256OfDigestWord(oneShotHash("sha256", data, "buffer"))

const primed = createHash("sha256")

export const run = (): void => {
  const bcoinOrError = Bcoin.load()
  const bcoin = "error" in bcoinOrError ? undefined : bcoinOrError
  const wasm = wasmSha256
  const first = nativeFirstPass
  const options = optionsFromEnv()
  const rows: Array<{ readonly size: number; readonly ns: ReadonlyMap<string, number> }> = []
  for (const n of SIZES) {
    progress(`double SHA-256 of ${n} B`)
    const data = Uint8Array.from({ length: n }, (_, i) => (i * 167 + n) & 0xff)
    const buf = Buffer.from(data)
    const expected = wordOf(nobleSha256(nobleSha256(data)))
    const paths: Array<readonly [string, (d: Uint8Array) => number]> = [
      ...(bcoin === undefined ? [] : [["bcoin", () => wordOf(bcoin.hash256(buf))] as const]),
      ["ours", (d) => wordOf(sha256d(d))],
      ["ours.word", checksumWord],
      ["before", before],
      ...(wasm === undefined ? [] : [["wasm", (d: Uint8Array) => wasm.sha256dWordOfRange(d, 0, d.length)] as const]),
      ["js", Sha256.sha256dWord],
      ["hash.buf+js", (d) => Sha256.sha256OfDigestWord(oneShotHash("sha256", d, "buffer"))],
      ...(wasm === undefined || first === undefined
        ? []
        : [["hash.u16+wasm", (d: Uint8Array) => wasm.secondPassWordOfUtf16(first(d))] as const]),
      ["createHash+js", (d) => Sha256.sha256OfDigestWord(createHash("sha256").update(d).digest())],
      ["copy+js", (d) => Sha256.sha256OfDigestWord(primed.copy().update(d).digest())],
      ["noble", (d) => wordOf(nobleSha256(nobleSha256(d)))]
    ]
    for (const [name, f] of paths) if (f(data) !== expected) throw new Error(`${name} disagrees with noble at ${n} bytes`)
    const cases: Array<Case> = paths.map(([name, f]) => ({
      name,
      ops: CALLS,
      bytes: n * CALLS,
      run: () => {
        for (let i = 0; i < CALLS; i++) sink ^= f(data)
      }
    }))
    const results = measureGroup(cases, options)
    rows.push({ size: n, ns: new Map(results.map((r) => [r.name, 1e9 / r.opsPerSec])) })
  }
  const names = [...rows[0]!.ns.keys()]
  const ref = (row: (typeof rows)[number], name: string) =>
    row.ns.has("bcoin") ? `${(row.ns.get("bcoin")! / row.ns.get(name)!).toFixed(2)}x` : "–"
  table(
    `Double SHA-256, ns per hash (${options.clock} clock, median of ${options.samples}); ` +
      `"x bcoin" = bcoin's time / ours (above 1: faster than bcoin), "x before" = before's time / ours.`,
    ["size", ...names, "ours.word x bcoin", "ours x bcoin", "ours.word x before"],
    rows.map((row) => [
      `${row.size} B`,
      ...names.map((name) => row.ns.get(name)!.toFixed(0)),
      ref(row, "ours.word"),
      ref(row, "ours"),
      `${(row.ns.get("before")! / row.ns.get("ours.word")!).toFixed(2)}x`
    ])
  )
  if (bcoin !== undefined) console.log(`\nbcoin: ${bcoin.backend}`)
  if (sink === 0.5) console.log(sink)
}

if (isMain(import.meta.url)) run()
