/**
 * Uninitialised byte buffers for packets the caller fills completely.
 *
 * `new Uint8Array(n)` zero-fills, and for large `n` V8 takes fresh zeroed
 * pages from the OS each time: about 3 ms per MB on a loaded machine, more
 * than encrypting the megabyte. Node's `Buffer.allocUnsafe` reuses freed
 * memory without clearing it (~0.1 ms). Outside Node (no global `Buffer`)
 * the zeroed array is used.
 *
 * @internal
 */
type AllocUnsafe = (size: number) => Uint8Array

const nodeBuffer = (globalThis as { Buffer?: { allocUnsafe?: AllocUnsafe } }).Buffer

/** A buffer of `size` bytes whose contents are unspecified: every byte must be written before it is read. @internal */
export const allocUnsafe: AllocUnsafe = nodeBuffer?.allocUnsafe !== undefined
  ? (size) => nodeBuffer.allocUnsafe!(size)
  : (size) => new Uint8Array(size)
