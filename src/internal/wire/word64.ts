/**
 * 64-bit integers to and from bytes through one 8-byte scratch seen both as
 * two 32-bit words and as one 64-bit integer: the bytes are moved as two
 * int32 (assembled or split with shifts, as every 32-bit field is) and the
 * `bigint` is read or written whole by the typed array. No `DataView` is
 * needed, so none is looked up or made per reader or per slab: on Node 20 a
 * `u64` through a `DataView` found in a `WeakMap` by the input's buffer
 * measured ~95 ns, through this scratch ~30 ns (a `ping` is one such read).
 *
 * The typed arrays use the platform's byte order: which of the two words
 * is the low one is found once (the low word comes first everywhere Node,
 * browsers, Deno and Bun run, but nothing here depends on it).
 *
 * Not reentrant (module-level scratch), which is fine: nothing here yields.
 *
 * @internal
 */

const scratch = new ArrayBuffer(8)
const words = new Int32Array(scratch)
const unsigned = new BigUint64Array(scratch)
const signed = new BigInt64Array(scratch)

/** Where the low and the high 32 bits of the 64-bit integer sit in `words`. */
const LO = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1 ? 0 : 1
const HI = 1 - LO

const loadWords = (b: Uint8Array, o: number): void => {
  words[LO] = b[o]! | (b[o + 1]! << 8) | (b[o + 2]! << 16) | (b[o + 3]! << 24)
  words[HI] = b[o + 4]! | (b[o + 5]! << 8) | (b[o + 6]! << 16) | (b[o + 7]! << 24)
}

const storeWords = (b: Uint8Array, o: number): void => {
  const lo = words[LO]!
  const hi = words[HI]!
  b[o] = lo
  b[o + 1] = lo >>> 8
  b[o + 2] = lo >>> 16
  b[o + 3] = lo >>> 24
  b[o + 4] = hi
  b[o + 5] = hi >>> 8
  b[o + 6] = hi >>> 16
  b[o + 7] = hi >>> 24
}

/** The unsigned little-endian 64-bit integer at `b[o, o + 8)` (bounds checked by the caller). @internal */
export const readU64 = (b: Uint8Array, o: number): bigint => {
  loadWords(b, o)
  return unsigned[0]!
}

/** The signed little-endian 64-bit integer at `b[o, o + 8)`. @internal */
export const readI64 = (b: Uint8Array, o: number): bigint => {
  loadWords(b, o)
  return signed[0]!
}

/**
 * Stores `v` modulo 2^64 (as `setBigUint64` and `BigInt.asUintN(64, v)` do)
 * at `b[o, o + 8)`, little-endian. A signed value stores the same bytes.
 *
 * @internal
 */
export const writeU64 = (b: Uint8Array, o: number, v: bigint): void => {
  // The typed array reduces modulo 2^64 on store, for negative values too.
  unsigned[0] = v
  storeWords(b, o)
}
