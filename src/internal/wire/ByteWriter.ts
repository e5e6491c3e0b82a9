import type * as ByteCursor from "../../wire/ByteCursor.js"
import { builtinModule } from "./builtin.js"
import { EncodeFailure } from "./EncodeFailure.js"
import { writeU64 } from "./word64.js"

const textEncoder = new TextEncoder()

/**
 * A growable little-endian byte sink. It doubles its buffer as needed and
 * hands back a view of exactly what was written.
 *
 * Integers up to 32 bits are stored byte by byte, 64-bit ones through
 * `word64.ts`'s scratch (no `DataView`). Two ways to produce a frame: a
 * message whose size is known up front is written in place into a frame of
 * exactly that size (`frame` / `endFrame`: one allocation, no copy); any
 * other borrows a pooled scratch writer (`acquire` / `release`) instead of
 * allocating and regrowing a fresh buffer each time, and copies out exactly
 * what it wrote.
 *
 * The public face of it is `ByteCursor.Writer` (what a custom header format
 * may use); pooling and `finish`/`copy` stay internal.
 *
 * @internal
 */
export class ByteWriter implements ByteCursor.Writer {
  private buf: Uint8Array
  /** In frame mode in the slab, the slab (`buf` is all of it), so that `endFrame` need not read `.buffer` (~25 ns). */
  private arrayBuffer: ArrayBufferLike | undefined = undefined
  offset = 0
  /** Frame mode (`ByteWriter.frame`): where the frame starts in `buf` and where it must end. */
  private start = 0
  private end = 0

  constructor(initial = 256) {
    this.buf = new Uint8Array(initial)
  }

  /**
   * A writer for scratch use, empty; hand it back with `release` when its
   * bytes have been copied out. Reentrant: a nested `acquire` gets a new one.
   */
  static acquire(): ByteWriter {
    const w = pooled ?? new ByteWriter(POOLED_INITIAL)
    pooled = undefined
    w.offset = 0
    return w
  }

  /** Returns a writer from `acquire` to the pool, unless it grew too large to keep. */
  static release(w: ByteWriter): void {
    if (w.buf.length <= POOLED_MAX) pooled = w
  }

  /**
   * A writer positioned at the start of a fresh frame of exactly `size`
   * bytes, which it writes in place: in the shared slab when `size` is at
   * most `SLAB_ITEM_MAX`, else in a buffer of its own. Hand it to `endFrame` when
   * written. No scratch buffer, no copy: the encoder computed the size first.
   */
  static frame(size: number): ByteWriter {
    const w = framePooled ?? new ByteWriter(0)
    framePooled = undefined
    if (size <= SLAB_ITEM_MAX) {
      // Claimed before writing: nothing else is cut from the slab while this frame is written.
      w.start = claimSlab(size)
      w.buf = slabBytes
      w.arrayBuffer = slab
    } else {
      w.buf = ownBuffer(size)
      w.arrayBuffer = undefined
      w.start = 0
    }
    w.offset = w.start
    w.end = w.start + size
    return w
  }

  /**
   * The frame a writer from `frame` wrote: a view of exactly its bytes. When
   * the writer did not end exactly where the size said (a size function out
   * of step with its writer: a bug, kept harmless), a copy of what it wrote
   * instead.
   */
  static endFrame(w: ByteWriter): Uint8Array {
    const buf = w.buf
    const slabBuffer = w.arrayBuffer
    const out = w.offset === w.end
      ? w.start === 0 && w.end === buf.length
        ? buf
        : slabBuffer !== undefined
        ? new Uint8Array(slabBuffer, w.start, w.end - w.start)
        : new Uint8Array(buf.buffer, buf.byteOffset + w.start, w.end - w.start)
      : buf.slice(w.start, w.offset)
    // Keep no frame handed out (a large one's own buffer, or one grown past the slab).
    w.buf = slabBytes
    w.arrayBuffer = undefined
    framePooled = w
    return out
  }

  /** Room for `n` more bytes. Tiny, so that it inlines into every write; growing is out of line. */
  private ensure(n: number): void {
    if (this.offset + n > this.buf.length) this.grow(this.offset + n)
  }

  /**
   * Room for `n` more bytes, taken at once: a list of fixed-size items
   * reserves its whole size, so a large payload grows the buffer once, to
   * its size, instead of doubling up to it (copying at every step).
   */
  reserve(n: number): this {
    this.ensure(n)
    return this
  }

  /**
   * Room for `n` more bytes, and the buffer to write them in from `offset`
   * on: for loops that store bytes themselves (an `addr` list) instead of a
   * call per field. The caller must store every one of the `n` bytes before
   * moving `offset` past them: a frame may be uninitialised memory.
   */
  room(n: number): Uint8Array {
    this.ensure(n)
    return this.buf
  }

  private grow(need: number): void {
    // Double (amortised for item-by-item writes), or straight to what was asked when that is more.
    const size = Math.max(this.buf.length * 2, need)
    const next = new Uint8Array(size)
    next.set(this.buf.subarray(0, this.offset))
    this.buf = next
    this.arrayBuffer = undefined
  }

  u8(v: number): this {
    this.ensure(1)
    this.buf[this.offset++] = v & 0xff
    return this
  }

  bool(v: boolean): this {
    return this.u8(v ? 1 : 0)
  }

  u16le(v: number): this {
    this.ensure(2)
    const b = this.buf
    const o = this.offset
    b[o] = v
    b[o + 1] = v >>> 8
    this.offset = o + 2
    return this
  }

  u16be(v: number): this {
    this.ensure(2)
    const b = this.buf
    const o = this.offset
    b[o] = v >>> 8
    b[o + 1] = v
    this.offset = o + 2
    return this
  }

  /** Also writes `i32le`: the low 32 bits are the same bytes either way. */
  u32le(v: number): this {
    this.ensure(4)
    const b = this.buf
    const o = this.offset
    b[o] = v
    b[o + 1] = v >>> 8
    b[o + 2] = v >>> 16
    b[o + 3] = v >>> 24
    this.offset = o + 4
    return this
  }

  i32le(v: number): this {
    return this.u32le(v)
  }

  u48le(v: number): this {
    this.ensure(6)
    const b = this.buf
    const o = this.offset
    const lo = v % 0x1_0000_0000
    const hi = Math.floor(v / 0x1_0000_0000)
    b[o] = lo
    b[o + 1] = lo >>> 8
    b[o + 2] = lo >>> 16
    b[o + 3] = lo >>> 24
    b[o + 4] = hi
    b[o + 5] = hi >>> 8
    this.offset = o + 6
    return this
  }

  /** Reduced modulo 2^64, as `BigInt.asUintN(64, v)` would; through `word64.ts`'s scratch, no `DataView`. */
  u64le(v: bigint): this {
    this.ensure(8)
    writeU64(this.buf, this.offset, v)
    this.offset += 8
    return this
  }

  /** The same bytes as `u64le` writes for the value modulo 2^64. */
  i64le(v: bigint): this {
    return this.u64le(v)
  }

  /** `n` zero bytes (room the caller fills in later). */
  zeros(n: number): this {
    this.ensure(n)
    this.buf.fill(0, this.offset, this.offset + n)
    this.offset += n
    return this
  }

  bytes(b: Uint8Array): this {
    const n = b.length
    this.ensure(n)
    if (n <= 8) {
      // `set` costs ~16 ns whatever the length; a few byte stores are cheaper (IPv4 addresses, short scripts).
      const buf = this.buf
      const o = this.offset
      for (let i = 0; i < n; i++) buf[o + i] = b[i]!
    } else {
      this.buf.set(b, this.offset)
    }
    this.offset += n
    return this
  }

  compactSize(n: number): this {
    if (n < 0xfd) return this.u8(n)
    if (n <= 0xffff) return this.u8(0xfd).u16le(n)
    if (n <= 0xffff_ffff) return this.u8(0xfe).u32le(n)
    return this.u8(0xff).u64le(BigInt(n))
  }

  /** CompactSize-prefixed bytes; refuses more than `max` bytes (the cap the decoder applies). */
  varBytes(b: Uint8Array, max = Number.MAX_SAFE_INTEGER, what = "var bytes"): this {
    if (b.length > max) throw new EncodeFailure(`${what}: ${b.length} bytes, at most ${max} allowed`)
    return this.compactSize(b.length).bytes(b)
  }

  /** CompactSize-prefixed UTF-8; refuses an encoding longer than `max` bytes (the cap the decoder applies). */
  varString(s: string, max = Number.MAX_SAFE_INTEGER, what = "var string"): this {
    const n = s.length
    if (n < 0xfd && n <= max) {
      // ASCII (user agents, reject reasons) is one byte per character: written in place, no encoder call and
      // no intermediate array (`TextEncoder.encode` was a tenth of encoding a `version`). Undone on the first
      // non-ASCII character, which takes the general path.
      const start = this.offset
      this.ensure(1 + n)
      const b = this.buf
      b[start] = n
      let i = 0
      for (; i < n; i++) {
        const c = s.charCodeAt(i)
        if (c > 0x7f) break
        b[start + 1 + i] = c
      }
      if (i === n) {
        this.offset = start + 1 + n
        return this
      }
    }
    return this.varBytes(textEncoder.encode(s), max, what)
  }

  /** A view of what was written so far. */
  finish(): Uint8Array {
    return this.buf.subarray(0, this.offset)
  }

  /** A copy of what was written so far, exactly sized, sharing nothing with the writer. */
  copy(): Uint8Array {
    return this.buf.slice(0, this.offset)
  }

  /**
   * What was written so far, exactly sized, sharing nothing with the writer
   * afterwards: the buffer itself when it is exactly full and too large to be
   * pooled (a large list reserved to its size: no copy of megabytes), else a
   * copy (from 65 bytes to 2 KiB a view into a shared slab, see `fromSlab`:
   * never overlapping another result). The writer keeps writing into a fresh
   * buffer.
   */
  take(): Uint8Array {
    const n = this.offset
    if (n > ON_HEAP_MAX && n <= SLAB_ITEM_MAX) return fromSlab(this.buf, n)
    if (n !== this.buf.length || this.buf.length <= POOLED_MAX) return this.copy()
    const out = this.buf
    this.buf = new Uint8Array(POOLED_INITIAL)
    this.offset = 0
    return out
  }
}

/**
 * The bytes a CompactSize of `n` takes.
 *
 * @internal
 */
export const compactSizeLength = (n: number): number => (n < 0xfd ? 1 : n <= 0xffff ? 3 : n <= 0xffff_ffff ? 5 : 9)

/**
 * The bytes `varString(s)` writes when `s` is ASCII (one byte per character),
 * else -1: the size of a UTF-8 encoding is not worth computing up front.
 *
 * @internal
 */
export const asciiVarStringLength = (s: string): number => {
  const n = s.length
  for (let i = 0; i < n; i++) if (s.charCodeAt(i) > 0x7f) return -1
  return compactSizeLength(n) + n
}

/**
 * Above this many bytes `new Uint8Array(n)` gets its memory from the
 * ArrayBuffer allocator (V8 keeps only arrays up to 64 bytes on its heap):
 * ~250 ns per array whatever its size, more than encoding a `version` costs
 * without it. Up to it, allocating is a cheap bump of the heap pointer.
 */
const ON_HEAP_MAX = 64
/**
 * Results from `ON_HEAP_MAX` to this many bytes are cut from a shared slab
 * instead, as Node's `Buffer.allocUnsafe` cuts small Buffers from its pool:
 * one allocation per slab, a view per result. A result keeps its slab alive,
 * so a retained frame holds at most `SLAB_SIZE` bytes (the waste at a slab's
 * end is under `SLAB_ITEM_MAX`, a quarter of it).
 */
const SLAB_ITEM_MAX = 2048
const SLAB_SIZE = 8192
let slab = new ArrayBuffer(SLAB_SIZE)
let slabBytes = new Uint8Array(slab)
let slabUsed = 0

const newSlab = (): void => {
  slab = new ArrayBuffer(SLAB_SIZE)
  slabBytes = new Uint8Array(slab)
  slabUsed = 0
}

/** Claims `n` bytes of the current slab (a fresh one when it is full), returning where they start; the next claim starts 8-byte aligned. */
const claimSlab = (n: number): number => {
  if (slabUsed + n > SLAB_SIZE) newSlab()
  const at = slabUsed
  slabUsed = (at + n + 7) & ~7
  return at
}

/** A copy of `src[0, n)` in the current slab (see `claimSlab`). */
const fromSlab = (src: Uint8Array, n: number): Uint8Array => {
  // Claimed first: the claim may start a fresh slab, which the view must be of.
  const at = claimSlab(n)
  const out = new Uint8Array(slab, at, n)
  out.set(src.subarray(0, n))
  return out
}

/** Scratch writer kept between `acquire` calls; one is enough (encoding is synchronous). */
let pooled: ByteWriter | undefined = undefined
const POOLED_INITIAL = 4096
/** Larger pooled buffers (after encoding a block, say) are dropped rather than held forever. */
const POOLED_MAX = 256 * 1024
/**
 * A fresh buffer of `n` bytes for a large frame, as a plain `Uint8Array`.
 * Under Node, uninitialised memory (`Buffer.allocUnsafeSlow`: its own
 * `ArrayBuffer`, not Node's shared pool): `new Uint8Array(n)` zeroes it,
 * which for a 30 KB `addr` frame measured ~20 µs against ~1-6 µs, more than
 * writing the whole payload. Safe because a frame writer stores every byte
 * before `endFrame` hands the frame out (it checks it ended where the size
 * said; the header is written whole by the frame encoder), and the frame
 * decoder copies every byte of a payload that spans chunks into it.
 *
 * @internal
 */
export const ownBuffer: (n: number) => Uint8Array = (() => {
  const node = builtinModule<{ readonly Buffer: { allocUnsafeSlow(n: number): Uint8Array } }>("node:buffer")
  if (node === undefined) return (n: number) => new Uint8Array(n)
  const alloc = node.Buffer
  return (n: number) => {
    const b = alloc.allocUnsafeSlow(n)
    return new Uint8Array(b.buffer, b.byteOffset, n)
  }
})()

/** The writer `frame` hands out, kept between frames. */
let framePooled: ByteWriter | undefined = undefined
