/**
 * `getblocktxn` (BIP-0152): asks for the transactions at the given absolute
 * indexes of a block (sent differentially encoded).
 *
 * @since 0.1.0
 */
import * as Indexes from "../../internal/wire/DifferentialIndexes.js"
import { define } from "../../internal/wire/MessageDef.js"
import { Hash32 } from "../Fields.js"

/**
 * The `getblocktxn` message.
 *
 * @since 0.1.0
 * @category messages
 */
export const GetBlockTxn = define({
  tag: "GetBlockTxn",
  command: "getblocktxn",
  fields: { blockHash: Hash32, indexes: Indexes.IncreasingIndexes },
  // Every index fits 16 bits, so at most 65,536 indexes of at most 3 bytes each.
  maxPayload: () => 32 + 3 + (Indexes.MAX_INDEX + 1) * 3,
  read: (r) => {
    const blockHash = r.hash()
    const n = r.count(Indexes.MAX_INDEX + 1, 1, "indexes")
    const indexes = new Array<number>(n)
    let previous = -1
    for (let i = 0; i < n; i++) indexes[i] = previous = Indexes.readNext(r, previous)
    return { blockHash, indexes }
  },
  write: (w, m) => {
    w.bytes(m.blockHash).compactSize(m.indexes.length)
    let previous = -1
    for (const index of m.indexes) {
      Indexes.writeNext(w, index, previous)
      previous = index
    }
  }
})

/**
 * @since 0.1.0
 * @category models
 */
export type GetBlockTxn = ReturnType<typeof GetBlockTxn.make>
