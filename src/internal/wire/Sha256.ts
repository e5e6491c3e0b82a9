/**
 * A small, allocation-free SHA-256 (FIPS 180-4) for the inputs where calling
 * into a library costs more than the hashing itself: frame checksums of small
 * messages (verack, ping, version, feefilter, …) and the fixed 32-byte second
 * pass of every double SHA-256. One 64-byte block costs ~0.3 µs here; one
 * call into `node:crypto` costs ~1 µs before it hashes anything, and
 * `@noble/hashes` allocates a hasher per call. Large inputs still go to the
 * native binding (see `Hash.ts`).
 *
 * Not reentrant (module-level scratch state), which is fine: JavaScript runs
 * one call at a time and nothing here yields.
 *
 * @internal
 */

// Round constants: the first 32 bits of the fractional parts of the cube roots of the first 64 primes.
// prettier-ignore
const K = Int32Array.from([
  0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
  0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
  0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
  0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
  0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
  0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
  0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
  0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2
])

// Initial hash value: the first 32 bits of the fractional parts of the square roots of the first 8 primes.
const IV = Int32Array.from([0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19])

/** Message schedule; W[0..15] is the block being compressed. */
const W = new Int32Array(64)
/** Chaining state. */
const S = new Int32Array(8)
/** The padded last one or two blocks of the message. */
const TAIL = new Uint8Array(128)

/** Compresses the block in W[0..15] into S. All arithmetic is int32, wrapping with `| 0`. */
const compress = (): void => {
  for (let i = 16; i < 64; i++) {
    const w15 = W[i - 15]!
    const w2 = W[i - 2]!
    const s0 = ((w15 >>> 7) | (w15 << 25)) ^ ((w15 >>> 18) | (w15 << 14)) ^ (w15 >>> 3)
    const s1 = ((w2 >>> 17) | (w2 << 15)) ^ ((w2 >>> 19) | (w2 << 13)) ^ (w2 >>> 10)
    W[i] = (s1 + W[i - 7]! + s0 + W[i - 16]!) | 0
  }
  let a = S[0]!, b = S[1]!, c = S[2]!, d = S[3]!, e = S[4]!, f = S[5]!, g = S[6]!, h = S[7]!
  for (let i = 0; i < 64; i++) {
    const sigma1 = ((e >>> 6) | (e << 26)) ^ ((e >>> 11) | (e << 21)) ^ ((e >>> 25) | (e << 7))
    const t1 = (h + sigma1 + ((e & f) ^ (~e & g)) + K[i]! + W[i]!) | 0
    const sigma0 = ((a >>> 2) | (a << 30)) ^ ((a >>> 13) | (a << 19)) ^ ((a >>> 22) | (a << 10))
    const t2 = (sigma0 + ((a & b) ^ (a & c) ^ (b & c))) | 0
    h = g
    g = f
    f = e
    e = (d + t1) | 0
    d = c
    c = b
    b = a
    a = (t1 + t2) | 0
  }
  S[0] = (S[0]! + a) | 0
  S[1] = (S[1]! + b) | 0
  S[2] = (S[2]! + c) | 0
  S[3] = (S[3]! + d) | 0
  S[4] = (S[4]! + e) | 0
  S[5] = (S[5]! + f) | 0
  S[6] = (S[6]! + g) | 0
  S[7] = (S[7]! + h) | 0
}

/** Loads the big-endian words of `src[off, off + 64)` into W and compresses them. */
const block = (src: Uint8Array, off: number): void => {
  for (let i = 0; i < 16; i++, off += 4) W[i] = (src[off]! << 24) | (src[off + 1]! << 16) | (src[off + 2]! << 8) | src[off + 3]!
  compress()
}

/** SHA-256 of `data[start, end)` into S (a range, so a caller never needs a view: see `sha256dWordOfRange`). */
const hashInto = (data: Uint8Array, start = 0, end = data.length): void => {
  S.set(IV)
  const n = end - start
  const whole = n - (n & 63)
  for (let off = 0; off < whole; off += 64) block(data, start + off)
  // Padding: 0x80, zeros, then the length in bits as a 64-bit big-endian integer.
  const rest = n - whole
  const tail = rest < 56 ? 64 : 128
  TAIL.fill(0)
  for (let i = 0; i < rest; i++) TAIL[i] = data[start + whole + i]!
  TAIL[rest] = 0x80
  putBitLength(TAIL, tail, n)
  block(TAIL, 0)
  if (tail === 128) block(TAIL, 64)
}

/**
 * SHA-256 of the 32-byte digest that S holds or that W[0..7] was loaded with:
 * exactly one block, whose padding is constant.
 */
const hashDigestInW = (): void => {
  W[8] = 0x8000_0000 | 0
  W.fill(0, 9, 15)
  W[15] = 256 // bit length of a 32-byte message
  S.set(IV)
  compress()
}

/**
 * The eight state words as a new 32-byte big-endian digest (shared by the JS
 * and WebAssembly paths).
 *
 * @internal
 */
export const digestOfState = (state: ArrayLike<number>): Uint8Array => {
  const out = new Uint8Array(32)
  for (let i = 0, o = 0; i < 8; i++, o += 4) {
    const w = state[i]!
    out[o] = w >>> 24
    out[o + 1] = w >>> 16
    out[o + 2] = w >>> 8
    out[o + 3] = w
  }
  return out
}

const digest = (): Uint8Array => digestOfState(S)

/** SHA-256 applied twice. Meant for small inputs (a few blocks). @internal */
export const sha256d = (data: Uint8Array): Uint8Array => {
  hashInto(data)
  W.set(S, 0)
  hashDigestInW()
  return digest()
}

/** SHA-256 of a 32-byte digest: the second pass of a double SHA-256 whose first pass ran elsewhere. @internal */
export const sha256OfDigest = (first: Uint8Array): Uint8Array => {
  for (let i = 0, o = 0; i < 8; i++, o += 4) W[i] = (first[o]! << 24) | (first[o + 1]! << 16) | (first[o + 2]! << 8) | first[o + 3]!
  hashDigestInW()
  return digest()
}

/**
 * The first four bytes of `sha256d(data)` as one big-endian int32 (a frame
 * checksum), with no digest array: checking or writing a checksum allocates
 * nothing. @internal
 */
export const sha256dWord = (data: Uint8Array): number => sha256dWordOfRange(data, 0, data.length)

/**
 * `sha256dWord` of `data[start, end)`. Hashing a range in place matters for
 * frames of up to 64 bytes: V8 keeps those arrays on its heap, and the
 * first read of their `.buffer` (which a view needs) moves them off it, at
 * a cost several times that of hashing them. @internal
 */
export const sha256dWordOfRange = (data: Uint8Array, start: number, end: number): number => {
  hashInto(data, start, end)
  W.set(S, 0)
  hashDigestInW()
  return S[0]!
}

/** `sha256dWord` when the first pass ran elsewhere: the first four bytes of SHA-256 of a 32-byte digest. @internal */
export const sha256OfDigestWord = (first: Uint8Array): number => {
  for (let i = 0, o = 0; i < 8; i++, o += 4) W[i] = (first[o]! << 24) | (first[o + 1]! << 16) | (first[o + 2]! << 8) | first[o + 3]!
  hashDigestInW()
  return S[0]!
}

/**
 * Loads `words[0..7]` from a 32-byte digest given as a UTF-16 string (16
 * little-endian code units, two bytes each, as `node:crypto` returns it for
 * `"utf16le"`), as big-endian words (shared by the JS and WebAssembly paths).
 * Half the `charCodeAt` calls of one char per byte (latin1): they were most
 * of the cost of reading the digest back.
 *
 * @internal
 */
export const loadUtf16Words = (words: Int32Array, first: string): void => {
  for (let i = 0, o = 0; i < 8; i++, o += 2) {
    const a = first.charCodeAt(o)
    const b = first.charCodeAt(o + 1)
    words[i] = ((a & 0xff) << 24) | ((a >>> 8) << 16) | ((b & 0xff) << 8) | (b >>> 8)
  }
}

/** `sha256OfDigest` of a digest given as a UTF-16 string. @internal */
export const sha256OfUtf16Digest = (first: string): Uint8Array => {
  loadUtf16Words(W, first)
  hashDigestInW()
  return digest()
}

/** `sha256OfDigestWord` of a digest given as a UTF-16 string. @internal */
export const sha256OfUtf16DigestWord = (first: string): number => {
  loadUtf16Words(W, first)
  hashDigestInW()
  return S[0]!
}

/**
 * Writes the padding's last 8 bytes, the message length in bits as a 64-bit
 * big-endian integer, ending at `end` (shared by the JS and WebAssembly paths).
 *
 * @internal
 */
export const putBitLength = (buf: Uint8Array, end: number, n: number): void => {
  const bits = n * 8 // exact: inputs are far below 2^50 bytes
  const hi = Math.floor(bits / 0x1_0000_0000)
  buf[end - 8] = hi >>> 24
  buf[end - 7] = hi >>> 16
  buf[end - 6] = hi >>> 8
  buf[end - 5] = hi
  buf[end - 4] = bits >>> 24
  buf[end - 3] = bits >>> 16
  buf[end - 2] = bits >>> 8
  buf[end - 1] = bits
}
