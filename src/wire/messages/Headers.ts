/**
 * `headers`: up to 2,000 block headers, each followed by a transaction count
 * that must be zero.
 *
 * @since 0.1.0
 */
import * as BlockHeader from "../BlockHeader.js"
import { list } from "../../internal/wire/ListCodec.js"
import { define } from "../../internal/wire/MessageDef.js"
import { DecodeFailure } from "../../internal/wire/DecodeFailure.js"

/**
 * Most headers in one message.
 *
 * @since 0.1.0
 * @category constants
 */
export const MAX_HEADERS = 2000

/** Each header is followed by a transaction count, which must be zero. */
const headerList = list({
  what: "headers",
  item: BlockHeader.BlockHeader,
  max: MAX_HEADERS,
  minItemSize: BlockHeader.SIZE + 1,
  read: (r) => {
    const header = BlockHeader.read(r)
    const txs = r.compactSize()
    if (txs !== 0) throw new DecodeFailure("InvalidValue", `header has transaction count ${txs}, must be 0`)
    return header
  },
  write: (w, h) => {
    BlockHeader.write(w, h)
    w.u8(0)
  }
})

/**
 * The `headers` message.
 *
 * @since 0.1.0
 * @category messages
 */
export const Headers = define({
  tag: "Headers",
  command: "headers",
  fields: { headers: headerList.schema },
  maxPayload: () => 3 + MAX_HEADERS * (BlockHeader.SIZE + 1),
  read: (r, ctx) => ({ headers: headerList.read(r, ctx) }),
  write: (w, m, ctx) => headerList.write(w, m.headers, ctx)
})

/**
 * @since 0.1.0
 * @category models
 */
export type Headers = ReturnType<typeof Headers.make>
