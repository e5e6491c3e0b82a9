import { describe, expect, it } from "@effect/vitest"
import * as Block from "../../../src/wire/Block.js"
import * as BlockHeader from "../../../src/wire/BlockHeader.js"
import * as Hash from "../../../src/wire/Hash.js"
import * as Transaction from "../../../src/wire/Transaction.js"
import { bytes, decodeOk, runVectors } from "../../support/wire.js"
import { BLOCK_ONE_HEX, blockVectors, CMPCT_BLOCK_HEX, TX_113875_HEX, TX_113875_TXID_DISPLAY } from "../vectors/blocks.js"
import {
  BLOCK_ONE_COINBASE_TXID_DISPLAY, BLOCK_ONE_HASH_DISPLAY, BLOCK_ONE_HEADER_HEX, MULTI_WITNESS_TX_HEX,
  MULTI_WITNESS_TXID_DISPLAY, MULTI_WITNESS_WTXID_DISPLAY
} from "../vectors/fixtures.js"

runVectors("block and transaction vectors", blockVectors)

describe("block 1", () => {
  it("hashes to the published block hash and its merkle root matches its coinbase", () => {
    const m = decodeOk("block", bytes(BLOCK_ONE_HEX))
    if (m._tag !== "Block") throw new Error(m._tag)
    expect(Hash.toHex(Block.hash(m))).toBe(BLOCK_ONE_HASH_DISPLAY)
    expect(Hash.toHex(Transaction.txid(m.transactions[0]!))).toBe(BLOCK_ONE_COINBASE_TXID_DISPLAY)
    expect(Block.computeMerkleRoot(m)).toEqual(m.header.merkleRoot)
    expect(Hash.toHex(BlockHeader.hash(BlockHeader.fromBytes(bytes(BLOCK_ONE_HEADER_HEX))))).toBe(BLOCK_ONE_HASH_DISPLAY)
  })
})

describe("transactions", () => {
  it("the legacy vector has btcd's published txid, and wtxid = txid without witness", () => {
    const tx = Transaction.fromBytes(bytes(TX_113875_HEX))
    expect(Hash.toHex(Transaction.txid(tx))).toBe(TX_113875_TXID_DISPLAY)
    expect(Transaction.wtxid(tx)).toEqual(Transaction.txid(tx))
    expect(Transaction.hasWitness(tx)).toBe(false)
  })

  it("the witness vector has btcd's published txid and wtxid (TestWTxSha)", () => {
    const tx = Transaction.fromBytes(bytes(MULTI_WITNESS_TX_HEX))
    expect(Transaction.hasWitness(tx)).toBe(true)
    expect(Hash.toHex(Transaction.txid(tx))).toBe(MULTI_WITNESS_TXID_DISPLAY)
    expect(Hash.toHex(Transaction.wtxid(tx))).toBe(MULTI_WITNESS_WTXID_DISPLAY)
    // The txid commits to the legacy serialization: no marker, flag or witness.
    const legacy = Transaction.toBytes(tx, false)
    expect(legacy.length).toBe(bytes(MULTI_WITNESS_TX_HEX).length - 2 - 1 - 1 - 70 - 1 - 33)
    expect(Transaction.fromBytes(legacy)).toEqual({ ...tx, inputs: [{ ...tx.inputs[0]!, witness: [] }] })
  })
})

describe("cmpctblock", () => {
  it("decodes differential prefilled indexes to absolute ones", () => {
    const m = decodeOk("cmpctblock", bytes(CMPCT_BLOCK_HEX))
    if (m._tag !== "CmpctBlock") throw new Error(m._tag)
    expect(m.prefilled.map((p) => p.index)).toEqual([0, 2])
    expect(Hash.toHex(BlockHeader.hash(m.header))).toBe(BLOCK_ONE_HASH_DISPLAY)
  })
})
