import { describe, expect, it } from "@effect/vitest"
import * as FastCheck from "effect/FastCheck"
import * as Block from "../../src/wire/Block.js"
import * as BlockHeader from "../../src/wire/BlockHeader.js"
import * as Hash from "../../src/wire/Hash.js"
import * as Transaction from "../../src/wire/Transaction.js"
import { bytes } from "../support/wire.js"
import { BLOCK_ONE_HEX } from "./vectors/blocks.js"
import { MULTI_WITNESS_TX_HEX } from "./vectors/fixtures.js"

describe("merkle root", () => {
  it("of mainnet block 100000's four txids is its header's merkle root (btcd blockchain/merkle_test.go)", () => {
    const txids = [
      "8c14f0db3df150123e6f3dbbf30f8b955a8249b62ac1d1ff16284aefa3d06d87",
      "fff2525b8931402dd09222c50775608f75787bd2b87e56995a7bdd30f79702c4",
      "6359f0868171b1d194cbee1af2f16ea598ae8fad666d9b012c8ed2b79a236ec4",
      "e9a66845e05d5abc0ad04ec80f774a7e585c6e8db975962d069a522137b80c1d"
    ].map(Hash.fromHex)
    expect(Hash.toHex(Block.merkleRoot(txids))).toBe("f3e94742aca4b5ef85488dc37c06c3282295ffec960994b2c0d5ac2a25a95766")
  })

  it("is the single txid for one transaction, and zero for none", () => {
    const one = Hash.fromHex("4a5e1e4baab89f3a32518a88c31bc87f618f76673e2cc77ab2127b7afdeda33b")
    expect(Block.merkleRoot([one])).toEqual(one)
    expect(Block.merkleRoot([])).toEqual(new Uint8Array(32))
  })

  it("duplicates the last hash of an odd level, as Bitcoin does", () => {
    const hash = FastCheck.uint8Array({ minLength: 32, maxLength: 32 })
    FastCheck.assert(
      FastCheck.property(FastCheck.array(hash, { minLength: 1, maxLength: 9 }), (hashes) => {
        if (hashes.length % 2 === 1 && hashes.length > 1) {
          expect(Block.merkleRoot(hashes)).toEqual(Block.merkleRoot([...hashes, hashes[hashes.length - 1]!]))
        }
        // The input is not modified.
        const copy = hashes.map((h) => h.slice())
        Block.merkleRoot(hashes)
        expect(hashes).toEqual(copy)
      }),
      { numRuns: 100 }
    )
  })
})

describe("byte helpers", () => {
  it("Block.fromBytes / toBytes round trip block 1 and refuse trailing bytes", () => {
    const block = Block.fromBytes(bytes(BLOCK_ONE_HEX))
    expect(Hash.bytesToHex(Block.toBytes(block))).toBe(BLOCK_ONE_HEX)
    expect(() => Block.fromBytes(bytes(BLOCK_ONE_HEX, "00"))).toThrow()
    expect(() => Block.fromBytes(bytes(BLOCK_ONE_HEX).subarray(0, 100))).toThrow()
  })

  it("BlockHeader.fromBytes takes exactly 80 bytes", () => {
    const header = bytes(BLOCK_ONE_HEX).subarray(0, 80)
    expect(BlockHeader.toBytes(BlockHeader.fromBytes(header))).toEqual(header)
    expect(() => BlockHeader.fromBytes(header.subarray(0, 79))).toThrow()
    expect(() => BlockHeader.fromBytes(bytes(BLOCK_ONE_HEX).subarray(0, 81))).toThrow()
  })

  it("Transaction.fromBytes refuses trailing bytes; toBytes(tx, false) drops the witness", () => {
    const tx = Transaction.fromBytes(bytes(MULTI_WITNESS_TX_HEX))
    expect(() => Transaction.fromBytes(bytes(MULTI_WITNESS_TX_HEX, "00"))).toThrow()
    expect(Hash.bytesToHex(Transaction.toBytes(tx))).toBe(MULTI_WITNESS_TX_HEX)
    const legacy = Transaction.toBytes(tx, false)
    expect(Hash.bytesToHex(legacy.subarray(0, 6))).toBe("0100000001a5") // version, 1 input (no marker and flag), prevout hash
  })
})
