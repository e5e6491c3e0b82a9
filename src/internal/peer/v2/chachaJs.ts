/**
 * ChaCha20 and ChaCha20-Poly1305 (RFC 8439) in plain JavaScript, written for
 * small packets: no allocation besides the result, no per-call validation
 * (the callers are `fschacha.ts`, which always passes a 32-byte key and a
 * 12-byte nonce), state in local variables.
 *
 * Why it exists: Node cannot re-key or re-nonce a native AEAD context, so
 * every packet costs a `createCipheriv` (and a `createDecipheriv` on the
 * other side), about 4 µs each before any byte is encrypted. A ping or an
 * `inv` is done here in well under that (measured by `npm run bench:bip324`,
 * "seal + open of one packet"). Large packets stay native
 * (`cipher.ts` picks the path by size): from a few hundred bytes on,
 * OpenSSL's vectorised ChaCha20 wins.
 *
 * Poly1305 works on 10 limbs of 13 bits: a product of two limbs and the sum
 * of ten of them stay far below 2^53, so JavaScript numbers hold them
 * exactly.
 *
 * @internal
 */
import { allocUnsafe } from "./bytes.js"

const TAG_SIZE = 16

/**
 * One keystream block (64 bytes), reused: the caller consumes it before the
 * next call. Written as 16 words (one store each instead of four), read as
 * bytes: the byte view is in the RFC's little-endian order, on a
 * big-endian machine after a swap.
 */
const BLOCK_WORDS = new Uint32Array(16)
const BLOCK = new Uint8Array(BLOCK_WORDS.buffer)
const LITTLE_ENDIAN = new Uint8Array(new Uint32Array([1]).buffer)[0] === 1

const u32le = (b: Uint8Array, o: number): number => (b[o]! | (b[o + 1]! << 8) | (b[o + 2]! << 16) | (b[o + 3]! << 24)) >>> 0

/** Key and nonce as words, parsed once per call. */
const KEY = new Uint32Array(8)
const NONCE = new Uint32Array(3)

const loadKey = (key: Uint8Array, nonce: Uint8Array): void => {
  for (let i = 0; i < 8; i++) KEY[i] = u32le(key, 4 * i)
  NONCE[0] = u32le(nonce, 0)
  NONCE[1] = u32le(nonce, 4)
  NONCE[2] = u32le(nonce, 8)
}

/** On a big-endian machine, puts each word of `BLOCK_WORDS` in little-endian byte order. */
const swapBlockWords = (): void => {
  for (let i = 0; i < 16; i++) {
    const w = BLOCK_WORDS[i]!
    BLOCK_WORDS[i] = ((w & 0xff) << 24) | ((w & 0xff00) << 8) | ((w >>> 8) & 0xff00) | (w >>> 24)
  }
}

/** The ChaCha20 block function (RFC 8439 §2.3) for the loaded key and nonce at `counter`, into `BLOCK`. */
const chachaBlock = (counter: number): void => {
  const k0 = KEY[0]! | 0, k1 = KEY[1]! | 0, k2 = KEY[2]! | 0, k3 = KEY[3]! | 0
  const k4 = KEY[4]! | 0, k5 = KEY[5]! | 0, k6 = KEY[6]! | 0, k7 = KEY[7]! | 0
  const n0 = NONCE[0]! | 0, n1 = NONCE[1]! | 0, n2 = NONCE[2]! | 0
  // "expand 32-byte k"
  let x0 = 0x61707865, x1 = 0x3320646e, x2 = 0x79622d32, x3 = 0x6b206574
  let x4 = k0, x5 = k1, x6 = k2, x7 = k3, x8 = k4, x9 = k5, x10 = k6, x11 = k7
  let x12 = counter | 0, x13 = n0, x14 = n1, x15 = n2
  let t: number
  for (let i = 0; i < 10; i++) {
    // Columns.
    x0 = (x0 + x4) | 0, t = x12 ^ x0, x12 = (t << 16) | (t >>> 16)
    x8 = (x8 + x12) | 0, t = x4 ^ x8, x4 = (t << 12) | (t >>> 20)
    x0 = (x0 + x4) | 0, t = x12 ^ x0, x12 = (t << 8) | (t >>> 24)
    x8 = (x8 + x12) | 0, t = x4 ^ x8, x4 = (t << 7) | (t >>> 25)
    x1 = (x1 + x5) | 0, t = x13 ^ x1, x13 = (t << 16) | (t >>> 16)
    x9 = (x9 + x13) | 0, t = x5 ^ x9, x5 = (t << 12) | (t >>> 20)
    x1 = (x1 + x5) | 0, t = x13 ^ x1, x13 = (t << 8) | (t >>> 24)
    x9 = (x9 + x13) | 0, t = x5 ^ x9, x5 = (t << 7) | (t >>> 25)
    x2 = (x2 + x6) | 0, t = x14 ^ x2, x14 = (t << 16) | (t >>> 16)
    x10 = (x10 + x14) | 0, t = x6 ^ x10, x6 = (t << 12) | (t >>> 20)
    x2 = (x2 + x6) | 0, t = x14 ^ x2, x14 = (t << 8) | (t >>> 24)
    x10 = (x10 + x14) | 0, t = x6 ^ x10, x6 = (t << 7) | (t >>> 25)
    x3 = (x3 + x7) | 0, t = x15 ^ x3, x15 = (t << 16) | (t >>> 16)
    x11 = (x11 + x15) | 0, t = x7 ^ x11, x7 = (t << 12) | (t >>> 20)
    x3 = (x3 + x7) | 0, t = x15 ^ x3, x15 = (t << 8) | (t >>> 24)
    x11 = (x11 + x15) | 0, t = x7 ^ x11, x7 = (t << 7) | (t >>> 25)
    // Diagonals.
    x0 = (x0 + x5) | 0, t = x15 ^ x0, x15 = (t << 16) | (t >>> 16)
    x10 = (x10 + x15) | 0, t = x5 ^ x10, x5 = (t << 12) | (t >>> 20)
    x0 = (x0 + x5) | 0, t = x15 ^ x0, x15 = (t << 8) | (t >>> 24)
    x10 = (x10 + x15) | 0, t = x5 ^ x10, x5 = (t << 7) | (t >>> 25)
    x1 = (x1 + x6) | 0, t = x12 ^ x1, x12 = (t << 16) | (t >>> 16)
    x11 = (x11 + x12) | 0, t = x6 ^ x11, x6 = (t << 12) | (t >>> 20)
    x1 = (x1 + x6) | 0, t = x12 ^ x1, x12 = (t << 8) | (t >>> 24)
    x11 = (x11 + x12) | 0, t = x6 ^ x11, x6 = (t << 7) | (t >>> 25)
    x2 = (x2 + x7) | 0, t = x13 ^ x2, x13 = (t << 16) | (t >>> 16)
    x8 = (x8 + x13) | 0, t = x7 ^ x8, x7 = (t << 12) | (t >>> 20)
    x2 = (x2 + x7) | 0, t = x13 ^ x2, x13 = (t << 8) | (t >>> 24)
    x8 = (x8 + x13) | 0, t = x7 ^ x8, x7 = (t << 7) | (t >>> 25)
    x3 = (x3 + x4) | 0, t = x14 ^ x3, x14 = (t << 16) | (t >>> 16)
    x9 = (x9 + x14) | 0, t = x4 ^ x9, x4 = (t << 12) | (t >>> 20)
    x3 = (x3 + x4) | 0, t = x14 ^ x3, x14 = (t << 8) | (t >>> 24)
    x9 = (x9 + x14) | 0, t = x4 ^ x9, x4 = (t << 7) | (t >>> 25)
  }
  BLOCK_WORDS[0] = (x0 + 0x61707865) | 0
  BLOCK_WORDS[1] = (x1 + 0x3320646e) | 0
  BLOCK_WORDS[2] = (x2 + 0x79622d32) | 0
  BLOCK_WORDS[3] = (x3 + 0x6b206574) | 0
  BLOCK_WORDS[4] = (x4 + k0) | 0
  BLOCK_WORDS[5] = (x5 + k1) | 0
  BLOCK_WORDS[6] = (x6 + k2) | 0
  BLOCK_WORDS[7] = (x7 + k3) | 0
  BLOCK_WORDS[8] = (x8 + k4) | 0
  BLOCK_WORDS[9] = (x9 + k5) | 0
  BLOCK_WORDS[10] = (x10 + k6) | 0
  BLOCK_WORDS[11] = (x11 + k7) | 0
  BLOCK_WORDS[12] = (x12 + counter) | 0
  BLOCK_WORDS[13] = (x13 + n0) | 0
  BLOCK_WORDS[14] = (x14 + n1) | 0
  BLOCK_WORDS[15] = (x15 + n2) | 0
  if (!LITTLE_ENDIAN) swapBlockWords()
}

/** `dst[d..d+length) = src[s..s+length) ^ keystream` from block `counter` of the loaded key and nonce. */
const xorStream = (src: Uint8Array, s: number, dst: Uint8Array, d: number, length: number, counter: number): void => {
  for (let done = 0; done < length; done += 64) {
    chachaBlock(counter++)
    const n = Math.min(64, length - done)
    for (let i = 0; i < n; i++) dst[d + done + i] = src[s + done + i]! ^ BLOCK[i]!
  }
}

// ---------------------------------------------------------------------------
// Poly1305 (RFC 8439 §2.5), only as the AEAD uses it: every input is padded to
// whole 16-byte blocks, so every block carries the 2^128 bit.

const R = new Float64Array(10)
const H = new Float64Array(10)
/** A last partial block of the AAD or ciphertext, zero-padded, and the lengths block after it. */
const PAD = new Uint8Array(32)

/** Takes r (clamped) from the one-time key in `BLOCK[0..16)` and clears the accumulator. */
const polyInit = (): void => {
  const b = BLOCK
  // Clamp (RFC 8439 §2.5): the top 4 bits of bytes 3, 7, 11, 15 and the low 2 bits of 4, 8, 12 cleared.
  const t0 = b[0]! | (b[1]! << 8)
  const t1 = b[2]! | ((b[3]! & 15) << 8)
  const t2 = (b[4]! & 252) | (b[5]! << 8)
  const t3 = b[6]! | ((b[7]! & 15) << 8)
  const t4 = (b[8]! & 252) | (b[9]! << 8)
  const t5 = b[10]! | ((b[11]! & 15) << 8)
  const t6 = (b[12]! & 252) | (b[13]! << 8)
  const t7 = b[14]! | ((b[15]! & 15) << 8)
  // Bits 13i .. 13i+12 of r, from its eight 16-bit words.
  R[0] = t0 & 0x1fff
  R[1] = ((t0 >>> 13) | (t1 << 3)) & 0x1fff
  R[2] = ((t1 >>> 10) | (t2 << 6)) & 0x1fff
  R[3] = ((t2 >>> 7) | (t3 << 9)) & 0x1fff
  R[4] = ((t3 >>> 4) | (t4 << 12)) & 0x1fff
  R[5] = (t4 >>> 1) & 0x1fff
  R[6] = ((t4 >>> 14) | (t5 << 2)) & 0x1fff
  R[7] = ((t5 >>> 11) | (t6 << 5)) & 0x1fff
  R[8] = ((t6 >>> 8) | (t7 << 8)) & 0x1fff
  R[9] = t7 >>> 5
  for (let i = 0; i < 10; i++) H[i] = 0
}

/** h = (h + m) * r mod 2^130 - 5 for each whole 16-byte block of `m[from..to)`. */
const polyBlocks = (m: Uint8Array, from: number, to: number): void => {
  const r0 = R[0]!, r1 = R[1]!, r2 = R[2]!, r3 = R[3]!, r4 = R[4]!, r5 = R[5]!, r6 = R[6]!, r7 = R[7]!, r8 = R[8]!, r9 = R[9]!
  // 2^130 = 5 (mod p): a product that lands at limb 10 + i counts 5 times at limb i.
  const s1 = 5 * r1, s2 = 5 * r2, s3 = 5 * r3, s4 = 5 * r4, s5 = 5 * r5, s6 = 5 * r6, s7 = 5 * r7, s8 = 5 * r8, s9 = 5 * r9
  let h0 = H[0]!, h1 = H[1]!, h2 = H[2]!, h3 = H[3]!, h4 = H[4]!, h5 = H[5]!, h6 = H[6]!, h7 = H[7]!, h8 = H[8]!, h9 = H[9]!
  for (let o = from; o < to; o += 16) {
    const t0 = m[o]! | (m[o + 1]! << 8)
    const t1 = m[o + 2]! | (m[o + 3]! << 8)
    const t2 = m[o + 4]! | (m[o + 5]! << 8)
    const t3 = m[o + 6]! | (m[o + 7]! << 8)
    const t4 = m[o + 8]! | (m[o + 9]! << 8)
    const t5 = m[o + 10]! | (m[o + 11]! << 8)
    const t6 = m[o + 12]! | (m[o + 13]! << 8)
    const t7 = m[o + 14]! | (m[o + 15]! << 8)
    h0 += t0 & 0x1fff
    h1 += ((t0 >>> 13) | (t1 << 3)) & 0x1fff
    h2 += ((t1 >>> 10) | (t2 << 6)) & 0x1fff
    h3 += ((t2 >>> 7) | (t3 << 9)) & 0x1fff
    h4 += ((t3 >>> 4) | (t4 << 12)) & 0x1fff
    h5 += (t4 >>> 1) & 0x1fff
    h6 += ((t4 >>> 14) | (t5 << 2)) & 0x1fff
    h7 += ((t5 >>> 11) | (t6 << 5)) & 0x1fff
    h8 += ((t6 >>> 8) | (t7 << 8)) & 0x1fff
    h9 += (t7 >>> 5) | (1 << 11) // the 2^128 bit
    // Limbs are below 2^14 and 5r below 2^16: each sum of ten products is below 2^34, exact.
    let d0 = h0 * r0 + h1 * s9 + h2 * s8 + h3 * s7 + h4 * s6 + h5 * s5 + h6 * s4 + h7 * s3 + h8 * s2 + h9 * s1
    let d1 = h0 * r1 + h1 * r0 + h2 * s9 + h3 * s8 + h4 * s7 + h5 * s6 + h6 * s5 + h7 * s4 + h8 * s3 + h9 * s2
    let d2 = h0 * r2 + h1 * r1 + h2 * r0 + h3 * s9 + h4 * s8 + h5 * s7 + h6 * s6 + h7 * s5 + h8 * s4 + h9 * s3
    let d3 = h0 * r3 + h1 * r2 + h2 * r1 + h3 * r0 + h4 * s9 + h5 * s8 + h6 * s7 + h7 * s6 + h8 * s5 + h9 * s4
    let d4 = h0 * r4 + h1 * r3 + h2 * r2 + h3 * r1 + h4 * r0 + h5 * s9 + h6 * s8 + h7 * s7 + h8 * s6 + h9 * s5
    let d5 = h0 * r5 + h1 * r4 + h2 * r3 + h3 * r2 + h4 * r1 + h5 * r0 + h6 * s9 + h7 * s8 + h8 * s7 + h9 * s6
    let d6 = h0 * r6 + h1 * r5 + h2 * r4 + h3 * r3 + h4 * r2 + h5 * r1 + h6 * r0 + h7 * s9 + h8 * s8 + h9 * s7
    let d7 = h0 * r7 + h1 * r6 + h2 * r5 + h3 * r4 + h4 * r3 + h5 * r2 + h6 * r1 + h7 * r0 + h8 * s9 + h9 * s8
    let d8 = h0 * r8 + h1 * r7 + h2 * r6 + h3 * r5 + h4 * r4 + h5 * r3 + h6 * r2 + h7 * r1 + h8 * r0 + h9 * s9
    let d9 = h0 * r9 + h1 * r8 + h2 * r7 + h3 * r6 + h4 * r5 + h5 * r4 + h6 * r3 + h7 * r2 + h8 * r1 + h9 * r0
    // Carry (the sums exceed 32 bits: floor division, not shifts), the top carry folded back times 5.
    let c = Math.floor(d0 / 8192)
    h0 = d0 - c * 8192
    d1 += c, c = Math.floor(d1 / 8192), h1 = d1 - c * 8192
    d2 += c, c = Math.floor(d2 / 8192), h2 = d2 - c * 8192
    d3 += c, c = Math.floor(d3 / 8192), h3 = d3 - c * 8192
    d4 += c, c = Math.floor(d4 / 8192), h4 = d4 - c * 8192
    d5 += c, c = Math.floor(d5 / 8192), h5 = d5 - c * 8192
    d6 += c, c = Math.floor(d6 / 8192), h6 = d6 - c * 8192
    d7 += c, c = Math.floor(d7 / 8192), h7 = d7 - c * 8192
    d8 += c, c = Math.floor(d8 / 8192), h8 = d8 - c * 8192
    d9 += c, c = Math.floor(d9 / 8192), h9 = d9 - c * 8192
    h0 += 5 * c
    c = Math.floor(h0 / 8192)
    h0 -= c * 8192
    h1 += c
  }
  H[0] = h0, H[1] = h1, H[2] = h2, H[3] = h3, H[4] = h4, H[5] = h5, H[6] = h6, H[7] = h7, H[8] = h8, H[9] = h9
}

/**
 * Copies `m[from..to)` (less than a block) into `PAD[at..at+16)`, zero-padded.
 * Byte by byte: a few bytes, where a `subarray` and a `set` would cost more
 * than the copy.
 */
const padInto = (m: Uint8Array, from: number, to: number, at: number): void => {
  const n = to - from
  for (let i = 0; i < n; i++) PAD[at + i] = m[from + i]!
  for (let i = n; i < 16; i++) PAD[at + i] = 0
}

/** Feeds `m[from..to)` zero-padded to whole blocks. */
const polyPadded = (m: Uint8Array, from: number, to: number): void => {
  const whole = from + ((to - from) & ~15)
  polyBlocks(m, from, whole)
  if (whole < to) {
    padInto(m, whole, to, 0)
    polyBlocks(PAD, 0, 16)
  }
}

/**
 * Feeds the AEAD's end: the ciphertext `m[from..to)` zero-padded, then the
 * lengths block (both lengths, 64-bit little-endian; a packet's fit in 32
 * bits). The last partial block and the lengths go through `polyBlocks`
 * together, from `PAD`: a small packet is one call.
 */
const polyCiphertextAndLengths = (m: Uint8Array, from: number, to: number, aadLength: number): void => {
  const whole = from + ((to - from) & ~15)
  if (whole > from) polyBlocks(m, from, whole)
  let at = 0
  if (whole < to) {
    padInto(m, whole, to, 0)
    at = 16
  }
  const length = to - from
  PAD[at] = aadLength, PAD[at + 1] = aadLength >>> 8, PAD[at + 2] = aadLength >>> 16, PAD[at + 3] = aadLength >>> 24
  PAD[at + 4] = PAD[at + 5] = PAD[at + 6] = PAD[at + 7] = 0
  PAD[at + 8] = length, PAD[at + 9] = length >>> 8, PAD[at + 10] = length >>> 16, PAD[at + 11] = length >>> 24
  PAD[at + 12] = PAD[at + 13] = PAD[at + 14] = PAD[at + 15] = 0
  polyBlocks(PAD, 0, at + 16)
}

/**
 * The tag, (h mod p) + s mod 2^128, into `out[at..at+16)`; s is the
 * one-time key's second half, `BLOCK[16..32)`. Straight-line: two carry
 * passes bring every limb below 2^13 (after `polyBlocks` only h1 may be
 * above; the second pass carries out of h9 only when the first left
 * h1..h9 all ones, and then h0 is small), then h - p is taken when h >= p.
 */
const polyFinish = (out: Uint8Array, at: number): void => {
  let h0 = H[0]!, h1 = H[1]!, h2 = H[2]!, h3 = H[3]!, h4 = H[4]!, h5 = H[5]!, h6 = H[6]!, h7 = H[7]!, h8 = H[8]!, h9 = H[9]!
  let c: number
  for (let pass = 0; pass < 2; pass++) {
    c = h0 >>> 13, h0 &= 0x1fff
    h1 += c, c = h1 >>> 13, h1 &= 0x1fff
    h2 += c, c = h2 >>> 13, h2 &= 0x1fff
    h3 += c, c = h3 >>> 13, h3 &= 0x1fff
    h4 += c, c = h4 >>> 13, h4 &= 0x1fff
    h5 += c, c = h5 >>> 13, h5 &= 0x1fff
    h6 += c, c = h6 >>> 13, h6 &= 0x1fff
    h7 += c, c = h7 >>> 13, h7 &= 0x1fff
    h8 += c, c = h8 >>> 13, h8 &= 0x1fff
    h9 += c, c = h9 >>> 13, h9 &= 0x1fff
    h0 += 5 * c
  }
  // g = h + 5 - 2^130: when adding 5 carries out of bit 130, h >= p and g is h mod p.
  let g0 = h0 + 5
  c = g0 >>> 13, g0 &= 0x1fff
  let g1 = h1 + c
  c = g1 >>> 13, g1 &= 0x1fff
  let g2 = h2 + c
  c = g2 >>> 13, g2 &= 0x1fff
  let g3 = h3 + c
  c = g3 >>> 13, g3 &= 0x1fff
  let g4 = h4 + c
  c = g4 >>> 13, g4 &= 0x1fff
  let g5 = h5 + c
  c = g5 >>> 13, g5 &= 0x1fff
  let g6 = h6 + c
  c = g6 >>> 13, g6 &= 0x1fff
  let g7 = h7 + c
  c = g7 >>> 13, g7 &= 0x1fff
  let g8 = h8 + c
  c = g8 >>> 13, g8 &= 0x1fff
  let g9 = h9 + c
  c = g9 >>> 13, g9 &= 0x1fff
  // Select without a branch on the value: all ones when h >= p.
  const useG = -c, useH = ~useG
  h0 = (g0 & useG) | (h0 & useH), h1 = (g1 & useG) | (h1 & useH), h2 = (g2 & useG) | (h2 & useH)
  h3 = (g3 & useG) | (h3 & useH), h4 = (g4 & useG) | (h4 & useH), h5 = (g5 & useG) | (h5 & useH)
  h6 = (g6 & useG) | (h6 & useH), h7 = (g7 & useG) | (h7 & useH), h8 = (g8 & useG) | (h8 & useH)
  h9 = (g9 & useG) | (h9 & useH)
  // h mod 2^128 as eight 16-bit words (limb i holds bits 13i .. 13i+12), plus s with carry.
  const b = BLOCK
  let sum = ((h0 | (h1 << 13)) & 0xffff) + (b[16]! | (b[17]! << 8))
  out[at] = sum, out[at + 1] = sum >>> 8
  sum = (sum >>> 16) + (((h1 >>> 3) | (h2 << 10)) & 0xffff) + (b[18]! | (b[19]! << 8))
  out[at + 2] = sum, out[at + 3] = sum >>> 8
  sum = (sum >>> 16) + (((h2 >>> 6) | (h3 << 7)) & 0xffff) + (b[20]! | (b[21]! << 8))
  out[at + 4] = sum, out[at + 5] = sum >>> 8
  sum = (sum >>> 16) + (((h3 >>> 9) | (h4 << 4)) & 0xffff) + (b[22]! | (b[23]! << 8))
  out[at + 6] = sum, out[at + 7] = sum >>> 8
  sum = (sum >>> 16) + (((h4 >>> 12) | (h5 << 1) | (h6 << 14)) & 0xffff) + (b[24]! | (b[25]! << 8))
  out[at + 8] = sum, out[at + 9] = sum >>> 8
  sum = (sum >>> 16) + (((h6 >>> 2) | (h7 << 11)) & 0xffff) + (b[26]! | (b[27]! << 8))
  out[at + 10] = sum, out[at + 11] = sum >>> 8
  sum = (sum >>> 16) + (((h7 >>> 5) | (h8 << 8)) & 0xffff) + (b[28]! | (b[29]! << 8))
  out[at + 12] = sum, out[at + 13] = sum >>> 8
  sum = (sum >>> 16) + (((h8 >>> 8) | (h9 << 5)) & 0xffff) + (b[30]! | (b[31]! << 8))
  out[at + 14] = sum, out[at + 15] = sum >>> 8
}

/**
 * Forward secrecy, as `fschacha.ts` wipes a replaced key: nothing of a key
 * or its keystream (the one-time Poly1305 key included) stays in the shared
 * scratch after a call.
 */
const wipe = (): void => {
  // Loops: at these sizes a \`fill\` call costs more than the stores.
  for (let i = 0; i < 8; i++) KEY[i] = 0
  for (let i = 0; i < 16; i++) BLOCK_WORDS[i] = 0
  for (let i = 0; i < 10; i++) R[i] = 0
}

/**
 * Computes the tag of `aad` and `ciphertext[from..to)` into `out[at..]` for
 * the loaded key and nonce. `BLOCK` holds the one-time key (block 0)
 * until the tag is written: the caller draws keystream before or after.
 */
const tagInto = (aad: Uint8Array, ciphertext: Uint8Array, from: number, to: number, out: Uint8Array, at: number): void => {
  chachaBlock(0)
  polyInit()
  if (aad.length > 0) polyPadded(aad, 0, aad.length)
  polyCiphertextAndLengths(ciphertext, from, to, aad.length)
  polyFinish(out, at)
}

/**
 * Poly1305 of a message of whole 16-byte blocks under a 32-byte one-time
 * key, as the AEAD computes it; exposed to test the arithmetic on its own
 * (RFC 8439's edge vectors). @internal
 */
export const poly1305Blocks = (key: Uint8Array, message: Uint8Array): Uint8Array => {
  if (key.length !== 32 || message.length % 16 !== 0) throw new RangeError("poly1305Blocks: 32-byte key, whole blocks")
  BLOCK.set(key)
  polyInit()
  polyBlocks(message, 0, message.length)
  const tag = new Uint8Array(TAG_SIZE)
  polyFinish(tag, 0)
  wipe()
  return tag
}

const TAG = new Uint8Array(TAG_SIZE)

/** `dst.set(src, at)`, by a loop for a few bytes (a ping's 8), where the call costs more than the copy. */
const copyInto = (src: Uint8Array, dst: Uint8Array, at: number): void => {
  const n = src.length
  if (n > 32) dst.set(src, at)
  else for (let i = 0; i < n; i++) dst[at + i] = src[i]!
}

/**
 * ChaCha20-Poly1305 seal of `head || body`: `room` bytes left for the
 * caller, then ciphertext, then tag.
 * @internal
 */
export const seal = (
  key: Uint8Array,
  nonce: Uint8Array,
  aad: Uint8Array,
  head: Uint8Array,
  body: Uint8Array,
  room: number
): Uint8Array => {
  loadKey(key, nonce)
  const headSize = head.length
  const size = headSize + body.length
  const out = allocUnsafe(room + size + TAG_SIZE)
  // Copied in, then encrypted in place: the body continues the keystream where the head stopped,
  // which need not be a block boundary. The head is a byte or a few (header, message type).
  for (let i = 0; i < headSize; i++) out[room + i] = head[i]!
  copyInto(body, out, room + headSize)
  xorStream(out, room, out, room, size, 1)
  tagInto(aad, out, room, room + size, out, room + size)
  wipe()
  return out
}

/**
 * ChaCha20-Poly1305 open of ciphertext-then-tag in `sealed[from..to)`: the
 * plaintext, or `undefined` when the tag does not authenticate (nothing is
 * decrypted then).
 * @internal
 */
export const open = (
  key: Uint8Array,
  nonce: Uint8Array,
  aad: Uint8Array,
  sealed: Uint8Array,
  from = 0,
  to = sealed.length
): Uint8Array | undefined => {
  const end = to - TAG_SIZE
  if (end < from) return undefined
  loadKey(key, nonce)
  tagInto(aad, sealed, from, end, TAG, 0)
  let diff = 0
  for (let i = 0; i < TAG_SIZE; i++) diff |= TAG[i]! ^ sealed[end + i]!
  if (diff !== 0) {
    wipe()
    return undefined
  }
  const plaintext = allocUnsafe(end - from)
  xorStream(sealed, from, plaintext, 0, end - from, 1)
  wipe()
  return plaintext
}

/** `length` bytes of ChaCha20 keystream from block `counter` (RFC 8439 §2.4 with zero plaintext). @internal */
export const keystream = (key: Uint8Array, nonce: Uint8Array, counter: number, length: number): Uint8Array => {
  loadKey(key, nonce)
  const out = new Uint8Array(length)
  xorStream(out, 0, out, 0, length, counter)
  wipe()
  return out
}
