import * as Schema from "effect/Schema"
import type { ByteReader } from "./ByteReader.js"
import type { ByteWriter } from "./ByteWriter.js"
import { EncodeFailure } from "./EncodeFailure.js"
import type { CodecContext } from "../../wire/Message.js"

/**
 * A CompactSize-counted list with a protocol maximum, stated once for both
 * sides: the Schema (`maxItems`) and the byte codec, which refuses a count
 * above the maximum when decoding (before allocating) and when encoding
 * (before writing), as btcd checks in both `BtcDecode` and `BtcEncode`.
 *
 * @internal
 */
export interface ListCodec<A> {
  /** What the list holds, for error details ("inventory", "headers"). */
  readonly what: string
  /** Most items allowed. */
  readonly max: number
  /** Fewest bytes one item takes: a count the remaining bytes cannot hold is refused before allocating. */
  readonly minItemSize: number
  /** The decoded list: at most `max` items. */
  readonly schema: Schema.Schema<ReadonlyArray<A>>
  readonly read: (r: ByteReader, ctx: CodecContext) => Array<A>
  readonly write: (w: ByteWriter, items: ReadonlyArray<A>, ctx: CodecContext) => void
}

/**
 * Builds a list codec from an item schema and an item codec.
 *
 * @internal
 */
export const list = <A>(options: {
  readonly what: string
  readonly item: Schema.Schema<A>
  readonly max: number
  readonly minItemSize: number
  readonly read: (r: ByteReader, ctx: CodecContext) => A
  readonly write: (w: ByteWriter, item: A, ctx: CodecContext) => void
}): ListCodec<A> => {
  const { max, minItemSize, read: readItem, what, write: writeItem } = options
  return {
    what,
    max,
    minItemSize,
    schema: Schema.Array(options.item).pipe(Schema.maxItems(max)),
    read: (r, ctx) => {
      const n = r.count(max, minItemSize, what)
      const items = new Array<A>(n)
      for (let i = 0; i < n; i++) items[i] = readItem(r, ctx)
      return items
    },
    write: (w, items, ctx) => {
      checkCount(items.length, max, what)
      w.compactSize(items.length)
      for (let i = 0; i < items.length; i++) writeItem(w, items[i]!, ctx)
    }
  }
}

/** Refuses to encode more than `max` items. @internal */
export const checkCount = (n: number, max: number, what: string): void => {
  if (n > max) throw new EncodeFailure(`${what}: ${n} items, at most ${max} allowed`)
}
