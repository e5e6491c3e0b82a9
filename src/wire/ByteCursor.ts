/**
 * The byte-level reader and writer the wire codecs work on, as far as an
 * extension needs them: a custom `BlockHeaderFormat` (a chain whose headers
 * differ from Bitcoin's) reads and writes its fields through these.
 *
 * A `Reader` is a cursor over one payload. Every read checks the bytes left
 * before it looks at them, so a lying length can never read past the payload
 * or allocate beyond it; byte fields come back as views of the payload, not
 * copies. When a read cannot be done it throws, and the codec that called the
 * format turns that into a typed `WireError` for the whole message:
 * `Truncated` (not enough bytes, or a count of more items than the bytes
 * left could hold), `NonCanonicalCompactSize` (an over-long CompactSize),
 * `CountTooLarge` (a count or length above its cap). A format that meets a
 * value it cannot accept throws an `Error` of its own: decoding reports it
 * as `InvalidValue`, encoding as `EncodeFailed`, and nothing is sent.
 *
 * Integers are little-endian unless named `be`; 64-bit ones are `bigint`.
 *
 * The library's own reader and writer implement these interfaces; they are
 * not exported themselves, so their buffer handling can change without
 * breaking a format.
 *
 * @since 0.2.0
 */

/**
 * Reads a payload front to back.
 *
 * @since 0.2.0
 * @category models
 */
export interface Reader {
  /** The whole payload being read (a format may take a view of what it read: `bytes.subarray(start, offset)`). */
  readonly bytes: Uint8Array
  /** Where the next read starts, in `bytes`. */
  readonly offset: number
  /** Bytes left to read. */
  readonly remaining: number
  u8(): number
  /** One byte; anything but 0 is true. */
  bool(): boolean
  u16le(): number
  u16be(): number
  u32le(): number
  i32le(): number
  u64le(): bigint
  i64le(): bigint
  /** A view of the next `n` bytes (no copy); `what` names the field in the error. */
  bytesView(n: number, what?: string): Uint8Array
  /** A 32-byte hash, as a view, in internal byte order. */
  hash(): Uint8Array
  /** Bitcoin's CompactSize; an over-long encoding fails. */
  compactSize(): number
  /**
   * A CompactSize list length, checked before anything is allocated: at most
   * `max`, and no more items than the bytes left could hold at `minItemSize`
   * bytes each.
   */
  count(max: number, minItemSize: number, what: string): number
  /** CompactSize-prefixed bytes (a view), the length checked against `max` first. */
  varBytes(max: number, what?: string): Uint8Array
  /** CompactSize-prefixed UTF-8 string of at most `max` bytes. */
  varString(max: number, what?: string): string
}

/**
 * Appends a payload front to back; every method returns the writer, for chaining.
 *
 * @since 0.2.0
 * @category models
 */
export interface Writer {
  u8(v: number): Writer
  /** 1 for true, 0 for false. */
  bool(v: boolean): Writer
  u16le(v: number): Writer
  u16be(v: number): Writer
  u32le(v: number): Writer
  i32le(v: number): Writer
  u64le(v: bigint): Writer
  i64le(v: bigint): Writer
  /** `n` zero bytes. */
  zeros(n: number): Writer
  /** The bytes as they are (no length prefix). */
  bytes(b: Uint8Array): Writer
  /** Bitcoin's CompactSize, in its shortest encoding. */
  compactSize(n: number): Writer
  /** CompactSize-prefixed bytes; longer than `max` throws (`what` names the field). */
  varBytes(b: Uint8Array, max?: number, what?: string): Writer
  /** CompactSize-prefixed UTF-8 string; more than `max` bytes throws. */
  varString(s: string, max?: number, what?: string): Writer
}
