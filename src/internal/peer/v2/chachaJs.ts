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
 * (`cipher.ts` picks the path by size): from somewhere between 640 and
 * 1,024 bytes on (measured on the development machine), OpenSSL's
 * vectorised ChaCha20 wins.
 *
 * Poly1305 works on 6 limbs of 22 bits (132 bits; 2^132 = 20 mod p): a
 * limb of h (below 2^23 once a block is added) times 20 times a limb of r
 * (below 2^22) is below 2^50, and a sum of six such products below 2^53, so
 * JavaScript numbers hold every product and sum exactly: 36 multiplications
 * a block.
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

const R = new Float64Array(6)
const H = new Float64Array(6)
/** A last partial block of the AAD or ciphertext, zero-padded, and the lengths block after it. */
const PAD = new Uint8Array(32)

/** 2^22: limb radix. */
const LIMB = 0x400000
const LIMB_MASK = 0x3fffff

/** Takes r (clamped) from the one-time key in `BLOCK[0..16)` and clears the accumulator. */
const polyInit = (): void => {
  // Clamp (RFC 8439 §2.5): the top 4 bits of bytes 3, 7, 11, 15 and the low 2 bits of 4, 8, 12 cleared.
  const w0 = u32le(BLOCK, 0) & 0x0fffffff
  const w1 = u32le(BLOCK, 4) & 0x0ffffffc
  const w2 = u32le(BLOCK, 8) & 0x0ffffffc
  const w3 = u32le(BLOCK, 12) & 0x0ffffffc
  // Bits 22i .. 22i+21 of r, from its four 32-bit words (r < 2^124: the top limb has 14 bits).
  R[0] = w0 & LIMB_MASK
  R[1] = ((w0 >>> 22) | (w1 << 10)) & LIMB_MASK
  R[2] = ((w1 >>> 12) | (w2 << 20)) & LIMB_MASK
  R[3] = (w2 >>> 2) & LIMB_MASK
  R[4] = ((w2 >>> 24) | (w3 << 8)) & LIMB_MASK
  R[5] = w3 >>> 14
  for (let i = 0; i < 6; i++) H[i] = 0
}

/** h = (h + m) * r mod 2^130 - 5 (kept below 2^132, not fully reduced) for each whole 16-byte block of `m[from..to)`. */
const polyBlocks = (m: Uint8Array, from: number, to: number): void => {
  const r0 = R[0]!, r1 = R[1]!, r2 = R[2]!, r3 = R[3]!, r4 = R[4]!, r5 = R[5]!
  // 2^132 = 4 * 2^130 = 20 (mod p): a product that lands at limb 6 + i counts 20 times at limb i.
  const s1 = 20 * r1, s2 = 20 * r2, s3 = 20 * r3, s4 = 20 * r4, s5 = 20 * r5
  let h0 = H[0]!, h1 = H[1]!, h2 = H[2]!, h3 = H[3]!, h4 = H[4]!, h5 = H[5]!
  for (let o = from; o < to; o += 16) {
    const w0 = m[o]! | (m[o + 1]! << 8) | (m[o + 2]! << 16) | (m[o + 3]! << 24)
    const w1 = m[o + 4]! | (m[o + 5]! << 8) | (m[o + 6]! << 16) | (m[o + 7]! << 24)
    const w2 = m[o + 8]! | (m[o + 9]! << 8) | (m[o + 10]! << 16) | (m[o + 11]! << 24)
    const w3 = m[o + 12]! | (m[o + 13]! << 8) | (m[o + 14]! << 16) | (m[o + 15]! << 24)
    h0 += w0 & LIMB_MASK
    h1 += ((w0 >>> 22) | (w1 << 10)) & LIMB_MASK
    h2 += ((w1 >>> 12) | (w2 << 20)) & LIMB_MASK
    h3 += (w2 >>> 2) & LIMB_MASK
    h4 += ((w2 >>> 24) | (w3 << 8)) & LIMB_MASK
    h5 += (w3 >>> 14) | (1 << 18) // the 2^128 bit
    // Limbs of h below 2^23 + 2^13, of 20r below 2^27: each sum of six products is below 2^53, exact.
    const d0 = h0 * r0 + h1 * s5 + h2 * s4 + h3 * s3 + h4 * s2 + h5 * s1
    let d1 = h0 * r1 + h1 * r0 + h2 * s5 + h3 * s4 + h4 * s3 + h5 * s2
    let d2 = h0 * r2 + h1 * r1 + h2 * r0 + h3 * s5 + h4 * s4 + h5 * s3
    let d3 = h0 * r3 + h1 * r2 + h2 * r1 + h3 * r0 + h4 * s5 + h5 * s4
    let d4 = h0 * r4 + h1 * r3 + h2 * r2 + h3 * r1 + h4 * r0 + h5 * s5
    let d5 = h0 * r5 + h1 * r4 + h2 * r3 + h3 * r2 + h4 * r1 + h5 * r0
    // Carry (the sums exceed 32 bits: floor division, not shifts), the top carry folded back times 20.
    let c = Math.floor(d0 / LIMB)
    h0 = d0 - c * LIMB
    d1 += c, c = Math.floor(d1 / LIMB), h1 = d1 - c * LIMB
    d2 += c, c = Math.floor(d2 / LIMB), h2 = d2 - c * LIMB
    d3 += c, c = Math.floor(d3 / LIMB), h3 = d3 - c * LIMB
    d4 += c, c = Math.floor(d4 / LIMB), h4 = d4 - c * LIMB
    d5 += c, c = Math.floor(d5 / LIMB), h5 = d5 - c * LIMB
    h0 += 20 * c
    c = Math.floor(h0 / LIMB)
    h0 -= c * LIMB
    h1 += c
  }
  H[0] = h0, H[1] = h1, H[2] = h2, H[3] = h3, H[4] = h4, H[5] = h5
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
 * passes, each folding the bits from 2^130 up back in times 5, bring h
 * below 2^130 with limbs of 22 bits (20 in the top one): the first leaves
 * h1..h5 in range and h0 small past it, the second carries past the top
 * only when the first left h1..h5 all ones, and then h0 is tiny. Then
 * h - p is taken when h >= p.
 */
const polyFinish = (out: Uint8Array, at: number): void => {
  let h0 = H[0]!, h1 = H[1]!, h2 = H[2]!, h3 = H[3]!, h4 = H[4]!, h5 = H[5]!
  let c: number
  for (let pass = 0; pass < 2; pass++) {
    c = h0 >>> 22, h0 &= LIMB_MASK
    h1 += c, c = h1 >>> 22, h1 &= LIMB_MASK
    h2 += c, c = h2 >>> 22, h2 &= LIMB_MASK
    h3 += c, c = h3 >>> 22, h3 &= LIMB_MASK
    h4 += c, c = h4 >>> 22, h4 &= LIMB_MASK
    h5 += c, c = h5 >>> 20, h5 &= 0xfffff
    h0 += 5 * c
  }
  // g = h + 5 - 2^130: when adding 5 carries out of bit 130, h >= p and g is h mod p.
  let g0 = h0 + 5
  c = g0 >>> 22, g0 &= LIMB_MASK
  let g1 = h1 + c
  c = g1 >>> 22, g1 &= LIMB_MASK
  let g2 = h2 + c
  c = g2 >>> 22, g2 &= LIMB_MASK
  let g3 = h3 + c
  c = g3 >>> 22, g3 &= LIMB_MASK
  let g4 = h4 + c
  c = g4 >>> 22, g4 &= LIMB_MASK
  let g5 = h5 + c
  c = g5 >>> 20, g5 &= 0xfffff
  // Select without a branch on the value: all ones when h >= p.
  const useG = -c, useH = ~useG
  h0 = (g0 & useG) | (h0 & useH), h1 = (g1 & useG) | (h1 & useH), h2 = (g2 & useG) | (h2 & useH)
  h3 = (g3 & useG) | (h3 & useH), h4 = (g4 & useG) | (h4 & useH), h5 = (g5 & useG) | (h5 & useH)
  // h mod 2^128 as four 32-bit words (limb i holds bits 22i .. 22i+21), plus s with carry.
  let sum = ((h0 | (h1 << 22)) >>> 0) + u32le(BLOCK, 16)
  writeU32le(out, at, sum)
  sum = Math.floor(sum / 0x1_0000_0000) + (((h1 >>> 10) | (h2 << 12)) >>> 0) + u32le(BLOCK, 20)
  writeU32le(out, at + 4, sum)
  sum = Math.floor(sum / 0x1_0000_0000) + (((h2 >>> 20) | (h3 << 2) | (h4 << 24)) >>> 0) + u32le(BLOCK, 24)
  writeU32le(out, at + 8, sum)
  sum = Math.floor(sum / 0x1_0000_0000) + (((h4 >>> 8) | (h5 << 14)) >>> 0) + u32le(BLOCK, 28)
  writeU32le(out, at + 12, sum)
}

/** The low 32 bits of `n` (below 2^53), little-endian, at `out[at..at+4)`. */
const writeU32le = (out: Uint8Array, at: number, n: number): void => {
  out[at] = n
  out[at + 1] = n >>> 8
  out[at + 2] = n >>> 16
  out[at + 3] = n >>> 24
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
  for (let i = 0; i < 6; i++) R[i] = 0
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
  // Out of range: refused, as a view of the range would be cut short by the other suites.
  if (from < 0 || to > sealed.length || end < from) return undefined
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
