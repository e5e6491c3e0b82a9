/**
 * Bytes to write as several arrays back to back, never joined into one
 * buffer: how a large v2 packet leaves its cipher (the encrypted length and
 * header, the ciphertext in the pieces OpenSSL returned, the tag).
 *
 * Joining a 1 MB packet costs a copy and, worse, one more megabyte of
 * buffers for the garbage collector to reclaim: V8 starts collections by
 * the bytes of buffers allocated, and a full collection costs in proportion
 * to the live heap, so in a process with a large heap every megabyte
 * allocated per message shows (a bench with 110 MB of live objects: ~0.35
 * ms of CPU per 1 MB buffer, where allocating it costs 0.01 ms). A socket
 * takes the pieces in one gathered write (`writev`).
 *
 * @internal
 */
import { allocUnsafe } from "./v2/bytes.js"

/** @internal */
export interface Pieces {
  readonly pieces: ReadonlyArray<Uint8Array>
  /** Bytes in all pieces (named as `Uint8Array`'s, so code that sizes either kind reads one property). */
  readonly byteLength: number
}

/** Whether `bytes` come in pieces. @internal */
export const isPieces = (bytes: Uint8Array | Pieces): bytes is Pieces => (bytes as Partial<Pieces>).pieces !== undefined

/** Copies `bytes` into `target` at `at`. @internal */
export const copyInto = (target: Uint8Array, bytes: Uint8Array | Pieces, at: number): void => {
  if (!isPieces(bytes)) return target.set(bytes, at)
  for (const piece of bytes.pieces) {
    target.set(piece, at)
    at += piece.length
  }
}

/** The bytes in one array: as they are, or the pieces joined (for a sink that takes one array). @internal */
export const joined = (bytes: Uint8Array | Pieces): Uint8Array => {
  if (!isPieces(bytes)) return bytes
  const out = allocUnsafe(bytes.byteLength)
  copyInto(out, bytes, 0)
  return out
}
