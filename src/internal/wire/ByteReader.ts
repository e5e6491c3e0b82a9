import type * as ByteCursor from "../../wire/ByteCursor.js"
import { DecodeFailure } from "./DecodeFailure.js"
import { readI64, readU64 } from "./word64.js"

const textDecoder = new TextDecoder("utf-8", { fatal: false })
const strictDecoder = new TextDecoder("utf-8", { fatal: true })

/** The empty byte field every reader returns (see `bytesView`). */
const NO_BYTES: Uint8Array = Object.freeze(new Uint8Array(0)) as Uint8Array

/**
 * A cursor over a byte view. Every read checks the remaining length first, so a
 * lying length field can never make us read past the payload or allocate
 * beyond it. Byte fields are returned as views (plain `Uint8Array`s sharing
 * the input's memory), not copies.
 *
 * Performance notes (this is the decoder's inner loop; see `npm run bench`):
 * creating a reader must be cheap, because one is made per message. So
 * integers up to 32 bits are assembled from bytes, 64-bit ones through
 * `word64.ts`'s scratch (no `DataView`: finding the input's in a `WeakMap`
 * cost ~3x as much), and the input's `ArrayBuffer` (reading `.buffer` is a
 * ~30 ns runtime call) is only fetched when a view first needs it.
 *
 * The public face of it is `ByteCursor.Reader` (what a custom header format
 * may use); this class stays internal so its buffer handling can change.
 *
 * @internal
 */
export class ByteReader implements ByteCursor.Reader {
  offset: number
  readonly end: number
  /** The input's ArrayBuffer and its byte offset there, once a view needed them (or as given). */
  private buffer: ArrayBufferLike | undefined
  private base: number

  /**
   * `buffer` and `base`, when the caller already has them, are `bytes`'
   * ArrayBuffer and byte offset: the frame decoder read them to make the
   * payload's view, and reading `.buffer` again would cost as much as the
   * view itself (~25 ns, a runtime call).
   */
  constructor(readonly bytes: Uint8Array, offset = 0, end = bytes.length, buffer?: ArrayBufferLike, base = 0) {
    this.offset = offset
    this.end = end
    this.buffer = buffer
    this.base = base
  }

  get remaining(): number {
    return this.end - this.offset
  }

  private need(n: number, what: string): void {
    if (this.end - this.offset < n) {
      throw new DecodeFailure("Truncated", `${what}: need ${n} bytes, have ${this.end - this.offset}`)
    }
  }

  private arrayBuffer(): ArrayBufferLike {
    if (this.buffer === undefined) {
      this.buffer = this.bytes.buffer
      this.base = this.bytes.byteOffset
    }
    return this.buffer
  }

  u8(): number {
    this.need(1, "u8")
    return this.bytes[this.offset++]!
  }

  bool(): boolean {
    return this.u8() !== 0
  }

  u16le(): number {
    this.need(2, "u16")
    const b = this.bytes
    const o = this.offset
    this.offset = o + 2
    return b[o]! | (b[o + 1]! << 8)
  }

  u16be(): number {
    this.need(2, "u16")
    const b = this.bytes
    const o = this.offset
    this.offset = o + 2
    return (b[o]! << 8) | b[o + 1]!
  }

  u32le(): number {
    this.need(4, "u32")
    const b = this.bytes
    const o = this.offset
    this.offset = o + 4
    return (b[o]! | (b[o + 1]! << 8) | (b[o + 2]! << 16) | (b[o + 3]! << 24)) >>> 0
  }

  i32le(): number {
    this.need(4, "i32")
    const b = this.bytes
    const o = this.offset
    this.offset = o + 4
    return b[o]! | (b[o + 1]! << 8) | (b[o + 2]! << 16) | (b[o + 3]! << 24)
  }

  /** 48-bit little-endian unsigned integer (BIP-0152 short ids); fits a JS number. */
  u48le(): number {
    this.need(6, "u48")
    const b = this.bytes
    const o = this.offset
    this.offset = o + 6
    const lo = (b[o]! | (b[o + 1]! << 8) | (b[o + 2]! << 16) | (b[o + 3]! << 24)) >>> 0
    return (b[o + 4]! | (b[o + 5]! << 8)) * 0x1_0000_0000 + lo
  }

  u64le(): bigint {
    this.need(8, "u64")
    const o = this.offset
    const v = readU64(this.bytes, o)
    this.offset = o + 8
    return v
  }

  i64le(): bigint {
    this.need(8, "i64")
    const o = this.offset
    const v = readI64(this.bytes, o)
    this.offset = o + 8
    return v
  }

  /**
   * A view of the next `n` bytes (no copy). An empty field gives one shared,
   * frozen empty array instead: segwit inputs' scripts and many witness
   * items are empty, and a view costs ~90 bytes of heap for nothing.
   */
  bytesView(n: number, what = "bytes"): Uint8Array {
    this.need(n, what)
    if (n === 0) return NO_BYTES
    // The Uint8Array constructor over the buffer is ~2x cheaper than `subarray`
    // (no species lookup), and it gives plain Uint8Arrays even for Buffer input.
    const v = new Uint8Array(this.arrayBuffer(), this.base + this.offset, n)
    this.offset += n
    return v
  }

  /** Moves past the next `n` bytes, checked like a read of them (for validating without building). */
  skip(n: number, what: string): void {
    this.need(n, what)
    this.offset += n
  }

  /** Moves past CompactSize-prefixed bytes, checked as `varBytes(remaining, what)` checks them. */
  skipVarBytes(what: string): void {
    this.skip(this.compactSize(), what)
  }

  hash(): Uint8Array {
    return this.bytesView(32, "hash")
  }

  /** Bitcoin's CompactSize, rejecting non-canonical (over-long) encodings. */
  compactSize(): number {
    const first = this.u8()
    if (first < 0xfd) return first
    if (first === 0xfd) {
      const v = this.u16le()
      if (v < 0xfd) throw new DecodeFailure("NonCanonicalCompactSize", `0xfd prefix for ${v}`)
      return v
    }
    if (first === 0xfe) {
      const v = this.u32le()
      if (v <= 0xffff) throw new DecodeFailure("NonCanonicalCompactSize", `0xfe prefix for ${v}`)
      return v
    }
    const v = this.u64le()
    if (v <= 0xffff_ffffn) throw new DecodeFailure("NonCanonicalCompactSize", `0xff prefix for ${v}`)
    // Nothing in the protocol may count past 2^32; refuse rather than lose precision.
    throw new DecodeFailure("CountTooLarge", `compact size ${v} exceeds 2^32`)
  }

  /**
   * A list length, bounded twice before anything is allocated: by the protocol's
   * cap and by the bytes actually left (each element takes at least `minItemSize`).
   */
  count(max: number, minItemSize: number, what: string): number {
    const n = this.compactSize()
    if (n > max) throw new DecodeFailure("CountTooLarge", `${what}: ${n} > ${max}`)
    if (n * minItemSize > this.remaining) {
      throw new DecodeFailure("Truncated", `${what}: ${n} items need ${n * minItemSize} bytes, have ${this.remaining}`)
    }
    return n
  }

  /** CompactSize-prefixed bytes, length capped at `max` before the view is taken. */
  varBytes(max: number, what = "var bytes"): Uint8Array {
    // A cap at or above what is left (callers pass `remaining` for "no cap")
    // can only be exceeded by a length the payload cannot hold: that is truncation.
    const capped = max < this.remaining
    const n = this.compactSize()
    if (capped && n > max) throw new DecodeFailure("LengthTooLarge", `${what}: ${n} > ${max}`)
    return this.bytesView(n, what)
  }

  /**
   * CompactSize-prefixed string, decoded as UTF-8. Invalid UTF-8 (the
   * protocol does not promise it) is kept readable but cannot be kept
   * exactly: each invalid sequence becomes `?`. Not U+FFFD, which takes 3
   * bytes in UTF-8: a string at its byte cap must re-encode within the cap,
   * or we could not send back what we accepted.
   */
  varString(max: number, what = "var string"): string {
    const b = this.varBytes(max, what)
    if (b.length === 0) return ""
    // Fast path for short ASCII, the common case for commands and user agents.
    if (b.length <= 64) {
      let ascii = true
      for (let i = 0; i < b.length; i++) if (b[i]! > 0x7f) { ascii = false; break }
      if (ascii) return String.fromCharCode.apply(null, b as unknown as Array<number>)
    }
    try {
      return strictDecoder.decode(b)
    } catch {
      return textDecoder.decode(b).replace(/\uFFFD/g, "?")
    }
  }

  /** Fails unless the whole payload was consumed. */
  done(): void {
    if (this.offset !== this.end) {
      throw new DecodeFailure("TrailingBytes", `${this.end - this.offset} bytes left after decoding`)
    }
  }
}
