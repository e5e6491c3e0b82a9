/**
 * Byte fixtures shared by several vectors. All are public chain data or
 * published test vectors; each says where it comes from.
 */
import type * as BlockHeader from "../../../src/wire/BlockHeader.js"
import type * as Transaction from "../../../src/wire/Transaction.js"
import { bytes, displayHash, repeat } from "../../support/wire.js"

/** Mainnet genesis block hash (Bitcoin Core chainparams; btcd `mainNetGenesisHash`), wire order. */
export const MAINNET_GENESIS_HASH_HEX = "6fe28c0ab6f1b372c1a6a246ae63f74f931e8365e15a089c68d6190000000000"
export const MAINNET_GENESIS_HASH = bytes(MAINNET_GENESIS_HASH_HEX)

/**
 * Header of mainnet block 1, 80 bytes: btcd wire/msgblock_test.go `blockOneBytes[:80]`
 * (the chain's block 1, hash 00000000839a8e6886ab5951d76f411475428afc90947ee320161bbf18eb6048).
 */
export const BLOCK_ONE_HEADER_HEX = [
  "01000000", // version 1
  MAINNET_GENESIS_HASH_HEX, // previous block: the genesis block
  "982051fd1e4ba744bbbe680e1fee14677ba1a3c3540bf7b1cdb606e857233e0e", // merkle root
  "61bc6649", // time 0x4966bc61 (2009-01-09 02:54:25 UTC)
  "ffff001d", // bits 0x1d00ffff
  "01e36299" // nonce 0x9962e301
].join("")

export const BLOCK_ONE_HASH_DISPLAY = "00000000839a8e6886ab5951d76f411475428afc90947ee320161bbf18eb6048"
export const BLOCK_ONE_MERKLE_ROOT = bytes("982051fd1e4ba744bbbe680e1fee14677ba1a3c3540bf7b1cdb606e857233e0e")

export const blockOneHeader: BlockHeader.BlockHeader = {
  version: 1,
  prevBlock: MAINNET_GENESIS_HASH,
  merkleRoot: BLOCK_ONE_MERKLE_ROOT,
  time: 0x4966bc61,
  bits: 0x1d00ffff,
  nonce: 0x9962e301
}

/** Block 1's uncompressed pay-to-pubkey output script (btcd `blockOne`). */
const BLOCK_ONE_PK_SCRIPT =
  "410496b538e853519c726a2c91e61ec11600ae1390813a627c66fb8be7947be63c52da7589379515d4e0a604f8141781e62294721166bf621e73a82cbf2342c858eeac"

/** Coinbase transaction of block 1: btcd wire/msgblock_test.go `blockOneBytes[81:]`, 134 bytes. */
export const BLOCK_ONE_COINBASE_HEX = [
  "01000000", // tx version 1
  "01", // one input
  repeat("00", 32), // previous output hash: none (coinbase)
  "ffffffff", // previous output index
  "07", // script length
  "04ffff001d0104", // coinbase script
  "ffffffff", // sequence
  "01", // one output
  "00f2052a01000000", // 5,000,000,000 satoshis
  "43", // script length 67
  BLOCK_ONE_PK_SCRIPT, // OP_DATA_65 <pubkey> OP_CHECKSIG
  "00000000" // lock time
].join("")

/** Its txid (= block 1's merkle root, the block having one transaction). */
export const BLOCK_ONE_COINBASE_TXID_DISPLAY = "0e3e2357e806b6cdb1f70b54c3a3a17b6714ee1f0e68bebb44a74b1efd512098"

export const blockOneCoinbase: Transaction.Transaction = {
  version: 1,
  inputs: [
    {
      prevout: { hash: new Uint8Array(32), index: 0xffffffff },
      script: bytes("04ffff001d0104"),
      sequence: 0xffffffff,
      witness: []
    }
  ],
  outputs: [{ value: 5_000_000_000n, script: bytes(BLOCK_ONE_PK_SCRIPT) }],
  lockTime: 0
}

/**
 * btcd wire/msgtx_test.go `multiWitnessTxEncoded`: one P2WPKH-spending input
 * with a two-item witness (from block 23157 of an old segnet). btcd's
 * `TestWTxSha` publishes its txid and wtxid.
 */
export const MULTI_WITNESS_TX_FIELDS = {
  version: "01000000",
  marker: "00", // segwit marker: an empty input list
  flag: "01", // segwit flag
  inputCount: "01",
  prevHash: "a53352d5135766f03076597418263da2d9c958315968fea823529467481ff9cd",
  prevIndex: "13000000", // 19
  scriptSig: "00", // empty: a witness input
  sequence: "ffffffff",
  outputCount: "01",
  value: "0b07060000000000", // 395,019 satoshis
  pkScript: "16" + "0014" + "9ddac6f39d51e0398e532a22c41ba189406a8523", // P2WPKH
  witness: [
    "02", // two stack items
    "46", // 70-byte signature
    "3043021f4d2381dc97f182abd8185f517530185232" +
      "12f5ddc07cc4e63a8dc03658da190220608b5c4d92b86b6de7d78ef23a2fa735bcb59b914a48b0e187c5e7569a18197001",
    "21", // 33-byte compressed public key
    "0307ead084807eb76346df6977000c89392f45c76425b26181f521d7f370066a8f"
  ].join(""),
  lockTime: "00000000"
} as const

const f = MULTI_WITNESS_TX_FIELDS
export const MULTI_WITNESS_TX_HEX = [
  f.version, f.marker, f.flag, f.inputCount, f.prevHash, f.prevIndex, f.scriptSig, f.sequence,
  f.outputCount, f.value, f.pkScript, f.witness, f.lockTime
].join("")

export const MULTI_WITNESS_TXID_DISPLAY = "0f167d1385a84d1518cfee208b653fc9163b605ccf1b75347e2850b3e2eb19f3"
export const MULTI_WITNESS_WTXID_DISPLAY = "0858eab78e77b6b033da30f46699996396cf48fcf625a783c85a51403e175e74"

export const multiWitnessTx: Transaction.Transaction = {
  version: 1,
  inputs: [
    {
      prevout: { hash: bytes(f.prevHash), index: 19 },
      script: new Uint8Array(0),
      sequence: 0xffffffff,
      witness: [
        bytes(
          "3043021f4d2381dc97f182abd8185f51753018523212f5ddc07cc4e63a8dc03658da190220608b5c4d92b86b6de7d78ef23a2fa735bcb59b914a48b0e187c5e7569a18197001"
        ),
        bytes("0307ead084807eb76346df6977000c89392f45c76425b26181f521d7f370066a8f")
      ]
    }
  ],
  outputs: [{ value: 395_019n, script: bytes("00149ddac6f39d51e0398e532a22c41ba189406a8523") }],
  lockTime: 0
}

/** Testnet3 genesis block hash in wire order (Bitcoin Core chainparams). */
export const TESTNET3_GENESIS_HASH = displayHash("000000000933ea01ad0ee984209779baaec3ced90fa3f408719526f8d77f4943")
