/**
 * Litecoin blocks in the MWEB serialization (Litecoin primitives/block.h):
 * when the last of at least two transactions is a flagged HogEx, the block's
 * MWEB extension block (LIP-0002) follows the transactions. That is what
 * litecoind's raw `getblock <hash> 0` returns for every block since MWEB
 * activated, and what a peer serves for `MSG_MWEB_BLOCK`. The extension
 * block is kept as opaque bytes in `block.mweb`, as a transaction's MWEB
 * data is in `tx.mweb`.
 */
import { describe, expect, it } from "@effect/vitest"
import * as Either from "effect/Either"
import * as Block from "../../src/wire/Block.js"
import * as ChainParams from "../../src/wire/ChainParams.js"
import * as Hash from "../../src/wire/Hash.js"
import * as Message from "../../src/wire/Message.js"
import * as Transaction from "../../src/wire/Transaction.js"
import { bytes, concat, toHex } from "../support/wire.js"
import { LTC_BLOCK_1, LTC_HOGEX } from "./vectors/family.js"
import { BLOCK_ONE_COINBASE_HEX } from "./vectors/fixtures.js"

const ltc = ChainParams.ltcMainnet
const ctx = { version: ltc.protocolVersion, format: ltc.format }

/** A coinbase (Bitcoin block 1's: any legacy transaction will do before the HogEx). */
const COINBASE = bytes(BLOCK_ONE_COINBASE_HEX)
/** Block 2,680,000's HogEx: flagged (marker 00, flag 08), null MWEB transaction. */
const HOGEX = bytes(LTC_HOGEX[0].hex)
/**
 * An extension block (Litecoin libmw mw::Block): present (01); header: height
 * VARINT, output/kernel/leafset roots and kernel/stealth offsets (5 x 32),
 * output and kernel MMR sizes (VARINTs); body: no inputs, no outputs, one
 * kernel with a fee (features 01, fee VARINT 5, excess 33, signature 64).
 */
const EXTENSION = bytes("01", "8f00", "11".repeat(160), "0203", "00", "00", "01", "0105", "22".repeat(33), "33".repeat(64))
/** A kernel of each optional field (features 3f): fee, peg-in, one peg-out, lock height, stealth excess, extra data. */
const kernelWith = (pegoutScript: string, lockHeight = "05") =>
  bytes("3f", "05", "80ff00", "01", "07", pegoutScript, lockHeight, "44".repeat(33), "02abcd", "22".repeat(33), "33".repeat(64))
/** An extension block of one input (stealth key, extra data) and one output (standard fields, extra data) and `kernel`. */
const fullExtension = (kernel: Uint8Array) =>
  concat(
    bytes("01", "00", "11".repeat(160), "00", "00"),
    bytes("01", "03", "55".repeat(32 + 33 + 33), "66".repeat(33), "0101", "77".repeat(64)),
    bytes("01", "88".repeat(99), "03", "99".repeat(33 + 1 + 8 + 16), "0102", "aa".repeat(675 + 64)),
    bytes("01"),
    kernel
  )

const header = bytes(LTC_BLOCK_1)
const mwebBlock = concat(header, bytes("02"), COINBASE, HOGEX, EXTENSION)

describe("Litecoin blocks in the MWEB serialization", () => {
  it("decode with the extension block kept as bytes, and re-encode byte for byte", () => {
    const block = Block.fromBytes(mwebBlock, ltc.format)
    expect(block.mweb).toEqual(EXTENSION)
    expect(block.transactions.length).toBe(2)
    expect(Hash.toHex(Transaction.txid(block.transactions[1]!))).toBe(LTC_HOGEX[0].txid)
    expect(toHex(Block.toBytes(block, ltc.format))).toBe(toHex(mwebBlock))
    // Unread (never looked into) and read blocks write the same bytes.
    expect(toHex(Block.toBytes(Block.fromBytes(mwebBlock, ltc.format), ltc.format))).toBe(toHex(mwebBlock))
  })

  it("as a `block` message, on Litecoin's networks only", () => {
    const decoded = Message.decodePayloadEither("block", mwebBlock, ctx)
    if (Either.isLeft(decoded)) throw new Error(decoded.left.message)
    const m = decoded.right as Message.MessageOf<"Block">
    expect(m.mweb).toEqual(EXTENSION)
    expect(Message.encodePayloadEither(m, ctx)).toEqual(Either.right(mwebBlock))
    // Bitcoin knows neither the flag nor the extension block.
    const onBitcoin = Message.decodePayloadEither("block", mwebBlock, { version: 70016, format: ChainParams.mainnet.format })
    expect(Either.isLeft(onBitcoin)).toBe(true)
  })

  it("a flagged HogEx last needs its extension block (Litecoin reads it too): without one the block is truncated", () => {
    const cut = concat(header, bytes("02"), COINBASE, HOGEX)
    const r = Message.decodePayloadEither("block", cut, ctx)
    expect(Either.isLeft(r) && r.left.reason).toBe("Truncated")
  })

  it("bytes after the transactions are an error unless the last of two or more is a flagged HogEx", () => {
    const plainHogEx = Transaction.toBytes({ ...Transaction.fromBytes(HOGEX, "mweb"), mweb: undefined })
    for (const payload of [
      concat(header, bytes("02"), COINBASE, plainHogEx, EXTENSION), // the HogEx unflagged (SERIALIZE_NO_MWEB)
      concat(header, bytes("01"), HOGEX, EXTENSION), // a HogEx alone
      concat(header, bytes("02"), HOGEX, COINBASE, EXTENSION) // a HogEx, but not last
    ]) {
      const r = Message.decodePayloadEither("block", payload, ctx)
      expect(Either.isLeft(r) && r.left.reason, toHex(payload.subarray(80, 90))).toBe("TrailingBytes")
    }
  })

  it("the extension block is read as Litecoin reads it (no length prefix): its structure says where it ends", () => {
    const reason = (extension: Uint8Array) => {
      const r = Message.decodePayloadEither("block", concat(header, bytes("02"), COINBASE, HOGEX, extension), ctx)
      return Either.isLeft(r) ? r.left.reason : "decoded"
    }
    // An absent extension block is its presence byte alone; anything after it is not Litecoin's.
    expect(reason(bytes("00"))).toBe("decoded")
    expect(reason(bytes("00ffff"))).toBe("TrailingBytes")
    expect(reason(concat(EXTENSION, bytes("00")))).toBe("TrailingBytes")
    // The presence byte as serialize.h's OptionalPtr reads it: only 1 announces an extension
    // block (and nothing of it is truncated); any other byte is none, alone, as 0 is.
    expect(reason(bytes("01"))).toBe("Truncated")
    for (const presence of ["02", "ff", "80"]) {
      expect(reason(bytes(presence)), presence).toBe("decoded")
      expect(Block.fromBytes(concat(header, bytes("02"), COINBASE, HOGEX, bytes(presence)), ltc.format).mweb).toEqual(bytes(presence))
      expect(reason(concat(bytes(presence), EXTENSION.subarray(1))), presence).toBe("TrailingBytes")
    }
    // Cut anywhere inside: truncated, never accepted.
    for (let cut = 1; cut < EXTENSION.length; cut++) expect(reason(EXTENSION.subarray(0, cut)), `cut at ${cut}`).toBe("Truncated")
    // Every optional field, walked by its feature bit.
    const full = fullExtension(kernelWith("0151"))
    expect(reason(full)).toBe("decoded")
    expect(Block.fromBytes(concat(header, bytes("02"), COINBASE, HOGEX, full), ltc.format).mweb).toEqual(full)
    for (let cut = 1; cut < full.length; cut++) expect(reason(full.subarray(0, cut)), `cut at ${cut}`).toBe("Truncated")
    // Litecoin refuses on read: a peg-out to an empty script (PegOutCoin.h), a VARINT past its type.
    expect(reason(fullExtension(kernelWith("00")))).toBe("InvalidValue")
    expect(reason(fullExtension(kernelWith("0151", "86fefeff00")))).toBe("InvalidValue") // lock height 2^31: past int32
    expect(reason(fullExtension(kernelWith("0151", "86fefefe7f")))).toBe("decoded") // 2^31 - 1
  })

  it("a flagged HogEx (null MWEB transaction) without outputs is refused, in `tx` and in a block (Litecoin: Missing HogEx output)", () => {
    const noOutputs = bytes("02000000", "0008", "01", "ab".repeat(32), "00000000", "00", "ffffffff", "00", "00", "00000000")
    const asTx = Message.decodePayloadEither("tx", noOutputs, ctx)
    expect(Either.isLeft(asTx) && asTx.left.reason).toBe("InvalidValue")
    const inBlock = Message.decodePayloadEither("block", concat(header, bytes("02"), COINBASE, noOutputs, bytes("00")), ctx)
    expect(Either.isLeft(inBlock) && inBlock.left.reason).toBe("InvalidValue")
    expect(() => Transaction.fromBytes(noOutputs, "mweb")).toThrow()
    // Nor written: what Litecoin (and this library) would refuse to read.
    const hogEx = Transaction.fromBytes(HOGEX, "mweb")
    expect(() => Transaction.toBytes({ ...hogEx, outputs: [] })).toThrow()
    expect(Either.isLeft(Message.encodePayloadEither({ _tag: "Tx", tx: { ...hogEx, outputs: [] } } as Message.NetworkMessage, ctx))).toBe(true)
  })

  it("a block is never written as Litecoin could not read it", () => {
    const block = Block.fromBytes(mwebBlock, ltc.format)
    const [coinbase, hogEx] = block.transactions
    // Extension block without a flagged HogEx last, or on a network without MWEB.
    expect(() => Block.toBytes({ header: block.header, transactions: [hogEx!, coinbase!], mweb: EXTENSION }, ltc.format)).toThrow()
    expect(() => Block.toBytes(block, ChainParams.mainnet.format)).toThrow()
    // A flagged HogEx last without its extension block.
    expect(() => Block.toBytes({ header: block.header, transactions: [coinbase!, hogEx!] }, ltc.format)).toThrow()
    // An empty extension block is no OptionalPtr at all; one Litecoin would read shorter or not at all.
    expect(() => Block.toBytes({ ...block, mweb: new Uint8Array(0) }, ltc.format)).toThrow()
    expect(() => Block.toBytes({ ...block, mweb: bytes("00ffff") }, ltc.format)).toThrow()
    expect(() => Block.toBytes({ ...block, mweb: bytes("01") }, ltc.format)).toThrow()
    expect(() => Block.toBytes({ ...block, mweb: bytes("ff00") }, ltc.format)).toThrow()
    // Absent: 0 (what Litecoin writes), or any byte but 1 (what it reads as absent), written as given.
    for (const absent of ["00", "ff"]) {
      const written = Block.toBytes({ ...block, mweb: bytes(absent) }, ltc.format)
      expect(written.length).toBe(mwebBlock.length - EXTENSION.length + 1)
      expect(Block.fromBytes(written, ltc.format).mweb).toEqual(bytes(absent))
    }
  })
  it("a HogEx's presence byte is read as Litecoin reads it: any byte but 1 is the null MWEB transaction, alone", () => {
    // Block 2,680,000's HogEx with its null MWEB transaction written 02 or ff instead of 00.
    for (const presence of [2, 0xff]) {
      const hogEx = HOGEX.slice()
      hogEx[hogEx.length - 5] = presence
      // As a transaction: the same HogEx (same txid, lock time, outputs), its byte kept as received.
      const tx = Transaction.fromBytes(hogEx, "mweb")
      expect(Hash.toHex(Transaction.txid(tx))).toBe(LTC_HOGEX[0].txid)
      expect(tx.mweb).toEqual(Uint8Array.of(presence))
      expect(tx.lockTime).toBe(0)
      expect(toHex(Transaction.toBytes(tx))).toBe(toHex(hogEx))
      // Last in a block: the extension block follows it, and the block is the one with 00.
      const payload = concat(header, bytes("02"), COINBASE, hogEx, EXTENSION)
      const decoded = Message.decodePayloadEither("block", payload, ctx)
      if (Either.isLeft(decoded)) throw new Error(decoded.left.message)
      const m = decoded.right as Message.MessageOf<"Block">
      expect(m.mweb).toEqual(EXTENSION)
      expect(m.transactions.map((t) => Hash.toHex(Transaction.txid(t)))).toEqual(
        Block.fromBytes(mwebBlock, ltc.format).transactions.map((t) => Hash.toHex(Transaction.txid(t)))
      )
      expect(m.transactions[1]!.lockTime).toBe(0)
      // Written back as received, read or not.
      expect(toHex(Block.toBytes(m, ltc.format))).toBe(toHex(payload))
      expect(toHex(Block.toBytes({ header: m.header, transactions: [...m.transactions], mweb: m.mweb }, ltc.format))).toBe(toHex(payload))
      // Without outputs it is refused like 00 (Litecoin: Missing HogEx output), in `tx` and in a block.
      const noOutputs = bytes("02000000", "0008", "01", "ab".repeat(32), "00000000", "00", "ffffffff", "00", presence.toString(16).padStart(2, "0"), "00000000")
      const asTx = Message.decodePayloadEither("tx", noOutputs, ctx)
      expect(Either.isLeft(asTx) && asTx.left.reason).toBe("InvalidValue")
      const inBlock = Message.decodePayloadEither("block", concat(header, bytes("02"), COINBASE, noOutputs, bytes("00")), ctx)
      expect(Either.isLeft(inBlock) && inBlock.left.reason).toBe("InvalidValue")
      expect(() => Transaction.toBytes({ ...tx, outputs: [] })).toThrow()
    }
  })

  it("an MWEB transaction (presence 1) is read field by field to its end, not to 4 bytes before the payload's", () => {
    // Kernel offset, stealth offset; no inputs, no outputs; one kernel with a fee.
    const mwebTx = bytes("01", "aa".repeat(32), "bb".repeat(32), "00", "00", "01", "0105", "22".repeat(33), "33".repeat(64))
    const hogEx = Transaction.fromBytes(HOGEX, "mweb")
    const withTx = (mweb: Uint8Array) => concat(HOGEX.subarray(0, HOGEX.length - 5), mweb, bytes("11000000"))
    const decode = (payload: Uint8Array) => Message.decodePayloadEither("tx", payload, ctx)
    const ok = decode(withTx(mwebTx))
    if (Either.isLeft(ok)) throw new Error(ok.left.message)
    expect((ok.right as Message.MessageOf<"Tx">).tx.mweb).toEqual(mwebTx)
    expect((ok.right as Message.MessageOf<"Tx">).tx.lockTime).toBe(0x11)
    // Bytes between its end and the lock time are not part of it: trailing.
    const junk = decode(withTx(concat(mwebTx, bytes("c0ffee"))))
    expect(Either.isLeft(junk) && junk.left.reason).toBe("TrailingBytes")
    // Cut anywhere inside: truncated. Without a kernel: refused (Litecoin libmw Transaction.h).
    for (let cut = 1; cut < mwebTx.length; cut++) {
      const r = decode(concat(HOGEX.subarray(0, HOGEX.length - 5), mwebTx.subarray(0, cut)))
      expect(Either.isLeft(r) && r.left.reason, `cut at ${cut}`).toBe("Truncated")
    }
    const noKernel = decode(withTx(bytes("01", "aa".repeat(32), "bb".repeat(32), "00", "00", "00")))
    expect(Either.isLeft(noKernel) && noKernel.left.reason).toBe("InvalidValue")
    // Nor written unless Litecoin would read it back as this transaction's.
    expect(toHex(Transaction.toBytes({ ...hogEx, mweb: mwebTx, lockTime: 0x11 }))).toBe(toHex(withTx(mwebTx)))
    for (const mweb of [bytes(""), bytes("01"), concat(mwebTx, bytes("00")), bytes("0000"), bytes("01", "c0ffee".repeat(40))]) {
      expect(() => Transaction.toBytes({ ...hogEx, mweb }), toHex(mweb)).toThrow()
    }
  })
  it("a transaction's wtxid leaves its MWEB data out, as Litecoin's does (ComputeWitnessHash, SERIALIZE_NO_MWEB)", () => {
    // A HogEx has no witness: its wtxid is its txid (it goes into the block's witness commitment so).
    const hogEx = Transaction.fromBytes(HOGEX, "mweb")
    expect(Hash.toHex(Transaction.wtxid(hogEx))).toBe(Hash.toHex(Transaction.txid(hogEx)))
    expect(Hash.toHex(Transaction.wtxid(hogEx))).toBe(LTC_HOGEX[0].txid)
    // With a witness: the segwit serialization, without the MWEB flag and data.
    const mwebTx = bytes("01", "aa".repeat(32), "bb".repeat(32), "00", "00", "01", "0105", "22".repeat(33), "33".repeat(64))
    const witnessed = { ...hogEx, inputs: [{ ...hogEx.inputs[0]!, witness: [bytes("c0ffee")] }] }
    const plain = { version: witnessed.version, inputs: witnessed.inputs, outputs: witnessed.outputs, lockTime: witnessed.lockTime }
    expect(Hash.toHex(Transaction.wtxid({ ...witnessed, mweb: mwebTx }))).toBe(Hash.toHex(Transaction.wtxid(plain)))
    expect(Hash.toHex(Transaction.wtxid(plain))).not.toBe(Hash.toHex(Transaction.txid(plain)))
  })
})
