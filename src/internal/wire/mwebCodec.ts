/**
 * The walk of Litecoin's MWEB data (LIP-0002, LIP-0003): it checks that the
 * bytes after a block's flagged HogEx are one extension block as Litecoin
 * reads it, and a transaction's MWEB data one MWEB transaction, and where
 * each ends, building nothing. Neither is length-prefixed: only its
 * structure says where it ends, so taking "everything left" accepted blocks
 * Litecoin refuses (an empty extension block followed by junk) and misread
 * what followed a transaction's MWEB data.
 *
 * Checked: the presence byte as Litecoin reads it (`PRESENT`), the layout
 * (Litecoin src/libmw models: block/Block.h = Header then TxBody;
 * tx/Transaction.h = two offsets then TxBody, with at least one kernel;
 * Header.h, TxBody.h, Input.h, Output.h, Kernel.h, PegOutCoin.h),
 * feature bits choosing the optional fields, VARINTs within their type's
 * range, and a peg-out's script not empty (PegOutCoin.h refuses it on read).
 * Not checked: anything cryptographic (commitments, keys, range proofs,
 * signatures are opaque fixed-size fields), sorting, weight, MMR roots:
 * those are consensus, not serialization.
 *
 * @internal
 */
import { ByteReader } from "./ByteReader.js"
import { DecodeFailure } from "./DecodeFailure.js"
import { EncodeFailure } from "./EncodeFailure.js"

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

const TWO_32 = 2 ** 32

/**
 * A VARINT's type: its largest value (and that >> 7) as the doubles the fast
 * path compares with, and exactly, as 32-bit halves, for the tail.
 */
interface VarIntType {
  /** Exact when the max is below 2^53 (int32); else rounded, but never reached by the fast path's values. */
  readonly maxNumber: number
  readonly maxShiftedNumber: number
  readonly maxHi: number
  readonly maxLo: number
  readonly maxShiftedHi: number
  readonly maxShiftedLo: number
}
const varIntType = (max: bigint): VarIntType => ({
  maxNumber: Number(max),
  maxShiftedNumber: Number(max >> 7n),
  maxHi: Number(max >> 32n),
  maxLo: Number(max & 0xffff_ffffn),
  maxShiftedHi: Number(max >> 39n),
  maxShiftedLo: Number((max >> 7n) & 0xffff_ffffn)
})
const INT32 = varIntType(0x7fff_ffffn)
const INT64 = varIntType(0x7fff_ffff_ffff_ffffn)
const UINT64 = varIntType(0xffff_ffff_ffff_ffffn)

/**
 * Below this, `n * 128 + 128` is still an exact integer in a double: the
 * VARINT is read in one number up to here, in two 32-bit halves past it.
 */
const EXACT_IN_A_DOUBLE = 2 ** 45

/**
 * Bitcoin's VARINT (serialize.h ReadVarInt: base 128, most significant group
 * first, each continuation adding one), refused past `max` as Litecoin
 * refuses it ("size too large"), in Litecoin's order: a byte is read before
 * the value so far is checked. A kernel may hold one per peg-out, over a
 * million in a 4 MB block that any peer may send unasked: in bigint
 * throughout, its walk took ~35-70 ms of CPU (1-byte amounts) to ~200-290 ms
 * (9-byte); so in plain numbers (one while the value stays exact, two 32-bit
 * halves from the 8th byte of a value that reached 2^45): no bigint, ~11-30
 * and ~25-37 ms.
 */
const skipVarInt = (r: ByteReader, type: VarIntType, what: string): void => {
  // For int64 and uint64 the limits as doubles are rounded, but a value below
  // EXACT_IN_A_DOUBLE * 128 + 128 is neither past max >> 7 nor equal to max,
  // rounded or not: the same verdicts as the exact comparisons.
  let n = 0
  for (;;) {
    if (n >= EXACT_IN_A_DOUBLE) return skipVarIntTail(r, Math.floor(n / TWO_32), n % TWO_32, type, what)
    const ch = r.u8()
    if (n > type.maxShiftedNumber) throw varIntTooLarge(what)
    n = n * 128 + (ch & 0x7f)
    if ((ch & 0x80) === 0) return
    if (n === type.maxNumber) throw varIntTooLarge(what)
    n++
  }
}

/**
 * The rest of a VARINT whose value so far reached EXACT_IN_A_DOUBLE, as
 * `hi * 2^32 + lo`: the same steps, exact in doubles (past the check, the
 * value is at most max >> 7 < 2^57, so `hi * 128` and `lo * 128 + 127` stay
 * below 2^39; a value equal to max is refused before it could carry past 2^64).
 */
const skipVarIntTail = (r: ByteReader, hi: number, lo: number, type: VarIntType, what: string): void => {
  for (;;) {
    const ch = r.u8()
    if (hi > type.maxShiftedHi || (hi === type.maxShiftedHi && lo > type.maxShiftedLo)) throw varIntTooLarge(what)
    const shifted = lo * 128 + (ch & 0x7f)
    hi = hi * 128 + Math.floor(shifted / TWO_32)
    lo = shifted % TWO_32
    if ((ch & 0x80) === 0) return
    if (hi === type.maxHi && lo === type.maxLo) throw varIntTooLarge(what)
    if (++lo === TWO_32) {
      lo = 0
      hi++
    }
  }
}

const varIntTooLarge = (what: string): DecodeFailure => new DecodeFailure("InvalidValue", `${what}: VARINT too large`)

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

/** Moves past the kernels; returns how many there were. */
const skipKernels = (r: ByteReader): number => {
  const n = r.count(MAX_SIZE, MIN_KERNEL, "MWEB kernels")
  for (let i = 0; i < n; i++) {
    const features = r.u8()
    if ((features & KERNEL_FEE) !== 0) skipVarInt(r, INT64, "MWEB kernel fee")
    if ((features & KERNEL_PEGIN) !== 0) skipVarInt(r, INT64, "MWEB kernel peg-in")
    if ((features & KERNEL_PEGOUT) !== 0) {
      const pegouts = r.count(MAX_SIZE, MIN_PEGOUT, "MWEB kernel peg-outs")
      for (let j = 0; j < pegouts; j++) {
        skipVarInt(r, INT64, "MWEB peg-out amount")
        const script = r.compactSize()
        if (script === 0) throw new DecodeFailure("InvalidValue", "MWEB peg-out with an empty scriptPubKey")
        r.skip(script, "MWEB peg-out scriptPubKey")
      }
    }
    if ((features & KERNEL_HEIGHT_LOCK) !== 0) skipVarInt(r, INT32, "MWEB kernel lock height")
    if ((features & KERNEL_STEALTH_EXCESS) !== 0) r.skip(PUBLIC_KEY, "MWEB kernel stealth excess")
    if ((features & KERNEL_EXTRA_DATA) !== 0) r.skipVarBytes("MWEB kernel extra data")
    r.skip(COMMITMENT + SIGNATURE, "MWEB kernel excess and signature")
  }
  return n
}

/**
 * Litecoin serialize.h `OptionalPtr`, which wraps both the extension block
 * (`MWEB::Block`) and a transaction's MWEB data (`MWEB::Tx`, mweb_models.h):
 * the object follows only when its presence byte is exactly 1; any other
 * byte means none, with nothing after it. (Not a bool read: 02 or ff is
 * absent, not present.)
 *
 * @internal
 */
export const PRESENT = 1

/**
 * Moves past one extension block as Litecoin's `CBlock` reads it after a
 * flagged HogEx: an OptionalPtr (presence byte; `PRESENT` then mw::Block:
 * Header, then TxBody; any other byte alone, absent). The bytes are kept as
 * received, so a block is written back as it came. Fails with the reader's
 * errors (Truncated, non-canonical CompactSize) or InvalidValue; on success
 * the reader is just past the extension block.
 *
 * @internal
 */
export const skipExtensionBlock = (r: ByteReader): void => {
  if (r.u8() !== PRESENT) return
  // Header: height, output/kernel/leafset roots, kernel and stealth offsets, output and kernel MMR sizes.
  skipVarInt(r, INT32, "MWEB header height")
  r.skip(5 * HASH, "MWEB header")
  skipVarInt(r, UINT64, "MWEB output MMR size")
  skipVarInt(r, UINT64, "MWEB kernel MMR size")
  skipInputs(r)
  skipOutputs(r)
  skipKernels(r)
}

/**
 * Moves past one MWEB transaction (Litecoin libmw mw::Transaction, what
 * follows a transaction's presence byte when it is `PRESENT`): kernel offset
 * and stealth offset (32 bytes each), then the body the extension block has
 * (inputs, outputs, kernels). Litecoin refuses one without kernels on read
 * (Transaction.h: "Transaction requires at least one kernel"). Fails as
 * `skipExtensionBlock` does.
 *
 * @internal
 */
export const skipMwebTransaction = (r: ByteReader): void => {
  r.skip(2 * HASH, "MWEB transaction offsets")
  skipInputs(r)
  skipOutputs(r)
  if (skipKernels(r) === 0) throw new DecodeFailure("InvalidValue", "an MWEB transaction without kernels")
}

/**
 * Refuses, for writing, MWEB bytes from `from` on that do not read back as
 * exactly one `what` (`skip` walks it): MWEB data has no length prefix, so
 * what follows it would be read as something else.
 *
 * @internal
 */
export const checkWhole = (bytes: Uint8Array, from: number, skip: (r: ByteReader) => void, what: string): void => {
  const r = new ByteReader(bytes, from)
  try {
    skip(r)
  } catch (e) {
    throw new EncodeFailure(`not an ${what}: ${e instanceof Error ? e.message : String(e)}`)
  }
  if (r.remaining !== 0) throw new EncodeFailure(`${r.remaining} bytes after the ${what}`)
}
