/**
 * Vectors for inventory and locator messages: inv, getdata, notfound,
 * getblocks, getheaders.
 */
import * as Message from "../../../src/wire/Message.js"
import { bytes, type Vector } from "../../support/wire.js"

/** Hash of mainnet block 203707 (wire order), as in btcd's inventory tests. */
export const BLOCK_203707_HASH_HEX = "dce9691094da23c7e76713d075d4a10b794008a636acc24b2603000000000000"
/** Hash of the first non-coinbase transaction of block 203707 (wire order). */
export const TX_203707_HASH_HEX = "f0facc7a481be7cf42bd7fe54f2c2af8ef819add93ee55980af02b39c73d8ad2"

/**
 * btcd wire/msginv_test.go `MultiInvEncoded`; msggetdata_test.go and
 * msgnotfound_test.go use the same two vectors.
 */
export const MULTI_INV_HEX = [
  "02", // two inventory vectors
  "02000000", // InvTypeBlock
  BLOCK_203707_HASH_HEX, // block 203707
  "01000000", // InvTypeTx
  TX_203707_HASH_HEX // transaction 1 of block 203707
].join("")

/** btcd wire/msggetheaders_test.go `multiLocatorsEncoded` (msggetblocks_test.go uses the same hashes). */
export const LOCATOR_HEX = [
  "62ea0000", // protocol version 60002
  "02", // two locator hashes
  "e0de064468132c63d220cc691283cb65bcaae47994ef9e7bade7020000000000", // block 99500
  "357595b7f68cb160ccba2c9ac5425fd96f0a013dc97ec8400f71020000000000", // block 99499
  "06e533fd1ada86391f3f6c343204b0d278d4aaec1c0b20aa27ba030000000000" // stop: block 100000
].join("")

const multiInv = [
  { type: 2, hash: bytes(BLOCK_203707_HASH_HEX) },
  { type: 1, hash: bytes(TX_203707_HASH_HEX) }
]

const locator = {
  version: 60002,
  locator: [
    bytes("e0de064468132c63d220cc691283cb65bcaae47994ef9e7bade7020000000000"),
    bytes("357595b7f68cb160ccba2c9ac5425fd96f0a013dc97ec8400f71020000000000")
  ],
  stopHash: bytes("06e533fd1ada86391f3f6c343204b0d278d4aaec1c0b20aa27ba030000000000")
}

export const inventoryVectors: ReadonlyArray<Vector> = [
  {
    name: "a block and a transaction",
    source: "btcd wire/msginv_test.go TestInvWire MultiInvEncoded",
    command: "inv",
    payload: bytes(MULTI_INV_HEX),
    expected: Message.Inv.make({ inventory: multiInv })
  },
  {
    name: "empty",
    source: "btcd wire/msginv_test.go TestInvWire NoInvEncoded",
    command: "inv",
    payload: bytes("00"), // no vectors
    expected: Message.Inv.make({ inventory: [] })
  },
  {
    name: "a block and a transaction",
    source: "btcd wire/msggetdata_test.go TestGetDataWire MultiInvEncoded",
    command: "getdata",
    payload: bytes(MULTI_INV_HEX),
    expected: Message.GetData.make({ inventory: multiInv })
  },
  {
    name: "a witness transaction (type 0x40000001) and a compact block (type 4)",
    source: "BIP-0144 MSG_WITNESS_TX and BIP-0152 MSG_CMPCT_BLOCK type values, btcd hashes",
    command: "getdata",
    payload: bytes(
      "02", // two inventory vectors
      "01000040", // MSG_WITNESS_TX = 1 | 1 << 30
      TX_203707_HASH_HEX,
      "04000000", // MSG_CMPCT_BLOCK
      BLOCK_203707_HASH_HEX
    ),
    expected: Message.GetData.make({
      inventory: [
        { type: 0x40000001, hash: bytes(TX_203707_HASH_HEX) },
        { type: 4, hash: bytes(BLOCK_203707_HASH_HEX) }
      ]
    })
  },
  {
    name: "a block and a transaction",
    source: "btcd wire/msgnotfound_test.go TestNotFoundWire (same block and tx vectors)",
    command: "notfound",
    payload: bytes(MULTI_INV_HEX),
    expected: Message.NotFound.make({ inventory: multiInv })
  },
  {
    name: "two locators and a stop hash",
    source: "btcd wire/msggetblocks_test.go TestGetBlocksWire multiLocatorsEncoded",
    command: "getblocks",
    payload: bytes(LOCATOR_HEX),
    expected: Message.GetBlocks.make(locator)
  },
  {
    name: "two locators and a stop hash",
    source: "btcd wire/msggetheaders_test.go TestGetHeadersWire multiLocatorsEncoded",
    command: "getheaders",
    payload: bytes(LOCATOR_HEX),
    expected: Message.GetHeaders.make(locator)
  },
  {
    name: "no locators, no stop hash",
    source: "btcd wire/msggetheaders_test.go TestGetHeadersWire noLocatorsEncoded",
    command: "getheaders",
    payload: bytes(
      "62ea0000", // protocol version 60002
      "00", // no locator hashes
      "0000000000000000000000000000000000000000000000000000000000000000" // stop hash: none
    ),
    expected: Message.GetHeaders.make({ version: 60002, locator: [], stopHash: new Uint8Array(32) })
  }
]
