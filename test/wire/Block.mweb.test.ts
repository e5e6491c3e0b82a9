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
/** An extension block: OptionalPtr present (01), then its bytes (opaque to this library). */
const EXTENSION = bytes("01", "5eed".repeat(40))

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

  it("a block is never written as Litecoin could not read it", () => {
    const block = Block.fromBytes(mwebBlock, ltc.format)
    const [coinbase, hogEx] = block.transactions
    // Extension block without a flagged HogEx last, or on a network without MWEB.
    expect(() => Block.toBytes({ header: block.header, transactions: [hogEx!, coinbase!], mweb: EXTENSION }, ltc.format)).toThrow()
    expect(() => Block.toBytes(block, ChainParams.mainnet.format)).toThrow()
    // A flagged HogEx last without its extension block.
    expect(() => Block.toBytes({ header: block.header, transactions: [coinbase!, hogEx!] }, ltc.format)).toThrow()
    // An empty extension block is no OptionalPtr at all.
    expect(() => Block.toBytes({ ...block, mweb: new Uint8Array(0) }, ltc.format)).toThrow()
  })
})
