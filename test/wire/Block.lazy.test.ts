/**
 * A block read from bytes builds its transactions when they are first read
 * (see `Block.read`). What a user relies on: the block reads the same as an
 * eagerly built one, malformed transactions still fail the read itself,
 * `transactions` is built once, copies of the block work, and re-encoding
 * gives the exact bytes received, looked into or not.
 */
import { describe, expect, it } from "@effect/vitest"
import * as Arbitrary from "effect/Arbitrary"
import * as FastCheck from "effect/FastCheck"
import { isDeepStrictEqual } from "node:util"
import * as Block from "../../src/wire/Block.js"
import * as ChainParams from "../../src/wire/ChainParams.js"
import * as Transaction from "../../src/wire/Transaction.js"
import { bytes, toHex } from "../support/wire.js"
import { BLOCK_ONE_HEX } from "./vectors/blocks.js"
import { MULTI_WITNESS_TX_HEX } from "./vectors/fixtures.js"

const blockOne = bytes(BLOCK_ONE_HEX)
const witnessTx = Transaction.fromBytes(bytes(MULTI_WITNESS_TX_HEX))

/** Block 1's header with its coinbase and a segwit transaction. */
const twoTxBlock = (): Uint8Array => {
  const one = Block.fromBytes(blockOne)
  return Block.toBytes({ header: one.header, transactions: [one.transactions[0]!, witnessTx] })
}

describe("a block read from bytes", () => {
  it("has the transactions an eager read gives, built once", () => {
    const block = Block.fromBytes(twoTxBlock())
    const first = block.transactions
    expect(block.transactions).toBe(first)
    expect(first).toHaveLength(2)
    expect(toHex(Transaction.txid(first[1]!))).toBe(toHex(Transaction.txid(witnessTx)))
    expect(first[1]!.inputs.map((i) => i.witness.length)).toEqual(witnessTx.inputs.map((i) => i.witness.length))
    expect(Block.computeMerkleRoot(Block.fromBytes(blockOne))).toEqual(Block.fromBytes(blockOne).header.merkleRoot)
  })

  it("fails the read itself when a transaction is malformed, not later when it is looked at", () => {
    const good = twoTxBlock()
    expect(() => Block.fromBytes(good.subarray(0, good.length - 10))).toThrow(/need \d+ bytes/)
    // The segwit transaction is last: version (4 bytes), then marker 0x00 and flag 0x01.
    const flagAt = good.length - Transaction.toBytes(witnessTx).length + 5
    expect([good[flagAt - 1], good[flagAt]]).toEqual([0x00, 0x01])
    const bad = Uint8Array.from(good)
    bad[flagAt] = 0x02
    expect(() => Block.fromBytes(bad)).toThrow(/flags 2/)
  })

  it("checks a transaction the fast walk leaves to the full check (Litecoin's HogEx) there, and the next one from where it ended", () => {
    const one = Block.fromBytes(blockOne)
    const plain = Transaction.toBytes(witnessTx, false)
    // A HogEx: MWEB flag 8, no witness, a null MWEB transaction (one 0 byte) before the lock time.
    const hogEx = Transaction.toBytes({ ...witnessTx, inputs: witnessTx.inputs.map((i) => ({ ...i, witness: [] })), mweb: new Uint8Array(1) })
    expect([hogEx[4], hogEx[5], hogEx[hogEx.length - 5]]).toEqual([0x00, 0x08, 0x00])
    const txs = [one.transactions[0]!, Transaction.fromBytes(hogEx, "mweb"), witnessTx, Transaction.fromBytes(plain)]
    const encoded = Block.toBytes({ header: one.header, transactions: txs }, ChainParams.ltcMainnet.format)
    const read = Block.fromBytes(encoded, ChainParams.ltcMainnet.format)
    expect(read.transactions.map((tx) => toHex(Transaction.toBytes(tx)))).toEqual(txs.map((tx) => toHex(Transaction.toBytes(tx))))
    // The segwit transaction after the HogEx, malformed: the read fails, with its error.
    const bad = Uint8Array.from(encoded)
    const flagAt = encoded.length - plain.length - Transaction.toBytes(witnessTx).length + 5
    expect([bad[flagAt - 1], bad[flagAt]]).toEqual([0x00, 0x01])
    bad[flagAt] = 0x02
    expect(() => Block.fromBytes(bad, ChainParams.ltcMainnet.format)).toThrow(/flags 2/)
  })

  it("is a plain value: same keys, prototype and deep equality as the block built by hand", () => {
    const block = Block.fromBytes(twoTxBlock())
    const byHand = { header: block.header, transactions: Block.fromBytes(twoTxBlock()).transactions.slice() }
    expect(Object.getPrototypeOf(block)).toBe(Object.prototype)
    expect(Object.keys(block)).toEqual(["header", "transactions"])
    expect(isDeepStrictEqual(block, byHand)).toBe(true)
    expect(block).toStrictEqual(byHand)
  })

  it("re-encodes to the bytes it was read from, whether or not its transactions were read", () => {
    const original = twoTxBlock()
    expect(toHex(Block.toBytes(Block.fromBytes(original)))).toBe(toHex(original))
    const looked = Block.fromBytes(original)
    void looked.transactions
    expect(toHex(Block.toBytes(looked))).toBe(toHex(original))
  })

  it("copies like a plain value: a spread, or a copy with other transactions, encodes what it holds", () => {
    const block = Block.fromBytes(twoTxBlock())
    const spread = { ...block }
    expect(spread.transactions).toHaveLength(2)
    const onlyCoinbase = { ...block, transactions: block.transactions.slice(0, 1) }
    expect(toHex(Block.toBytes(onlyCoinbase))).toBe(toHex(Block.toBytes({ header: block.header, transactions: [block.transactions[0]!] })))
    expect(Object.keys(block).sort()).toEqual(["header", "transactions"])
  })

  it("round-trips any block: read(write(b)) equals b, and write(read(bytes)) is bytes", () => {
    const arb = Arbitrary.make(Block.Block)
    FastCheck.assert(
      FastCheck.property(arb, (b) => {
        const encoded = Block.toBytes(b)
        const read = Block.fromBytes(encoded)
        expect(toHex(Block.toBytes(read))).toBe(toHex(encoded))
        expect(Block.toBytes({ header: read.header, transactions: read.transactions })).toEqual(encoded)
      }),
      { numRuns: 50 }
    )
  })
})
