/**
 * The byte codec of Bitcoin's 80-byte header, which every built-in
 * `BlockHeaderFormat` starts from (LBRY's writes its claim-trie root in the
 * middle, Dogecoin's appends its AuxPoW proof).
 */
import type * as ByteCursor from "../../wire/ByteCursor.js"
import type { BlockHeader } from "../../wire/BlockHeader.js"

/** Reads Bitcoin's 80 bytes. @internal */
export const read = (r: ByteCursor.Reader): BlockHeader => ({
  version: r.i32le(),
  prevBlock: r.hash(),
  merkleRoot: r.hash(),
  time: r.u32le(),
  bits: r.u32le(),
  nonce: r.u32le()
})

/** Writes the identity bytes: 80, or 112 when the header has a claim-trie root. @internal */
export const write = (w: ByteCursor.Writer, h: BlockHeader): void => {
  w.i32le(h.version).bytes(h.prevBlock).bytes(h.merkleRoot)
  if (h.claimTrieRoot !== undefined) w.bytes(h.claimTrieRoot)
  w.u32le(h.time).u32le(h.bits).u32le(h.nonce)
}
