/**
 * The frame checksum as one int32, and the hashing paths it shares with
 * `wire/Hash.ts`: the runtime's `node:crypto` (reached through
 * `process.getBuiltinModule`, so nothing here imports Node), the WebAssembly
 * SHA-256 (`Sha256Wasm.ts`), and the JS one (`Sha256.ts`) where WebAssembly
 * is missing. The frame codec checks and writes checksums with
 * `checksumWord` and `checksumWordFrom`: no digest array per frame.
 *
 * With `node:crypto`, inputs of `SMALL_INPUT` bytes or more take one native
 * call for the first pass, asked for as a UTF-16 string (`"utf16le"`: two
 * bytes per char, half the chars of latin1 to read back): a `Buffer` result
 * costs ~0.7 µs more per call than the hashing of a small input. The second
 * pass always hashes exactly 32 bytes (one block with constant padding), so
 * it runs in WebAssembly (or JS) straight from that string.
 *
 * @internal
 */
import { sha256 as nobleSha256 } from "@noble/hashes/sha2.js"
import * as Sha256 from "./Sha256.js"
import { wasmSha256 } from "./Sha256Wasm.js"
import { builtinModule } from "./builtin.js"

export type NodeCrypto = {
  readonly hash?: {
    (alg: string, data: Uint8Array, enc: "buffer"): Uint8Array
    (alg: string, data: Uint8Array, enc: "utf16le"): string
  }
  readonly createHash: (alg: string) => {
    update(d: Uint8Array): { digest(): Uint8Array; digest(enc: "utf16le"): string }
  }
}

/** `node:crypto` when the runtime has it. */
export const nodeCrypto: NodeCrypto | undefined = builtinModule<NodeCrypto>("node:crypto")

/**
 * Inputs shorter than this (one block once padded) are hashed without
 * `node:crypto`: there both passes in WebAssembly tie with the native first
 * pass plus the second in WebAssembly (~0.6 µs each on Node 20), and keeping
 * them out of `node:crypto` spares a view of a small frame (see
 * `Sha256.sha256dWordOfRange`). From two blocks on the native first pass
 * wins, by more with every block (it has SHA-NI here).
 */
export const SMALL_INPUT = 56

/**
 * Where there is no `node:crypto`, inputs shorter than this (at most two
 * padded blocks) go to our own SHA-256 and longer ones to noble (the JS
 * SHA-256 and noble tie at three blocks).
 */
const PORTABLE_SMALL_INPUT = 120

/** SHA-256("abc") (FIPS 180-2, appendix B.1), to check the UTF-16 output before relying on it. */
const ABC_SHA256 = "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"

/** The bytes of a digest given as UTF-16 (little-endian code units), in hex. */
const utf16Hex = (s: string): string => {
  let hex = ""
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i)
    hex += (c & 0xff).toString(16).padStart(2, "0") + (c >>> 8).toString(16).padStart(2, "0")
  }
  return hex
}

/**
 * The native first pass (SHA-256 once) as a UTF-16 string, when `node:crypto`
 * is there and gives the right answer that way (other runtimes' `node:crypto`
 * might not know the encoding); `undefined` otherwise.
 */
export const nativeFirstPass: ((data: Uint8Array) => string) | undefined = (() => {
  if (nodeCrypto === undefined) return undefined
  const oneShot = nodeCrypto.hash
  const createHash = nodeCrypto.createHash
  // One-shot `crypto.hash` (Node >= 20.12) avoids the Hash object: ~1.8x faster on small inputs.
  const first: (data: Uint8Array) => string = oneShot !== undefined
    ? (data) => oneShot("sha256", data, "utf16le")
    : (data) => createHash("sha256").update(data).digest("utf16le")
  try {
    return utf16Hex(first(Uint8Array.of(0x61, 0x62, 0x63))) === ABC_SHA256 ? first : undefined
  } catch {
    return undefined
  }
})()

/** The second pass from a UTF-16 first-pass digest, to 32 bytes and to the checksum word. */
export const secondPassOfUtf16: (first: string) => Uint8Array = wasmSha256?.secondPassOfUtf16 ?? Sha256.sha256OfUtf16Digest
const secondPassWordOfUtf16: (first: string) => number = wasmSha256?.secondPassWordOfUtf16 ??
  Sha256.sha256OfUtf16DigestWord

const wordOf = (digest: Uint8Array): number => (digest[0]! << 24) | (digest[1]! << 16) | (digest[2]! << 8) | digest[3]!

const view = (data: Uint8Array, start: number, end: number): Uint8Array =>
  start === 0 && end === data.length ? data : new Uint8Array(data.buffer, data.byteOffset + start, end - start)

/** The small-input double hash: WebAssembly, or the JS SHA-256 where WebAssembly is missing. */
const smallSha256d: (data: Uint8Array) => Uint8Array = wasmSha256?.sha256d ?? Sha256.sha256d
const smallWordOfRange: (data: Uint8Array, start: number, end: number) => number = wasmSha256?.sha256dWordOfRange ??
  Sha256.sha256dWordOfRange

/**
 * `sha256d` without `node:crypto`: our own SHA-256 (WebAssembly, else JS) for
 * inputs under `PORTABLE_SMALL_INPUT` bytes, where a library call costs more than
 * the hashing, and `@noble/hashes`, the stack's portable path, for the rest.
 */
export const portableSha256d = (data: Uint8Array): Uint8Array =>
  data.length < PORTABLE_SMALL_INPUT ? smallSha256d(data) : nobleSha256(nobleSha256(data))

/** The checksum word of `data[start, end)` without `node:crypto` (as `portableSha256d`). */
const portableWordOfRange = (data: Uint8Array, start: number, end: number): number =>
  end - start < PORTABLE_SMALL_INPUT
    ? smallWordOfRange(data, start, end)
    : wordOf(nobleSha256(nobleSha256(view(data, start, end))))

/**
 * The frame checksum (the first four bytes of `sha256d(payload)`) as one
 * big-endian int32, by the same paths as `Hash.sha256d` where `node:crypto`
 * returns UTF-16 (everywhere Node runs; where it cannot, this takes the
 * portable path and `Hash.sha256d` native's `Buffer`), allocating nothing but
 * the native hasher's result string.
 */
export const checksumWord = (payload: Uint8Array): number => checksumWordFrom(payload, 0)

/**
 * `checksumWord` of the payload that fills `frame` from `start` on: no view
 * of a small payload is made (see `Sha256.sha256dWordOfRange`).
 */
export const checksumWordFrom = (frame: Uint8Array, start: number): number =>
  frame.length - start < SMALL_INPUT || nativeFirstPass === undefined
    ? portableWordOfRange(frame, start, frame.length)
    : secondPassWordOfUtf16(nativeFirstPass(view(frame, start, frame.length)))
