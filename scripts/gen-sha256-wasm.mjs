// Writes src/internal/wire/sha256WasmModule.ts: the bytes (base64) of a small WebAssembly
// module holding the SHA-256 compression function (FIPS 180-4, section 6.2.2),
// assembled here from the expressions below, so the module is reproducible
// from this readable source with no toolchain: `node scripts/gen-sha256-wasm.mjs`
// (`--check` compares instead of writing).
//
// The module defines one page of memory (exported as `memory`):
//   [0, 32)    the chaining state H0..H7 as little-endian i32 (what JS sees
//              through an Int32Array on the same memory);
//   [64, ...)  input blocks, copied in by the caller, padding included.
// and three functions:
//   blocks(ptr, n)  compresses the n 64-byte blocks at ptr into the state;
//   digestBlock()   replaces the state with the SHA-256 of the 32-byte digest
//                   the state holds (the second pass of a double SHA-256: one
//                   block with constant padding), and returns its first word;
//   double8(lo, hi) the first word of the double SHA-256 of 8 bytes given as
//                   two little-endian words (a ping's or pong's nonce): both
//                   passes in locals, no memory touched, nothing for JS to
//                   copy in or pad.
// All are fully unrolled: the 16-word message schedule lives in locals, the
// round constants are immediates, and each round renames a..h instead of
// moving them. The assembler folds what is known when it assembles (the
// initial hash value, the padding words, whatever follows from them only):
// a padding word costs no add in its round, a schedule word made of padding
// alone is an immediate, and the first rounds of a pass that starts from the
// initial hash value are partly computed here.
import { readFileSync, writeFileSync } from "node:fs"
import { fileURLToPath } from "node:url"

// Round constants (FIPS 180-4, 4.2.2) and initial hash value (5.3.3).
const K = [
  0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
  0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
  0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
  0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
  0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
  0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
  0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
  0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2
]
const IV = [0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19]

// ---- Expressions: a tiny tree that compiles to stack code ----
const op = (code) => (...args) => ({ code, args })
/** What each operator computes, for folding constants (int32 in, int32 out). */
const evalOp = {
  0x6a: (a, b) => (a + b) | 0,
  0x6b: (a, b) => (a - b) | 0,
  0x71: (a, b) => a & b,
  0x72: (a, b) => a | b,
  0x73: (a, b) => a ^ b,
  0x76: (a, b) => (a >>> b) | 0,
  0x77: (a, b) => ((a << b) | (a >>> (32 - b))) | 0,
  0x78: (a, b) => ((a >>> b) | (a << (32 - b))) | 0
}
const add = (...xs) => xs.reduce(op(0x6a)) // i32.add
const and = op(0x71)
const or = op(0x72)
const xor = (...xs) => xs.reduce(op(0x73))
const shr = (x, n) => op(0x76)(x, num(n)) // i32.shr_u
const rotr = (x, n) => op(0x78)(x, num(n))
const rotl = (x, n) => op(0x77)(x, num(n))
const num = (n) => ({ num: n | 0 })
const get = (name) => ({ get: name })
/** `x` with its bytes in the opposite order. */
const bswap = (x) => or(and(rotl(x, 8), num(0x00ff00ff)), and(rotr(x, 8), num(0xff00ff00)))
/** A big-endian word at memory[ptr + offset]: i32.load reads little-endian, so swap the bytes. */
const loadBE = (ptr, offset) => bswap({ load: ptr, offset })
const loadState = (i) => ({ load: null, offset: 4 * i })

// SHA-256 functions (FIPS 180-4, 4.1.2).
const bigSigma0 = (x) => xor(rotr(x, 2), rotr(x, 13), rotr(x, 22))
const bigSigma1 = (x) => xor(rotr(x, 6), rotr(x, 11), rotr(x, 25))
const smallSigma0 = (x) => xor(rotr(x, 7), rotr(x, 18), shr(x, 3))
const smallSigma1 = (x) => xor(rotr(x, 17), rotr(x, 19), shr(x, 10))
const ch = (x, y, z) => xor(z, and(x, xor(y, z)))
const maj = (x, y, z) => or(and(x, y), and(z, or(x, y)))

// ---- Statements ----
const set = (name, value) => ({ set: name, value })
const store = (i, value) => ({ store: 4 * i, value })

/**
 * The 64 rounds over w0..w15 (already holding the block), adding into the
 * state: a..h are renamed each round, and w0..w15 are overwritten with the
 * schedule W[16..63] as it is needed.
 */
const rounds = () => {
  const s = []
  const names = "abcdefgh"
  for (let i = 0; i < 8; i++) s.push(set(names[i], get(`s${i}`)))
  for (let i = 0; i < 64; i++) {
    const v = (k) => get(names[(k - (i % 8) + 8) % 8])
    const name = (k) => names[(k - (i % 8) + 8) % 8]
    const w = `w${i % 16}`
    if (i >= 16) {
      s.push(set(w, add(smallSigma1(get(`w${(i - 2) % 16}`)), get(`w${(i - 7) % 16}`), smallSigma0(get(`w${(i - 15) % 16}`)), get(w))))
    }
    s.push(set("t", add(v(7), bigSigma1(v(4)), ch(v(4), v(5), v(6)), num(K[i]), get(w))))
    s.push(set(name(3), add(v(3), get("t"))))
    s.push(set(name(7), add(get("t"), bigSigma0(v(0)), maj(v(0), v(1), v(2)))))
  }
  for (let i = 0; i < 8; i++) s.push(set(`s${i}`, add(get(`s${i}`), get(names[i]))))
  return s
}

// ---- Functions ----
const localNames = ["ptr", "n", ..."abcdefgh", ...Array.from({ length: 8 }, (_, i) => `s${i}`), ...Array.from({ length: 16 }, (_, i) => `w${i}`), "t"]

const blocksBody = () => [
  ...Array.from({ length: 8 }, (_, i) => set(`s${i}`, loadState(i))),
  {
    loopWhile: "n",
    body: [
      ...Array.from({ length: 16 }, (_, i) => set(`w${i}`, loadBE("ptr", 4 * i))),
      ...rounds(),
      set("ptr", add(get("ptr"), num(64))),
      set("n", op(0x6b)(get("n"), num(1))) // i32.sub
    ]
  },
  ...Array.from({ length: 8 }, (_, i) => store(i, get(`s${i}`)))
]

const digestBlockBody = () => [
  // The block is the digest (already words), then 0x80, zeros, and the bit length 256.
  ...Array.from({ length: 8 }, (_, i) => set(`w${i}`, loadState(i))),
  set("w8", num(0x80000000)),
  ...Array.from({ length: 6 }, (_, i) => set(`w${9 + i}`, num(0))),
  set("w15", num(256)),
  ...IV.map((x, i) => set(`s${i}`, num(x))),
  ...rounds(),
  ...Array.from({ length: 8 }, (_, i) => store(i, get(`s${i}`))),
  { ret: get("s0") }
]

/**
 * The double SHA-256 of 8 bytes, whose little-endian words arrive in the
 * parameters (`ptr` and `n` here): the one padded block is those two words
 * big-endian, 0x80, zeros and the bit length 64.
 */
const double8Body = () => [
  set("w0", bswap(get("ptr"))),
  set("w1", bswap(get("n"))),
  set("w2", num(0x80000000)),
  ...Array.from({ length: 12 }, (_, i) => set(`w${3 + i}`, num(0))),
  set("w15", num(64)),
  ...IV.map((x, i) => set(`s${i}`, num(x))),
  ...rounds(),
  // The second pass over the digest just computed (s0..s7), as digestBlock does it from memory.
  ...Array.from({ length: 8 }, (_, i) => set(`w${i}`, get(`s${i}`))),
  set("w8", num(0x80000000)),
  ...Array.from({ length: 6 }, (_, i) => set(`w${9 + i}`, num(0))),
  set("w15", num(256)),
  ...IV.map((x, i) => set(`s${i}`, num(x))),
  ...rounds(),
  { ret: get("s0") }
]

// ---- Encoding ----
const uleb = (n) => {
  const out = []
  do {
    let b = n & 0x7f
    n >>>= 7
    if (n !== 0) b |= 0x80
    out.push(b)
  } while (n !== 0)
  return out
}
const sleb = (n) => {
  const out = []
  for (;;) {
    const b = n & 0x7f
    n >>= 7
    if ((n === 0 && (b & 0x40) === 0) || (n === -1 && (b & 0x40) !== 0)) return [...out, b]
    out.push(b | 0x80)
  }
}
const local = (name) => {
  const i = localNames.indexOf(name)
  if (i < 0) throw new Error(`unknown local ${name}`)
  return uleb(i)
}
/**
 * `e` with the locals `known` holds replaced by their values and what is
 * then constant computed here. Constants gather on the right of a sum or an
 * xor and merge there (both are associative and commutative), so a round's
 * `... + K[i] + W[i]` is one immediate when W[i] is known.
 */
const fold = (e, known) => {
  if ("num" in e || "load" in e) return e
  if ("get" in e) return known?.has(e.get) ? num(known.get(e.get)) : e
  let a = fold(e.args[0], known)
  let b = fold(e.args[1], known)
  if ("num" in a && "num" in b) return num(evalOp[e.code](a.num, b.num))
  const merges = e.code === 0x6a || e.code === 0x73
  if (merges || e.code === 0x72) {
    if ("num" in a) [a, b] = [b, a]
    if ("num" in b && b.num === 0) return a
    if (merges && "num" in b && a.code === e.code && "num" in a.args[1]) {
      return { code: e.code, args: [a.args[0], num(evalOp[e.code](a.args[1].num, b.num))] }
    }
  }
  if (e.code === 0x71 && (("num" in a && a.num === 0) || ("num" in b && b.num === 0))) return num(0)
  return { code: e.code, args: [a, b] }
}
const expr = (e) => {
  if ("num" in e) return [0x41, ...sleb(e.num)] // i32.const
  if ("get" in e) return [0x20, ...local(e.get)] // local.get
  if ("load" in e) return [...(e.load === null ? [0x41, 0] : [0x20, ...local(e.load)]), 0x28, 2, ...uleb(e.offset)] // i32.load align=4
  return [...expr(e.args[0]), ...expr(e.args[1]), e.code]
}
/**
 * One statement's code. `known`: the locals holding a constant here (a set
 * whose value folds to one is not emitted; reads of it become the constant);
 * `null` inside a loop, where a value may come from the last iteration.
 */
const stmt = (s, known) => {
  if ("set" in s) {
    const value = fold(s.value, known)
    if (known !== null && "num" in value) {
      known.set(s.set, value.num)
      return []
    }
    known?.delete(s.set)
    return [...expr(value), 0x21, ...local(s.set)] // local.set
  }
  if ("store" in s) return [0x41, 0, ...expr(fold(s.value, known)), 0x36, 2, ...uleb(s.store)] // i32.store
  if ("ret" in s) return [...expr(fold(s.ret, known)), 0x0f]
  // block { loop { br_if 1 (n == 0); body; br 0 } }
  if (known !== null && known.size > 0) throw new Error("a loop after constants: not supported")
  return [0x02, 0x40, 0x03, 0x40, 0x20, ...local(s.loopWhile), 0x45, 0x0d, 1, ...s.body.flatMap((b) => stmt(b, null)), 0x0c, 0, 0x0b, 0x0b]
}
/** `params` of the locals are parameters; the rest are declared (for `digestBlock`, `ptr` and `n` are plain unused locals). */
const funcBody = (stmts, params, results) => {
  const known = new Map()
  const code = [...uleb(1), ...uleb(localNames.length - params), 0x7f, ...stmts.flatMap((s) => stmt(s, known)), ...(results ? [0x00] : []), 0x0b]
  return [...uleb(code.length), ...code]
}
const section = (id, content) => [id, ...uleb(content.length), ...content]
const vec = (items) => [...uleb(items.length), ...items.flat()]
const str = (s) => [...uleb(s.length), ...[...s].map((c) => c.charCodeAt(0))]

const module = [
  0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00,
  // types: 0 = (i32, i32) -> (), 1 = () -> i32, 2 = (i32, i32) -> i32
  ...section(1, vec([[0x60, 2, 0x7f, 0x7f, 0], [0x60, 0, 1, 0x7f], [0x60, 2, 0x7f, 0x7f, 1, 0x7f]])),
  ...section(3, vec([[0], [1], [2]])),
  ...section(5, vec([[0x00, 1]])), // memory: min 1 page, no max
  ...section(7, vec([
    [...str("memory"), 2, 0],
    [...str("blocks"), 0, 0],
    [...str("digestBlock"), 0, 1],
    [...str("double8"), 0, 2]
  ])),
  ...section(10, vec([funcBody(blocksBody(), 2, false), funcBody(digestBlockBody(), 0, true), funcBody(double8Body(), 2, true)]))
]

const base64 = Buffer.from(module).toString("base64")
const lines = []
for (let i = 0; i < base64.length; i += 100) lines.push(`  "${base64.slice(i, i + 100)}"`)
const out = `/**
 * The WebAssembly module with the SHA-256 compression function that
 * \`Sha256Wasm.ts\` instantiates, as base64 (${module.length} bytes). Generated
 * by \`scripts/gen-sha256-wasm.mjs\` from the readable source there
 * (\`node scripts/gen-sha256-wasm.mjs\`); do not edit by hand.
 *
 * @internal
 */
// prettier-ignore
export const SHA256_WASM_BASE64: string =
${lines.join(" +\n")}
`
const target = fileURLToPath(new URL("../src/internal/wire/sha256WasmModule.ts", import.meta.url))
if (process.argv.includes("--check")) {
  // The committed module must be what this source assembles.
  if (readFileSync(target, "utf8") !== out) {
    console.error("src/internal/wire/sha256WasmModule.ts is stale: run node scripts/gen-sha256-wasm.mjs")
    process.exit(1)
  }
} else {
  writeFileSync(target, out)
  console.log(`sha256WasmModule.ts: ${module.length} bytes`)
}
