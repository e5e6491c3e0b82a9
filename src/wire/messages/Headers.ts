/**
 * `headers`: up to 2,000 block headers, each followed by a transaction count
 * that must be zero. Headers are serialized as the network's header format
 * says (80 or 112 bytes, or with AuxPoW); with a variable-size format the
 * payload is capped by the network's largest block.
 *
 * @since 0.1.0
 */
import * as BlockHeader from "../BlockHeader.js"
import { list, type ListCodec } from "../../internal/wire/ListCodec.js"
import { define } from "../../internal/wire/MessageDef.js"
import { DecodeFailure } from "../../internal/wire/DecodeFailure.js"
import type { BlockHeaderFormat } from "../BlockHeaderFormat.js"
import * as WireFormat from "../WireFormat.js"

/**
 * Most headers in one message.
 *
 * @since 0.1.0
 * @category constants
 */
export const MAX_HEADERS = 2000

/**
 * The header list of one header format: each header is followed by a
 * transaction count, which must be zero. The smallest item the format allows
 * bounds the count before anything is allocated.
 */
const headerListOf = (format: BlockHeaderFormat): ListCodec<BlockHeader.BlockHeader> =>
  list({
    what: "headers",
    item: BlockHeader.BlockHeader,
    max: MAX_HEADERS,
    minItemSize: (format.size._tag === "Fixed" ? format.size.bytes : format.size.min) + 1,
    // The loops are written here, beside the format's codec (see `list`): one call target each.
    readItems: (r, n) => {
      const headers = new Array<BlockHeader.BlockHeader>(n)
      for (let i = 0; i < n; i++) {
        headers[i] = format.read(r)
        const txs = r.compactSize()
        if (txs !== 0) throw new DecodeFailure("InvalidValue", `header has transaction count ${txs}, must be 0`)
      }
      return headers
    },
    writeItems: (w, headers) => {
      for (let i = 0; i < headers.length; i++) {
        format.write(w, headers[i]!)
        w.u8(0)
      }
    }
  })

/** Bitcoin's list, built once; other formats' lists are built on first use and kept. */
const bitcoinList = headerListOf(WireFormat.bitcoin.header)
const lists = new WeakMap<BlockHeaderFormat, ListCodec<BlockHeader.BlockHeader>>([[WireFormat.bitcoin.header, bitcoinList]])

const listFor = (format: WireFormat.WireFormat | undefined): ListCodec<BlockHeader.BlockHeader> => {
  if (format === undefined) return bitcoinList
  let codec = lists.get(format.header)
  if (codec === undefined) {
    codec = headerListOf(format.header)
    lists.set(format.header, codec)
  }
  return codec
}

/**
 * The `headers` message.
 *
 * @since 0.1.0
 * @category messages
 */
export const Headers = define({
  tag: "Headers",
  command: "headers",
  fields: { headers: bitcoinList.schema },
  // Fixed-size headers bound the payload exactly; AuxPoW headers only by the network's block cap.
  maxPayload: (_, format) => {
    const size = (format ?? WireFormat.bitcoin).header.size
    return size._tag === "Fixed" ? 3 + MAX_HEADERS * (size.bytes + 1) : format!.maxBlockPayload
  },
  read: (r, ctx) => ({ headers: listFor(ctx.format).read(r, ctx) }),
  write: (w, m, ctx) => listFor(ctx.format).write(w, m.headers, ctx)
})

/**
 * @since 0.1.0
 * @category models
 */
export type Headers = ReturnType<typeof Headers.make>
