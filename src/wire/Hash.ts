/**
 * Double SHA-256 and the 32-byte hashes built from it (block hashes, txids,
 * frame checksums).
 *
 * Three implementations sit behind one interface: `@noble/hashes` (portable,
 * runs anywhere), a small WebAssembly SHA-256 of our own (anywhere
 * `WebAssembly` compiles synchronously), and Node's native OpenSSL binding
 * (SHA-NI where the CPU has it; about 12x noble on large payloads). The
 * default is native when `process.getBuiltinModule("node:crypto")` is
 * available, else noble, so browsers and other runtimes fall back without a
 * bundler shim.
 *
 * The checksum is most of the cost of decoding a small message, and for
 * small inputs the fixed cost of a call into OpenSSL dominates. So `sha256d`
 * hashes inputs under `SMALL_INPUT` bytes (one padded block) in
 * WebAssembly, and the native hasher runs only the first pass natively,
 * taking its digest as a UTF-16 string (a `Buffer` result costs more than
 * the hashing): the second pass always hashes exactly 32 bytes, one block,
 * cheaper in WebAssembly than another native call.
 *
 * Hashes are stored in internal byte order (as on the wire); Bitcoin displays
 * them byte-reversed, which is what `toHex` / `fromHex` do.
 *
 * @since 0.1.0
 */
import { sha256 as nobleSha256 } from "@noble/hashes/sha2.js"
import {
  nativeFirstPass,
  type NodeCrypto,
  nodeCrypto,
  portableSha256d,
  secondPassOfUtf16,
  SMALL_INPUT
} from "../internal/wire/checksum.js"
import * as Sha256 from "../internal/wire/Sha256.js"
import { wasmSha256 } from "../internal/wire/Sha256Wasm.js"

/**
 * A double SHA-256 implementation.
 *
 * @since 0.1.0
 * @category models
 */
export interface Hasher {
  readonly name: string
  /** SHA-256 applied twice; returns 32 bytes. */
  readonly sha256d: (data: Uint8Array) => Uint8Array
}

/**
 * The portable implementation (`@noble/hashes`).
 *
 * @since 0.1.0
 * @category utils
 */
export const nobleHasher: Hasher = {
  name: "noble",
  sha256d: (data) => nobleSha256(nobleSha256(data))
}

const makeNativeHasher = (crypto: NodeCrypto): Hasher => {
  const oneShot = crypto.hash
  const name = oneShot !== undefined ? "node:crypto.hash" : "node:crypto.createHash"
  // The second pass hands out a plain `Uint8Array` (not a `Buffer`), like noble, so results compare equal.
  const first = nativeFirstPass
  if (first !== undefined) return { name, sha256d: (data) => secondPassOfUtf16(first(data)) }
  // A `node:crypto` that cannot return UTF-16: take its `Buffer`, and the second pass in JS.
  if (oneShot !== undefined) return { name, sha256d: (data) => Sha256.sha256OfDigest(oneShot("sha256", data, "buffer")) }
  return { name, sha256d: (data) => Sha256.sha256OfDigest(crypto.createHash("sha256").update(data).digest()) }
}

/**
 * The native implementation, when the runtime has one.
 *
 * @since 0.1.0
 * @category utils
 */
export const nativeHasher: Hasher | undefined = nodeCrypto === undefined ? undefined : makeNativeHasher(nodeCrypto)

/**
 * The WebAssembly implementation, when the runtime can compile it
 * synchronously (not on a browser's main thread, which caps that at 4 KiB).
 *
 * @since 0.3.0
 * @category utils
 */
export const wasmHasher: Hasher | undefined = wasmSha256 === undefined
  ? undefined
  : { name: "wasm", sha256d: wasmSha256.sha256d }

/**
 * The implementation in use: native when available, else noble (the portable
 * path; `wasmHasher` is there for who wants it).
 *
 * @since 0.1.0
 * @category utils
 */
export const defaultHasher: Hasher = nativeHasher ?? nobleHasher

const nativeSha256d = nativeHasher?.sha256d

/**
 * Double SHA-256: below `SMALL_INPUT` bytes (one padded block) without a
 * native call, by the default hasher otherwise.
 *
 * @since 0.1.0
 * @category utils
 */
export const sha256d = (data: Uint8Array): Uint8Array =>
  data.length < SMALL_INPUT || nativeSha256d === undefined ? portableSha256d(data) : nativeSha256d(data)

/**
 * The 4-byte frame checksum: the first four bytes of `sha256d(payload)`.
 *
 * @since 0.1.0
 * @category utils
 */
export const checksum = (payload: Uint8Array): Uint8Array => sha256d(payload).subarray(0, 4)

const HEX = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, "0"))

/**
 * Display form of a hash: byte-reversed hex, as Bitcoin prints block hashes and txids.
 *
 * @since 0.1.0
 * @category encoding
 */
export const toHex = (hash: Uint8Array): string => {
  let s = ""
  for (let i = hash.length - 1; i >= 0; i--) s += HEX[hash[i]!]
  return s
}

/**
 * Parses the display form (byte-reversed hex) back into internal byte order.
 *
 * @since 0.1.0
 * @category constructors
 */
export const fromHex = (hex: string): Uint8Array => {
  const raw = bytesFromHex(hex)
  return raw.reverse()
}

/**
 * Plain hex (no reversal) to bytes. Throws on odd length or non-hex characters.
 *
 * @since 0.1.0
 * @category utils
 */
export const bytesFromHex = (hex: string): Uint8Array => {
  const clean = hex.replace(/\s+/g, "")
  if (clean.length % 2 !== 0 || !/^[0-9a-fA-F]*$/.test(clean)) throw new Error(`invalid hex: ${hex.slice(0, 32)}`)
  const out = new Uint8Array(clean.length / 2)
  for (let i = 0; i < out.length; i++) out[i] = parseInt(clean.slice(i * 2, i * 2 + 2), 16)
  return out
}

/**
 * Bytes to plain hex (no reversal).
 *
 * @since 0.1.0
 * @category utils
 */
export const bytesToHex = (bytes: Uint8Array): string => {
  let s = ""
  for (let i = 0; i < bytes.length; i++) s += HEX[bytes[i]!]
  return s
}

/**
 * Byte-wise equality of two hashes (or any byte arrays).
 *
 * @since 0.1.0
 * @category predicates
 */
export const equals = (a: Uint8Array, b: Uint8Array): boolean => {
  if (a.length !== b.length) return false
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false
  return true
}

/**
 * The all-zero hash (used as "no stop hash" in getblocks / getheaders).
 *
 * @since 0.1.0
 * @category constants
 */
export const ZERO: Uint8Array = new Uint8Array(32)
