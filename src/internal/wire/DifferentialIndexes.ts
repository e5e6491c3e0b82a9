import * as Schema from "effect/Schema"
import type { ByteReader } from "./ByteReader.js"
import type { ByteWriter } from "./ByteWriter.js"
import { DecodeFailure } from "./DecodeFailure.js"

/** BIP-0152 transaction indexes must fit 16 bits. @internal */
export const MAX_INDEX = 0xffff

/**
 * Strictly increasing indexes below 2^16, carried on the wire differentially
 * (BIP-0152: each value is the gap to the previous index minus one).
 * @internal
 */
export const IncreasingIndexes = Schema.Array(Schema.Number).pipe(
  Schema.filter((xs) => xs.every((x, i) => Number.isInteger(x) && x >= 0 && x <= MAX_INDEX && (i === 0 || x > xs[i - 1]!))),
  Schema.annotations({
    arbitrary: () => (fc) =>
      fc.uniqueArray(fc.integer({ min: 0, max: MAX_INDEX }), { maxLength: 12 }).map((xs) => xs.sort((a, b) => a - b))
  })
)

/** Decodes one differential index given the previous absolute one (-1 at the start). @internal */
export const readNext = (r: ByteReader, previous: number): number => {
  const index = previous + 1 + r.compactSize()
  if (index > MAX_INDEX) throw new DecodeFailure("InvalidValue", `transaction index ${index} exceeds ${MAX_INDEX}`)
  return index
}

/** Encodes one absolute index as a gap from the previous one. @internal */
export const writeNext = (w: ByteWriter, index: number, previous: number): void => {
  if (index <= previous) throw new DecodeFailure("InvalidValue", `indexes must increase: ${index} after ${previous}`)
  w.compactSize(index - previous - 1)
}
