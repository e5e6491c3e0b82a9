/**
 * How a network serializes block headers inside `headers`, `block`,
 * `cmpctblock` and `merkleblock`: the pluggable part of a chain's wire
 * format (`ChainParams.format.header`).
 *
 * - `bitcoin`: 80 bytes (Bitcoin, Bitcoin Cash, Litecoin).
 * - `lbry`: 112 bytes, a claim-trie root after the merkle root (lbrycrd
 *   `src/primitives/block.h`).
 * - `auxPow`: 80 bytes, then, when version bit 8 is set, a merge-mining proof
 *   of variable length (Dogecoin `src/auxpow.h`): the parent chain's coinbase
 *   transaction, the parent block hash, the coinbase's merkle branch and
 *   index, the chain merkle branch and index, and the parent's 80-byte header.
 *   The proof is walked (every length bounded before use) to find where it
 *   ends and kept as bytes: checking it is proof-of-work business, not ours.
 *
 * Every format's identity hash is the double SHA-256 of `BlockHeader.toBytes`.
 *
 * A chain with headers of its own plugs in a format of its own: `read` and
 * `write` work on the `ByteCursor` reader and writer, which bound every read
 * and turn a failure into a typed `WireError` for the message that carried
 * the header (see `ByteCursor`).
 *
 * @since 0.1.0
 */
import { ByteReader } from "../internal/wire/ByteReader.js"
import { ByteWriter } from "../internal/wire/ByteWriter.js"
import * as HeaderCodec from "../internal/wire/blockHeaderCodec.js"
import * as TransactionCodec from "../internal/wire/transactionCodec.js"
import * as BlockHeader from "./BlockHeader.js"
import type * as ByteCursor from "./ByteCursor.js"

/**
 * How many bytes a header takes: always the same, or at least `min`.
 *
 * @since 0.1.0
 * @category models
 */
export type SizeRule =
  | { readonly _tag: "Fixed"; readonly bytes: number }
  | { readonly _tag: "Variable"; readonly min: number }

/**
 * A block header serialization.
 *
 * @since 0.1.0
 * @category models
 */
export interface BlockHeaderFormat {
  readonly name: string
  readonly size: SizeRule
  /** Reads one header; the reader throws on truncated input, the format on a value it refuses. */
  readonly read: (r: ByteCursor.Reader) => BlockHeader.BlockHeader
  /** Writes one header; throws on a header this format cannot carry. */
  readonly write: (w: ByteCursor.Writer, h: BlockHeader.BlockHeader) => void
}

const noExtensions = (format: string, h: BlockHeader.BlockHeader): void => {
  if (h.claimTrieRoot !== undefined) throw new Error(`a ${format} header has no claim-trie root`)
  if (h.auxPow !== undefined) throw new Error(`a ${format} header has no AuxPoW`)
}

/**
 * Bitcoin's 80-byte header.
 *
 * @since 0.1.0
 * @category formats
 */
export const bitcoin: BlockHeaderFormat = {
  name: "bitcoin",
  size: { _tag: "Fixed", bytes: BlockHeader.SIZE },
  read: HeaderCodec.read,
  write: (w, h) => {
    noExtensions("bitcoin", h)
    HeaderCodec.write(w, h)
  }
}

/**
 * LBRY's 112-byte header (lbrycrd `CBlockHeader`: version, prev, merkle root, claim-trie root, time, bits, nonce).
 *
 * @since 0.1.0
 * @category formats
 */
export const lbry: BlockHeaderFormat = {
  name: "lbry",
  size: { _tag: "Fixed", bytes: BlockHeader.LBRY_SIZE },
  read: (r) => ({
    version: r.i32le(),
    prevBlock: r.hash(),
    merkleRoot: r.hash(),
    claimTrieRoot: r.hash(),
    time: r.u32le(),
    bits: r.u32le(),
    nonce: r.u32le()
  }),
  write: (w, h) => {
    if (h.claimTrieRoot === undefined) throw new Error("an LBRY header needs a claim-trie root")
    if (h.auxPow !== undefined) throw new Error("an LBRY header has no AuxPoW")
    HeaderCodec.write(w, h)
  }
}

/**
 * Version bit that announces an AuxPoW proof after the header (Dogecoin `VERSION_AUXPOW`).
 *
 * @since 0.1.0
 * @category constants
 */
export const AUXPOW_VERSION_BIT = 1 << 8

/** Most hashes in either merkle branch of a proof: deeper than any real tree (Dogecoin refuses chain branches over 30). */
const MAX_BRANCH = 32

const skipBranch = (r: ByteCursor.Reader, what: string): void => {
  const n = r.count(MAX_BRANCH, 32, what)
  r.bytesView(n * 32, what)
  r.i32le()
}

/**
 * Walks one AuxPoW proof and returns its bytes (a view). Throws a decode
 * failure when it is malformed or truncated.
 */
const readAuxPow = (r: ByteCursor.Reader): Uint8Array => {
  const start = r.offset
  TransactionCodec.read(r)
  r.hash()
  skipBranch(r, "AuxPoW coinbase branch")
  skipBranch(r, "AuxPoW chain branch")
  HeaderCodec.read(r)
  return r.bytes.subarray(start, r.offset)
}

/**
 * Dogecoin's header: 80 bytes, then an AuxPoW proof when version bit 8 is set.
 *
 * @since 0.1.0
 * @category formats
 */
export const auxPow: BlockHeaderFormat = {
  name: "auxpow",
  size: { _tag: "Variable", min: BlockHeader.SIZE },
  read: (r) => {
    const h = HeaderCodec.read(r)
    if ((h.version & AUXPOW_VERSION_BIT) === 0) return h
    return { ...h, auxPow: readAuxPow(r) }
  },
  write: (w, h) => {
    if (h.claimTrieRoot !== undefined) throw new Error("a Dogecoin header has no claim-trie root")
    const flagged = (h.version & AUXPOW_VERSION_BIT) !== 0
    if (flagged !== (h.auxPow !== undefined)) {
      throw new Error(flagged ? "version bit 8 set but no AuxPoW" : "AuxPoW without version bit 8")
    }
    HeaderCodec.write(w, h)
    if (h.auxPow !== undefined) w.bytes(h.auxPow)
  }
}

/**
 * Decodes exactly one header of `format` from `bytes`; throws on malformed
 * input or trailing bytes.
 *
 * @since 0.1.0
 * @category decoding
 */
export const fromBytes = (format: BlockHeaderFormat, bytes: Uint8Array): BlockHeader.BlockHeader => {
  const r = new ByteReader(bytes)
  const h = format.read(r)
  r.done()
  return h
}

/**
 * The header as `format` serializes it (with its AuxPoW proof, if any).
 *
 * @since 0.1.0
 * @category encoding
 */
export const toBytes = (format: BlockHeaderFormat, h: BlockHeader.BlockHeader): Uint8Array => {
  const w = new ByteWriter(BlockHeader.LBRY_SIZE + (h.auxPow?.length ?? 0))
  format.write(w, h)
  return w.finish()
}
