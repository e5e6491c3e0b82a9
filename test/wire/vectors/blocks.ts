/**
 * Vectors for blocks and transactions: headers, block, tx, merkleblock,
 * cmpctblock, getblocktxn, blocktxn.
 */
import * as Message from "../../../src/wire/Message.js"
import { bytes, repeat, type Vector } from "../../support/wire.js"
import {
  BLOCK_ONE_COINBASE_HEX, BLOCK_ONE_HEADER_HEX, BLOCK_ONE_MERKLE_ROOT, blockOneCoinbase, blockOneHeader,
  MAINNET_GENESIS_HASH, MAINNET_GENESIS_HASH_HEX, MULTI_WITNESS_TX_HEX, multiWitnessTx
} from "./fixtures.js"

/** btcd wire/msgblock_test.go `blockOneBytes`: mainnet block 1, 215 bytes. */
export const BLOCK_ONE_HEX = [
  BLOCK_ONE_HEADER_HEX, // 80-byte header
  "01", // one transaction
  BLOCK_ONE_COINBASE_HEX // the coinbase
].join("")

/** btcd wire/msgheaders_test.go TestHeadersWire `oneHeaderEncoded`. */
export const HEADERS_ONE_HEX = [
  "01", // one header
  BLOCK_ONE_HEADER_HEX, // block 1's header
  "00" // transaction count, always 0
].join("")

/**
 * The first transaction of mainnet block 113875, from btcd
 * wire/msgtx_test.go TestTxHash (txid f051e59b…dcb86).
 */
export const TX_113875_HEX = [
  "01000000", // version 1
  "01", // one input
  repeat("00", 32), // previous output hash: none (coinbase)
  "ffffffff", // previous output index
  "07", // script length
  "0431dc001b0162", // coinbase script
  "ffffffff", // sequence
  "01", // one output
  "00f2052a01000000", // 5,000,000,000 satoshis
  "43", // script length 67
  "4104d64bdfd09eb1c5fe295abdeb1dca4281be988e2da0b6c1c6a59dc226c28624e18175e851c96b973d81b01cc31f047834bc06d6d6edf620d184241a6aed8b63a6ac", // P2PK
  "00000000" // lock time
].join("")
export const TX_113875_TXID_DISPLAY = "f051e59b5e2503ac626d03aaeac8ab7be2d72ba4b7e97119c5852d70d52dcb86"

/** btcd wire/msgmerkleblock_test.go `merkleBlockOneBytes`. */
export const MERKLE_BLOCK_ONE_HEX = [
  BLOCK_ONE_HEADER_HEX, // block 1's header
  "01000000", // total transactions: 1
  "01", // one hash
  "982051fd1e4ba744bbbe680e1fee14677ba1a3c3540bf7b1cdb606e857233e0e", // the coinbase txid
  "01", // one flag byte
  "80" // flags
].join("")

/** btcd wire/msgcmpctblock_test.go `testCmpctBlock`: two short ids, prefilled at 0 and 2. */
export const CMPCT_BLOCK_HEX = [
  BLOCK_ONE_HEADER_HEX, // block 1's header
  "0102030405060708", // nonce 0x0807060504030201
  "02", // two short ids
  "010203040506", // short id 0x060504030201
  "111213141516", // short id 0x161514131211
  "02", // two prefilled transactions
  "00", // absolute index 0
  BLOCK_ONE_COINBASE_HEX,
  "01", // index 2, as the gap from index 0 minus one
  BLOCK_ONE_COINBASE_HEX
].join("")

/** btcd wire/msggetblocktxn_test.go `getBlockTxnBytes`: indexes 0, 1, 3, 300 of the genesis block. */
export const GET_BLOCK_TXN_HEX = [
  MAINNET_GENESIS_HASH_HEX, // block hash
  "04", // four indexes
  "00", // 0
  "00", // 1 = 0 + 1 + 0
  "01", // 3 = 1 + 1 + 1
  "fd2801" // 300 = 3 + 1 + 296
].join("")

/** btcd wire/msgblocktxn_test.go `blockTxnBytes`. */
export const BLOCK_TXN_HEX = [
  MAINNET_GENESIS_HASH_HEX, // block hash
  "01", // one transaction
  BLOCK_ONE_COINBASE_HEX
].join("")

export const blockVectors: ReadonlyArray<Vector> = [
  {
    name: "block 1's header",
    source: "btcd wire/msgheaders_test.go TestHeadersWire",
    command: "headers",
    payload: bytes(HEADERS_ONE_HEX),
    expected: Message.Headers.make({ headers: [blockOneHeader] })
  },
  {
    name: "empty",
    source: "btcd wire/msgheaders_test.go TestHeadersWire noHeadersEncoded",
    command: "headers",
    payload: bytes("00"), // no headers
    expected: Message.Headers.make({ headers: [] })
  },
  {
    name: "mainnet block 1",
    source: "btcd wire/msgblock_test.go blockOneBytes",
    command: "block",
    payload: bytes(BLOCK_ONE_HEX),
    expected: Message.BlockMessage.make({ header: blockOneHeader, transactions: [blockOneCoinbase] })
  },
  {
    name: "legacy serialization (block 113875 coinbase)",
    source: "btcd wire/msgtx_test.go TestTxHash",
    command: "tx",
    payload: bytes(TX_113875_HEX),
    expected: Message.Tx.make({
      tx: {
        version: 1,
        inputs: [{
          prevout: { hash: new Uint8Array(32), index: 0xffffffff },
          script: bytes("0431dc001b0162"),
          sequence: 0xffffffff,
          witness: []
        }],
        outputs: [{
          value: 5_000_000_000n,
          script: bytes(
            "4104d64bdfd09eb1c5fe295abdeb1dca4281be988e2da0b6c1c6a59dc226c28624e18175e851c96b973d81b01cc31f047834bc06d6d6edf620d184241a6aed8b63a6ac"
          )
        }],
        lockTime: 0
      }
    })
  },
  {
    name: "BIP-0144 witness serialization",
    source: "btcd wire/msgtx_test.go multiWitnessTxEncoded",
    command: "tx",
    payload: bytes(MULTI_WITNESS_TX_HEX),
    expected: Message.Tx.make({ tx: multiWitnessTx })
  },
  {
    name: "block 1, coinbase matched",
    source: "btcd wire/msgmerkleblock_test.go merkleBlockOneBytes",
    command: "merkleblock",
    payload: bytes(MERKLE_BLOCK_ONE_HEX),
    expected: Message.MerkleBlock.make({
      header: blockOneHeader,
      totalTransactions: 1,
      hashes: [BLOCK_ONE_MERKLE_ROOT],
      flags: Uint8Array.from([0x80])
    })
  },
  {
    name: "two short ids, two prefilled",
    source: "btcd wire/msgcmpctblock_test.go testCmpctBlock",
    command: "cmpctblock",
    payload: bytes(CMPCT_BLOCK_HEX),
    expected: Message.CmpctBlock.make({
      header: blockOneHeader,
      nonce: 0x0807060504030201n,
      shortIds: [0x060504030201, 0x161514131211],
      prefilled: [{ index: 0, tx: blockOneCoinbase }, { index: 2, tx: blockOneCoinbase }]
    })
  },
  {
    name: "indexes 0, 1, 3, 300",
    source: "btcd wire/msggetblocktxn_test.go getBlockTxnBytes",
    command: "getblocktxn",
    payload: bytes(GET_BLOCK_TXN_HEX),
    expected: Message.GetBlockTxn.make({ blockHash: MAINNET_GENESIS_HASH, indexes: [0, 1, 3, 300] })
  },
  {
    name: "one transaction",
    source: "btcd wire/msgblocktxn_test.go blockTxnBytes",
    command: "blocktxn",
    payload: bytes(BLOCK_TXN_HEX),
    expected: Message.BlockTxn.make({ blockHash: MAINNET_GENESIS_HASH, transactions: [blockOneCoinbase] })
  }
]
