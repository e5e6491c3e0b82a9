/**
 * `cfheaders` (BIP-0157): up to 2,000 filter hashes ending at `stopHash`, and
 * the filter header before the first, from which the headers are chained.
 *
 * @since 0.1.0
 */
import { define } from "../../internal/wire/MessageDef.js"
import { readHashes, writeHashes } from "../../internal/wire/sharedShapes.js"
import { Hash32, ListMax, UInt8 } from "../Fields.js"

/** Most filter hashes in one message. @since 0.1.0 */
export const MAX_CFHEADERS = 2000

/** The `cfheaders` message. @since 0.1.0 */
export const CFHeaders = define({
  tag: "CFHeaders",
  command: "cfheaders",
  fields: { filterType: UInt8, stopHash: Hash32, previousFilterHeader: Hash32, filterHashes: ListMax(Hash32, MAX_CFHEADERS) },
  maxPayload: () => 1 + 32 + 32 + 3 + MAX_CFHEADERS * 32,
  read: (r) => ({
    filterType: r.u8(),
    stopHash: r.hash(),
    previousFilterHeader: r.hash(),
    filterHashes: readHashes(r, MAX_CFHEADERS, "filter hashes")
  }),
  write: (w, m) => {
    writeHashes(w.u8(m.filterType).bytes(m.stopHash).bytes(m.previousFilterHeader), m.filterHashes)
  }
})

/** @since 0.1.0 */
export type CFHeaders = ReturnType<typeof CFHeaders.make>
