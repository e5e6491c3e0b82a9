/**
 * `headers`: up to 2,000 block headers, each followed by a transaction count
 * that must be zero. Headers are serialized as the network's header format
 * says (80 or 112 bytes, or with AuxPoW); with a variable-size format the
 * payload is capped by the network's largest block.
 *
 * @since 0.1.0
 */
import * as BlockHeader from "../BlockHeader.js"
import { define } from "../../internal/wire/MessageDef.js"
import { DecodeFailure } from "../../internal/wire/DecodeFailure.js"
import { ListMax } from "../Fields.js"
import * as WireFormat from "../WireFormat.js"

/** Most headers in one message. @since 0.1.0 */
export const MAX_HEADERS = 2000

/** The `headers` message. @since 0.1.0 */
export const Headers = define({
  tag: "Headers",
  command: "headers",
  fields: { headers: ListMax(BlockHeader.BlockHeader, MAX_HEADERS) },
  maxPayload: (_, format) => {
    const size = (format ?? WireFormat.bitcoin).header.size
    return size._tag === "Fixed" ? 3 + MAX_HEADERS * (size.bytes + 1) : format!.maxBlockPayload
  },
  read: (r, ctx) => {
    const header = (ctx.format ?? WireFormat.bitcoin).header
    const size = header.size
    const n = r.count(MAX_HEADERS, (size._tag === "Fixed" ? size.bytes : size.min) + 1, "headers")
    const headers = new Array<BlockHeader.BlockHeader>(n)
    for (let i = 0; i < n; i++) {
      headers[i] = header.read(r)
      const txs = r.compactSize()
      if (txs !== 0) throw new DecodeFailure("InvalidValue", `header ${i} has transaction count ${txs}, must be 0`)
    }
    return { headers }
  },
  write: (w, m, ctx) => {
    const header = (ctx.format ?? WireFormat.bitcoin).header
    w.compactSize(m.headers.length)
    for (const h of m.headers) {
      header.write(w, h)
      w.u8(0)
    }
  }
})

/** @since 0.1.0 */
export type Headers = ReturnType<typeof Headers.make>
