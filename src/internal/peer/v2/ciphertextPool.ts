/**
 * Reusable buffers in which the native suite gathers a large packet's
 * ciphertext as it arrives over several reads, so that the packet is
 * decrypted in one native call whose output is the plaintext itself.
 *
 * Why: Node's cipher returns a fresh buffer from every call. Decrypting
 * each read as it comes (64 KiB pieces) and joining the pieces allocates
 * the packet twice (pieces, then the joined plaintext); gathering into a
 * reused buffer allocates it once (the plaintext, which the decoded message
 * keeps views into, so it cannot be reused). The garbage collector's work
 * follows the bytes of buffers allocated (see `../pieces.ts`).
 *
 * Bounds, with no way for a remote to make us allocate from a length it
 * announced but did not send:
 * - `take` never allocates: it hands out a free buffer large enough, or
 *   nothing (the caller then decrypts piece by piece, as before);
 * - `seed` adds a buffer only once a packet of that size has arrived whole
 *   (the bytes were received, not promised);
 * - at most `MAX_FREE` buffers and `MAX_FREE_BYTES` wait here, process-wide;
 *   a buffer taken and never given back (its session failed mid-packet) is
 *   simply collected.
 *
 * The buffers hold ciphertext only, never plaintext: reusing one across
 * sessions leaks nothing.
 *
 * @internal
 */
import { allocUnsafe } from "./bytes.js"

/** Free buffers kept at most. @internal */
export const MAX_FREE = 4

/** Bytes of free buffers kept at most. @internal */
export const MAX_FREE_BYTES = 16 * 1024 * 1024

/** Buffer sizes are rounded up to this, so packets of similar sizes (blocks) share buffers. */
const GRANULE = 256 * 1024

const free: Array<Uint8Array> = []
let freeBytes = 0

/** A free buffer of at least `size` bytes, now the caller's; `undefined` when none. @internal */
export const take = (size: number): Uint8Array | undefined => {
  for (let i = 0; i < free.length; i++) {
    const buffer = free[i]!
    if (buffer.length < size) continue
    free.splice(i, 1)
    freeBytes -= buffer.length
    return buffer
  }
  return undefined
}

/** Returns a buffer from `take` (or `seed`); kept while there is room, the smallest dropped first. @internal */
export const give = (buffer: Uint8Array): void => {
  free.push(buffer)
  freeBytes += buffer.length
  while (free.length > MAX_FREE || freeBytes > MAX_FREE_BYTES) {
    let smallest = 0
    for (let i = 1; i < free.length; i++) if (free[i]!.length < free[smallest]!.length) smallest = i
    freeBytes -= free[smallest]!.length
    free.splice(smallest, 1)
  }
}

/**
 * A packet of `size` bytes arrived whole without a free buffer for it: adds
 * one, so the next packet of its size is gathered. @internal
 */
export const seed = (size: number): void => {
  const rounded = Math.ceil(size / GRANULE) * GRANULE
  if (rounded > MAX_FREE_BYTES) return
  give(allocUnsafe(rounded))
}

/** Free buffers and their bytes (tests). @internal */
export const stats = (): { readonly buffers: number; readonly bytes: number } => ({ buffers: free.length, bytes: freeBytes })
