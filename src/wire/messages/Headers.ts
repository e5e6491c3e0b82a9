/**
 * `headers`: up to 2,000 block headers, each followed by a transaction count
 * that must be zero.
 *
 * @since 0.1.0
 */
import * as BlockHeader from "../BlockHeader.js"
import { define } from "../../internal/wire/MessageDef.js"
import { DecodeFailure } from "../../internal/wire/DecodeFailure.js"
import { ListMax } from "../Fields.js"

/** Most headers in one message. @since 0.1.0 */
export const MAX_HEADERS = 2000

/** The `headers` message. @since 0.1.0 */
export const Headers = define({
  tag: "Headers",
  command: "headers",
  fields: { headers: ListMax(BlockHeader.BlockHeader, MAX_HEADERS) },
  maxPayload: () => 3 + MAX_HEADERS * (BlockHeader.SIZE + 1),
  read: (r) => {
    const n = r.count(MAX_HEADERS, BlockHeader.SIZE + 1, "headers")
    const headers = new Array<BlockHeader.BlockHeader>(n)
    for (let i = 0; i < n; i++) {
      headers[i] = BlockHeader.read(r)
      const txs = r.compactSize()
      if (txs !== 0) throw new DecodeFailure("InvalidValue", `header ${i} has transaction count ${txs}, must be 0`)
    }
    return { headers }
  },
  write: (w, m) => {
    w.compactSize(m.headers.length)
    for (const h of m.headers) {
      BlockHeader.write(w, h)
      w.u8(0)
    }
  }
})

/** @since 0.1.0 */
export type Headers = ReturnType<typeof Headers.make>
