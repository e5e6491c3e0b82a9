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
 * Builds a list codec from an item schema and the item loops.
 *
 * The loops over the items are the caller's, not one loop here calling an
 * item reader passed in: V8 shares one feedback vector between all closures
 * made at one site, so a shared loop's item call would see every list's item
 * reader (headers, inventory, addresses, hashes, …) and go megamorphic in any
 * process that decodes more than a few kinds of list: no inlining, one full
 * call per item, and a speed that depends on which lists the process met
 * first. A loop written beside its item reader has one call target and
 * inlines it. The count checks, which matter for safety, stay here.
 *
 * @internal
 */
export const list = <A>(options: {
  readonly what: string
  readonly item: Schema.Schema<A>
  readonly max: number
  readonly minItemSize: number
  /** Reads `n` items (the count already read and checked). */
  readonly readItems: (r: ByteReader, n: number, ctx: CodecContext) => Array<A>
  /** Writes the items (the count already checked and written). */
  readonly writeItems: (w: ByteWriter, items: ReadonlyArray<A>, ctx: CodecContext) => void
}): ListCodec<A> => {
  const { max, minItemSize, readItems, what, writeItems } = options
  return {
    what,
    max,
    minItemSize,
    schema: Schema.Array(options.item).pipe(Schema.maxItems(max)),
    read: (r, ctx) => readItems(r, r.count(max, minItemSize, what), ctx),
    write: (w, items, ctx) => {
      checkCount(items.length, max, what)
      // The fewest bytes the items take, reserved at once (exact for fixed-size items: one allocation).
      w.compactSize(items.length).reserve(items.length * minItemSize)
      writeItems(w, items, ctx)
    }
  }
}

/** Refuses to encode more than `max` items. @internal */
export const checkCount = (n: number, max: number, what: string): void => {
  if (n > max) throw new EncodeFailure(`${what}: ${n} items, at most ${max} allowed`)
}
