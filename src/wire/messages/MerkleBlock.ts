/**
 * `merkleblock` (BIP-0037): a header and a partial merkle tree (transaction
 * count, hashes, flag bits) proving which transactions matched the filter.
 *
 * @since 0.1.0
 */
import * as BlockHeader from "../BlockHeader.js"
import { define } from "../../internal/wire/MessageDef.js"
import { readHashes, writeHashes } from "../../internal/wire/sharedShapes.js"
import { Bytes, Hash32, UInt32 } from "../Fields.js"
import { MAX_BLOCK_PAYLOAD } from "./Block.js"
import * as Schema from "effect/Schema"

/**
 * The `merkleblock` message.
 *
 * @since 0.1.0
 * @category messages
 */
export const MerkleBlock = define({
  tag: "MerkleBlock",
  command: "merkleblock",
  fields: { header: BlockHeader.BlockHeader, totalTransactions: UInt32, hashes: Schema.Array(Hash32), flags: Bytes },
  maxPayload: () => MAX_BLOCK_PAYLOAD,
  read: (r) => {
    const header = BlockHeader.read(r)
    const totalTransactions = r.u32le()
    const hashes = readHashes(r, Number.MAX_SAFE_INTEGER, "hashes")
    return { header, totalTransactions, hashes, flags: r.varBytes(r.remaining, "flags") }
  },
  write: (w, m) => {
    BlockHeader.write(w, m.header)
    writeHashes(w.u32le(m.totalTransactions), m.hashes)
    w.varBytes(m.flags)
  }
})

/**
 * @since 0.1.0
 * @category models
 */
export type MerkleBlock = ReturnType<typeof MerkleBlock.make>
