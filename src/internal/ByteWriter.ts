const textEncoder = new TextEncoder()

/**
 * A growable little-endian byte sink. It doubles its buffer as needed and
 * hands back a view of exactly what was written.
 *
 * @internal
 */
export class ByteWriter {
  private buf: Uint8Array
  private view: DataView
  offset = 0

  constructor(initial = 256) {
    this.buf = new Uint8Array(initial)
    this.view = new DataView(this.buf.buffer)
  }

  private ensure(n: number): void {
    const need = this.offset + n
    if (need <= this.buf.length) return
    let size = this.buf.length * 2
    while (size < need) size *= 2
    const next = new Uint8Array(size)
    next.set(this.buf.subarray(0, this.offset))
    this.buf = next
    this.view = new DataView(next.buffer)
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
    this.view.setUint16(this.offset, v, true)
    this.offset += 2
    return this
  }

  u16be(v: number): this {
    this.ensure(2)
    this.view.setUint16(this.offset, v, false)
    this.offset += 2
    return this
  }

  u32le(v: number): this {
    this.ensure(4)
    this.view.setUint32(this.offset, v >>> 0, true)
    this.offset += 4
    return this
  }

  i32le(v: number): this {
    this.ensure(4)
    this.view.setInt32(this.offset, v | 0, true)
    this.offset += 4
    return this
  }

  u48le(v: number): this {
    this.ensure(6)
    this.view.setUint32(this.offset, v % 0x1_0000_0000, true)
    this.view.setUint16(this.offset + 4, Math.floor(v / 0x1_0000_0000), true)
    this.offset += 6
    return this
  }

  u64le(v: bigint): this {
    this.ensure(8)
    this.view.setBigUint64(this.offset, BigInt.asUintN(64, v), true)
    this.offset += 8
    return this
  }

  i64le(v: bigint): this {
    this.ensure(8)
    this.view.setBigInt64(this.offset, BigInt.asIntN(64, v), true)
    this.offset += 8
    return this
  }

  bytes(b: Uint8Array): this {
    this.ensure(b.length)
    this.buf.set(b, this.offset)
    this.offset += b.length
    return this
  }

  compactSize(n: number): this {
    if (n < 0xfd) return this.u8(n)
    if (n <= 0xffff) return this.u8(0xfd).u16le(n)
    if (n <= 0xffff_ffff) return this.u8(0xfe).u32le(n)
    return this.u8(0xff).u64le(BigInt(n))
  }

  varBytes(b: Uint8Array): this {
    return this.compactSize(b.length).bytes(b)
  }

  varString(s: string): this {
    return this.varBytes(textEncoder.encode(s))
  }

  /** A view of what was written so far. */
  finish(): Uint8Array {
    return this.buf.subarray(0, this.offset)
  }
}
