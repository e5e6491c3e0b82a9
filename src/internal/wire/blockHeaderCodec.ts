/**
 * The byte codec of Bitcoin's 80-byte header, which every built-in
 * `BlockHeaderFormat` starts from (LBRY's writes its claim-trie root in the
 * middle, Dogecoin's appends its AuxPoW proof).
 */
import type * as ByteCursor from "../../wire/ByteCursor.js"
import { HeaderObject } from "./plainObjects.js"

/**
 * A header, as `wire/BlockHeader` defines it, restated so the codec does not
 * import the module it serves (that module's `toBytes` imports this one).
 *
 * @internal
 */
export interface BlockHeader {
  readonly version: number
  readonly prevBlock: Uint8Array
  readonly merkleRoot: Uint8Array
  readonly claimTrieRoot?: Uint8Array | undefined
  readonly time: number
  readonly bits: number
  readonly nonce: number
  readonly auxPow?: Uint8Array | undefined
}

/** Reads Bitcoin's 80 bytes. @internal */
export const read = (r: ByteCursor.Reader): BlockHeader =>
  // A constructor, not a literal: see `plainObjects` (2,000 headers at once must not pretenure every later one).
  new HeaderObject(r.i32le(), r.hash(), r.hash(), r.u32le(), r.u32le(), r.u32le())

/** Writes the identity bytes: 80, or 112 when the header has a claim-trie root. @internal */
export const write = (w: ByteCursor.Writer, h: BlockHeader): void => {
  w.i32le(h.version).bytes(h.prevBlock).bytes(h.merkleRoot)
  if (h.claimTrieRoot !== undefined) w.bytes(h.claimTrieRoot)
  w.u32le(h.time).u32le(h.bits).u32le(h.nonce)
}
