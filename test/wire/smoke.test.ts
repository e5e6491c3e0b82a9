import { describe, expect, it } from "@effect/vitest"
import * as Block from "../../src/wire/Block.js"
import * as Hash from "../../src/wire/Hash.js"
import * as Transaction from "../../src/wire/Transaction.js"

// Mainnet genesis block, 285 bytes (Bitcoin Core chainparams; also btcd's genesis.go).
const GENESIS =
  "0100000000000000000000000000000000000000000000000000000000000000000000003ba3edfd7a7b12b27ac72c3e67768f617fc81bc3888a51323a9fb8aa4b1e5e4a29ab5f49ffff001d1dac2b7c0101000000010000000000000000000000000000000000000000000000000000000000000000ffffffff4d04ffff001d0104455468652054696d65732030332f4a616e2f32303039204368616e63656c6c6f72206f6e206272696e6b206f66207365636f6e64206261696c6f757420666f722062616e6b73ffffffff0100f2052a01000000434104678afdb0fe5548271967f1a67130b7105cd6a828e03909a67962e0ea1f61deb649f6bc3f4cef38c4f35504e51ec112de5c384df7ba0b8d578a4c702b6bf11d5fac00000000"

describe("genesis block", () => {
  it("decodes, hashes to the known block hash and txid, and re-encodes byte for byte", () => {
    const block = Block.fromBytes(Hash.bytesFromHex(GENESIS))
    expect(Hash.toHex(Block.hash(block))).toBe("000000000019d6689c085ae165831e934ff763ae46a2a6c172b3f1b60a8ce26f")
    expect(Hash.toHex(Transaction.txid(block.transactions[0]!))).toBe(
      "4a5e1e4baab89f3a32518a88c31bc87f618f76673e2cc77ab2127b7afdeda33b"
    )
    expect(Block.computeMerkleRoot(block)).toEqual(block.header.merkleRoot)
    expect(Hash.bytesToHex(Block.toBytes(block))).toBe(GENESIS)
  })
})
