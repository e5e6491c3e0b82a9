/**
 * The frame checksum as one int32, and what it shares with `wire/Hash.ts`:
 * the runtime's `node:crypto` (reached through `process.getBuiltinModule`,
 * so nothing here imports Node) and the size under which hashing stays in
 * JavaScript. The frame codec checks and writes checksums with
 * `checksumWord` and `checksumWordFrom`: no digest array per frame.
 *
 * @internal
 */
import { sha256 as nobleSha256 } from "@noble/hashes/sha2.js"
import * as Sha256 from "./Sha256.js"
import { builtinModule } from "./builtin.js"

export type NodeCrypto = {
  readonly hash?: (alg: string, data: Uint8Array, enc: "buffer") => Uint8Array
  readonly createHash: (alg: string) => { update(d: Uint8Array): { digest(): Uint8Array } }
}

/** `node:crypto` when the runtime has it. */
export const nodeCrypto: NodeCrypto | undefined = builtinModule<NodeCrypto>("node:crypto")

/**
 * Inputs shorter than this (at most two blocks once padded) are hashed in JS
 * whatever the default hasher: there the JS double hash takes ~0.9-1.4 µs
 * against ~1.7 µs for a call into `node:crypto` plus the JS second pass
 * (measured on Node 20; they tie at three blocks, native wins from four).
 */
export const SMALL_INPUT = 120

/** The first four bytes of a double SHA-256 as one big-endian int32 (see `checksumWord`). */
type WordHasher = (data: Uint8Array) => number

const wordOf = (digest: Uint8Array): number => (digest[0]! << 24) | (digest[1]! << 16) | (digest[2]! << 8) | digest[3]!

/** The native first pass, then the second in JS straight to the checksum word: no digest array. */
const makeNativeWord = (crypto: NodeCrypto): WordHasher => {
  const oneShot = crypto.hash
  if (oneShot !== undefined) return (data) => Sha256.sha256OfDigestWord(oneShot("sha256", data, "buffer"))
  return (data) => Sha256.sha256OfDigestWord(crypto.createHash("sha256").update(data).digest())
}

const defaultWord: WordHasher =
  nodeCrypto !== undefined ? makeNativeWord(nodeCrypto) : (data) => wordOf(nobleSha256(nobleSha256(data)))

/**
 * The frame checksum (the first four bytes of `sha256d(payload)`) as one
 * big-endian int32, by the same paths as `Hash.sha256d` (JS under `SMALL_INPUT`
 * bytes, native or noble above), allocating nothing but the native
 * hasher's own result.
 */
export const checksumWord = (payload: Uint8Array): number =>
  payload.length < SMALL_INPUT ? Sha256.sha256dWord(payload) : defaultWord(payload)

/**
 * `checksumWord` of the payload that fills `frame` from `start` on: no view
 * of a small payload is made (see `Sha256.sha256dWordOfRange`).
 */
export const checksumWordFrom = (frame: Uint8Array, start: number): number =>
  frame.length - start < SMALL_INPUT
    ? Sha256.sha256dWordOfRange(frame, start, frame.length)
    : defaultWord(new Uint8Array(frame.buffer, frame.byteOffset + start, frame.length - start))

