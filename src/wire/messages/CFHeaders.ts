/**
 * `cfheaders` (BIP-0157): up to 2,000 filter hashes ending at `stopHash`, and
 * the filter header before the first, from which the headers are chained.
 *
 * @since 0.1.0
 */
import { define } from "../../internal/wire/MessageDef.js"
import { hashList } from "../../internal/wire/sharedShapes.js"
import { Hash32, UInt8 } from "../Fields.js"

/**
 * Most filter hashes in one message.
 *
 * @since 0.1.0
 * @category constants
 */
export const MAX_CFHEADERS = 2000

const filterHashList = hashList("filter hashes", MAX_CFHEADERS)

/**
 * The `cfheaders` message.
 *
 * @since 0.1.0
 * @category messages
 */
export const CFHeaders = define({
  tag: "CFHeaders",
  command: "cfheaders",
  fields: { filterType: UInt8, stopHash: Hash32, previousFilterHeader: Hash32, filterHashes: filterHashList.schema },
  maxPayload: () => 1 + 32 + 32 + 3 + MAX_CFHEADERS * 32,
  read: (r, ctx) => ({
    filterType: r.u8(),
    stopHash: r.hash(),
    previousFilterHeader: r.hash(),
    filterHashes: filterHashList.read(r, ctx)
  }),
  write: (w, m, ctx) => {
    filterHashList.write(w.u8(m.filterType).bytes(m.stopHash).bytes(m.previousFilterHeader), m.filterHashes, ctx)
  }
})

/**
 * @since 0.1.0
 * @category models
 */
export type CFHeaders = ReturnType<typeof CFHeaders.make>
