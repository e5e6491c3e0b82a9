/**
 * `filterload` (BIP-0037): installs a bloom filter (at most 36,000 bytes and
 * 50 hash functions) on the connection.
 *
 * @since 0.1.0
 */
import { define } from "../../internal/wire/MessageDef.js"
import { EncodeFailure } from "../../internal/wire/EncodeFailure.js"
import { DecodeFailure } from "../../internal/wire/DecodeFailure.js"
import { BytesMax, UInt32, UInt8 } from "../Fields.js"
import * as Schema from "effect/Schema"

/**
 * Largest filter (bytes).
 *
 * @since 0.1.0
 * @category constants
 */
export const MAX_FILTER_SIZE = 36_000
/**
 * Most hash functions.
 *
 * @since 0.1.0
 * @category constants
 */
export const MAX_HASH_FUNCS = 50

/**
 * The `filterload` message.
 *
 * @since 0.1.0
 * @category messages
 */
export const FilterLoad = define({
  tag: "FilterLoad",
  command: "filterload",
  fields: {
    filter: BytesMax(MAX_FILTER_SIZE),
    hashFuncs: UInt32.pipe(Schema.lessThanOrEqualTo(MAX_HASH_FUNCS)),
    tweak: UInt32,
    flags: UInt8
  },
  maxPayload: () => 3 + MAX_FILTER_SIZE + 9,
  read: (r) => {
    const filter = r.varBytes(MAX_FILTER_SIZE, "filter")
    const hashFuncs = r.u32le()
    if (hashFuncs > MAX_HASH_FUNCS) throw new DecodeFailure("InvalidValue", `${hashFuncs} hash functions > ${MAX_HASH_FUNCS}`)
    return { filter, hashFuncs, tweak: r.u32le(), flags: r.u8() }
  },
  write: (w, m) => {
    if (m.hashFuncs > MAX_HASH_FUNCS) throw new EncodeFailure(`${m.hashFuncs} hash functions > ${MAX_HASH_FUNCS}`)
    w.varBytes(m.filter, MAX_FILTER_SIZE, "filter").u32le(m.hashFuncs).u32le(m.tweak).u8(m.flags)
  }
})

/**
 * @since 0.1.0
 * @category models
 */
export type FilterLoad = ReturnType<typeof FilterLoad.make>
