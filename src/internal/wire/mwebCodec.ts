/**
 * The walk of Litecoin's MWEB extension block (LIP-0002): it checks that the
 * bytes after a block's flagged HogEx are one extension block as Litecoin
 * reads it, and where that block ends, building nothing. The extension block
 * is not length-prefixed: only its structure says where it ends, so taking
 * "everything left" accepted blocks Litecoin refuses (`ff`, or an empty
 * extension block followed by junk).
 *
 * Checked: the layout (Litecoin src/libmw models: block/Block.h = Header then
 * TxBody; Header.h, TxBody.h, Input.h, Output.h, Kernel.h, PegOutCoin.h),
 * feature bits choosing the optional fields, VARINTs within their type's
 * range, and a peg-out's script not empty (PegOutCoin.h refuses it on read).
 * Not checked: anything cryptographic (commitments, keys, range proofs,
 * signatures are opaque fixed-size fields), sorting, weight, MMR roots:
 * those are consensus, not serialization.
 *
 * @internal
 */
import type { ByteReader } from "./ByteReader.js"
import { DecodeFailure } from "./DecodeFailure.js"

const HASH = 32
const COMMITMENT = 33
const PUBLIC_KEY = 33
const SIGNATURE = 64
/** Bulletproof range proofs are serialized at their fixed size (Output.h). */
const RANGE_PROOF = 675

/** Feature bits (Input.h, Output.h OutputMessage, Kernel.h). */
const INPUT_STEALTH_KEY = 0x01
const INPUT_EXTRA_DATA = 0x02
const OUTPUT_STANDARD_FIELDS = 0x01
const OUTPUT_EXTRA_DATA = 0x02
const KERNEL_FEE = 0x01
const KERNEL_PEGIN = 0x02
const KERNEL_PEGOUT = 0x04
const KERNEL_HEIGHT_LOCK = 0x08
const KERNEL_STEALTH_EXCESS = 0x10
const KERNEL_EXTRA_DATA = 0x20

/** Smallest serialized element of each list, to bound its count by the bytes left. */
const MIN_INPUT = 1 + HASH + COMMITMENT + PUBLIC_KEY + SIGNATURE
const MIN_OUTPUT = COMMITMENT + PUBLIC_KEY + PUBLIC_KEY + 1 + RANGE_PROOF + SIGNATURE
const MIN_KERNEL = 1 + COMMITMENT + SIGNATURE
const MIN_PEGOUT = 1 + 1 + 1
/** Litecoin serialize.h MAX_SIZE: no vector is read longer. */
const MAX_SIZE = 0x02000000

const MAX_INT32 = 0x7fff_ffffn
const MAX_INT64 = 0x7fff_ffff_ffff_ffffn
const MAX_UINT64 = 0xffff_ffff_ffff_ffffn

/**
 * Bitcoin's VARINT (serialize.h ReadVarInt: base 128, most significant group
 * first, each continuation adding one), refused past `max` as Litecoin
 * refuses it ("size too large"). Few per block: bigint is fine here.
 */
const skipVarInt = (r: ByteReader, max: bigint, what: string): void => {
  let n = 0n
  for (;;) {
    const ch = r.u8()
    if (n > max >> 7n) throw new DecodeFailure("InvalidValue", `${what}: VARINT too large`)
    n = (n << 7n) | BigInt(ch & 0x7f)
    if ((ch & 0x80) === 0) return
    if (n === max) throw new DecodeFailure("InvalidValue", `${what}: VARINT too large`)
    n++
  }
}

const skipInputs = (r: ByteReader): void => {
  const n = r.count(MAX_SIZE, MIN_INPUT, "MWEB inputs")
  for (let i = 0; i < n; i++) {
    const features = r.u8()
    r.skip(HASH + COMMITMENT + PUBLIC_KEY, "MWEB input")
    if ((features & INPUT_STEALTH_KEY) !== 0) r.skip(PUBLIC_KEY, "MWEB input public key")
    if ((features & INPUT_EXTRA_DATA) !== 0) r.skipVarBytes("MWEB input extra data")
    r.skip(SIGNATURE, "MWEB input signature")
  }
}

const skipOutputs = (r: ByteReader): void => {
  const n = r.count(MAX_SIZE, MIN_OUTPUT, "MWEB outputs")
  for (let i = 0; i < n; i++) {
    r.skip(COMMITMENT + PUBLIC_KEY + PUBLIC_KEY, "MWEB output")
    const features = r.u8()
    // Standard fields: key exchange public key, view tag, masked value (8), masked nonce (16).
    if ((features & OUTPUT_STANDARD_FIELDS) !== 0) r.skip(PUBLIC_KEY + 1 + 8 + 16, "MWEB output standard fields")
    if ((features & OUTPUT_EXTRA_DATA) !== 0) r.skipVarBytes("MWEB output extra data")
    r.skip(RANGE_PROOF + SIGNATURE, "MWEB output range proof and signature")
  }
}

const skipKernels = (r: ByteReader): void => {
  const n = r.count(MAX_SIZE, MIN_KERNEL, "MWEB kernels")
  for (let i = 0; i < n; i++) {
    const features = r.u8()
    if ((features & KERNEL_FEE) !== 0) skipVarInt(r, MAX_INT64, "MWEB kernel fee")
    if ((features & KERNEL_PEGIN) !== 0) skipVarInt(r, MAX_INT64, "MWEB kernel peg-in")
    if ((features & KERNEL_PEGOUT) !== 0) {
      const pegouts = r.count(MAX_SIZE, MIN_PEGOUT, "MWEB kernel peg-outs")
      for (let j = 0; j < pegouts; j++) {
        skipVarInt(r, MAX_INT64, "MWEB peg-out amount")
        const script = r.compactSize()
        if (script === 0) throw new DecodeFailure("InvalidValue", "MWEB peg-out with an empty scriptPubKey")
        r.skip(script, "MWEB peg-out scriptPubKey")
      }
    }
    if ((features & KERNEL_HEIGHT_LOCK) !== 0) skipVarInt(r, MAX_INT32, "MWEB kernel lock height")
    if ((features & KERNEL_STEALTH_EXCESS) !== 0) r.skip(PUBLIC_KEY, "MWEB kernel stealth excess")
    if ((features & KERNEL_EXTRA_DATA) !== 0) r.skipVarBytes("MWEB kernel extra data")
    r.skip(COMMITMENT + SIGNATURE, "MWEB kernel excess and signature")
  }
}

/**
 * Moves past one extension block as Litecoin's `CBlock` reads it after a
 * flagged HogEx: an OptionalPtr (presence byte 0, nothing else; else
 * mw::Block: Header, then TxBody). The presence byte is read as a bool, as
 * serialize.h reads one (any non-zero byte is "present"); the bytes are kept
 * as received, so a block is written back as it came. Fails with the
 * reader's errors (Truncated, non-canonical CompactSize) or InvalidValue; on
 * success the reader is just past the extension block.
 *
 * @internal
 */
export const skipExtensionBlock = (r: ByteReader): void => {
  if (r.u8() === 0) return
  // Header: height, output/kernel/leafset roots, kernel and stealth offsets, output and kernel MMR sizes.
  skipVarInt(r, MAX_INT32, "MWEB header height")
  r.skip(5 * HASH, "MWEB header")
  skipVarInt(r, MAX_UINT64, "MWEB output MMR size")
  skipVarInt(r, MAX_UINT64, "MWEB kernel MMR size")
  skipInputs(r)
  skipOutputs(r)
  skipKernels(r)
}
