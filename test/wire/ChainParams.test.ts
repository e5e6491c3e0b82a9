import { describe, expect, it } from "@effect/vitest"
import * as Block from "../../src/wire/Block.js"
import * as BlockHeader from "../../src/wire/BlockHeader.js"
import * as ChainParams from "../../src/wire/ChainParams.js"
import * as Hash from "../../src/wire/Hash.js"
import * as Magic from "../../src/wire/Magic.js"
import * as Transaction from "../../src/wire/Transaction.js"
import { bytes, repeat } from "../support/wire.js"

/**
 * The genesis coinbase shared by mainnet, testnet3, signet and regtest
 * (Bitcoin Core chainparams.cpp CreateGenesisBlock: "The Times 03/Jan/2009
 * Chancellor on brink of second bailout for banks", 50 BTC to Satoshi's key).
 */
const GENESIS_COINBASE_HEX = [
  "01000000", "01", repeat("00", 32), "ffffffff",
  "4d", // script length 77
  "04ffff001d0104", "45", // push 486604799, push 4, push 69 bytes:
  "5468652054696d65732030332f4a616e2f32303039204368616e63656c6c6f72206f6e206272696e6b206f66207365636f6e64206261696c6f757420666f722062616e6b73",
  "ffffffff", "01", "00f2052a01000000",
  "43", "4104678afdb0fe5548271967f1a67130b7105cd6a828e03909a67962e0ea1f61deb649f6bc3f4cef38c4f35504e51ec112de5c384df7ba0b8d578a4c702b6bf11d5fac",
  "00000000"
].join("")

/**
 * Testnet4's genesis coinbase (BIP-0094; Bitcoin Core chainparams.cpp): the
 * 76-byte message "03/May/2024 0000…e00e" (an OP_PUSHDATA1 push) paying to a
 * 33-byte all-zero key.
 */
const TESTNET4_COINBASE_HEX = [
  "01000000", "01", repeat("00", 32), "ffffffff",
  "55", // script length 85
  "04ffff001d0104", "4c4c", // push 486604799, push 4, OP_PUSHDATA1 76 bytes:
  "30332f4d61792f323032342030303030303030303030303030303030303030303165626435386332343439373062336161396437383362623030313031316662653865613865393865303065",
  "ffffffff", "01", "00f2052a01000000",
  "23", "21" + repeat("00", 33) + "ac",
  "00000000"
].join("")

/** Genesis header parameters (time, nonce, bits) from Bitcoin Core chainparams.cpp. */
const genesis = (coinbaseHex: string, time: number, nonce: number, bits: number): Block.Block => {
  const coinbase = Transaction.fromBytes(bytes(coinbaseHex))
  const merkleRoot = Block.merkleRoot([Transaction.txid(coinbase)])
  return { header: { version: 1, prevBlock: new Uint8Array(32), merkleRoot, time, bits, nonce }, transactions: [coinbase] }
}

/**
 * The testnet3 genesis block as published in BIP-0158's test vectors
 * (testnet-19.json, height 0).
 */
const TESTNET3_GENESIS_BLOCK_HEX =
  "0100000000000000000000000000000000000000000000000000000000000000000000003ba3edfd7a7b12b27ac72c3e67768f617fc81bc3888a51323a9fb8aa4b1e5e4adae5494dffff001d1aa4ae18" +
  "01" + GENESIS_COINBASE_HEX

describe("genesis blocks hash to ChainParams.genesisHash", () => {
  it("testnet3, from the block bytes published with BIP-0158", () => {
    const block = Block.fromBytes(bytes(TESTNET3_GENESIS_BLOCK_HEX))
    expect(Block.hash(block)).toEqual(ChainParams.testnet3.genesisHash)
    expect(block).toEqual(genesis(GENESIS_COINBASE_HEX, 1296688602, 414098458, 0x1d00ffff))
    expect(Hash.bytesToHex(Block.toBytes(block))).toBe(TESTNET3_GENESIS_BLOCK_HEX)
  })

  it("mainnet, regtest, signet and testnet4, from the published header parameters", () => {
    const cases: ReadonlyArray<readonly [ChainParams.ChainParams, Block.Block]> = [
      [ChainParams.mainnet, genesis(GENESIS_COINBASE_HEX, 1231006505, 2083236893, 0x1d00ffff)],
      [ChainParams.regtest, genesis(GENESIS_COINBASE_HEX, 1296688602, 2, 0x207fffff)],
      [ChainParams.signet, genesis(GENESIS_COINBASE_HEX, 1598918400, 52613770, 0x1e0377ae)],
      [ChainParams.testnet4, genesis(TESTNET4_COINBASE_HEX, 1714777860, 393743547, 0x1d00ffff)]
    ]
    for (const [params, block] of cases) {
      expect(Hash.toHex(BlockHeader.hash(block.header)), params.name).toBe(Hash.toHex(params.genesisHash))
    }
    expect(Hash.toHex(cases[3]![1].header.merkleRoot)).toBe("7aa0a7ae1e223414cb807e40cd57e667b718e42aaf9306db9102fe28912b7b4e")
    expect(Hash.toHex(ChainParams.regtest.genesisHash)).toBe("0f9188f13cb7b2c71f2a335e3a4fc328bf5beb436012afca590b1a11466e2206")
  })
})

describe("network parameters", () => {
  it("magic values and default ports (Bitcoin Core chainparams.cpp)", () => {
    const bitcoin = [ChainParams.mainnet, ChainParams.testnet3, ChainParams.testnet4, ChainParams.signet, ChainParams.regtest]
    const table = bitcoin.map((p) => [p.name, Magic.toHex(p.magic), p.defaultPort])
    expect(table).toEqual([
      ["mainnet", "f9beb4d9", 8333],
      ["testnet3", "0b110907", 18333],
      ["testnet4", "1c163f28", 48333],
      ["signet", "0a03cf40", 38333],
      ["regtest", "fabfb5da", 18444]
    ])
  })

  it("DNS seeds, in Bitcoin Core's order (src/kernel/chainparams.cpp at 284c42a3, 2025-09)", () => {
    expect([ChainParams.mainnet, ChainParams.testnet3, ChainParams.testnet4, ChainParams.signet, ChainParams.regtest].map((p) => [p.name, p.dnsSeeds])).toEqual([
      ["mainnet", [
        "seed.bitcoin.sipa.be",
        "dnsseed.bluematt.me",
        "seed.bitcoin.jonasschnelli.ch",
        "seed.btc.petertodd.net",
        "seed.bitcoin.sprovoost.nl",
        "dnsseed.emzy.de",
        "seed.bitcoin.wiz.biz",
        "seed.mainnet.achownodes.xyz"
      ]],
      ["testnet3", [
        "testnet-seed.bitcoin.jonasschnelli.ch",
        "seed.tbtc.petertodd.net",
        "seed.testnet.bitcoin.sprovoost.nl",
        "testnet-seed.bluematt.me",
        "seed.testnet.achownodes.xyz"
      ]],
      ["testnet4", ["seed.testnet4.bitcoin.sprovoost.nl", "seed.testnet4.wiz.biz"]],
      ["signet", ["seed.signet.bitcoin.sprovoost.nl", "seed.signet.achownodes.xyz"]],
      // Core lists "dummySeed.invalid." for regtest, a placeholder nothing resolves.
      ["regtest", []]
    ])
  })

  it("signetMagic(DEFAULT_SIGNET_CHALLENGE) is the default signet's magic (BIP-0325)", () => {
    expect(Magic.toHex(ChainParams.signetMagic(ChainParams.DEFAULT_SIGNET_CHALLENGE))).toBe("0a03cf40")
    expect(ChainParams.signetMagic(ChainParams.DEFAULT_SIGNET_CHALLENGE)).toEqual(ChainParams.signet.magic)
  })

  it("a custom signet takes the magic of its challenge and keeps signet's other values", () => {
    const challenge = "51" // OP_TRUE
    const custom = ChainParams.customSignet(challenge, { name: "mine" })
    expect(custom.magic).toEqual(ChainParams.signetMagic(challenge))
    expect(custom.magic).not.toEqual(ChainParams.signet.magic)
    expect(custom.name).toBe("mine")
    expect(custom.dnsSeeds).toEqual([])
    expect(custom.defaultPort).toBe(38333)
    // The magic is sha256d(varbytes(challenge))[0..4].
    expect(custom.magic).toEqual(Hash.sha256d(bytes("01", "51")).subarray(0, 4))
  })

  it("every Bitcoin network accepts a full block: the frame cap is at least 4,000,000 bytes", () => {
    for (const p of [ChainParams.mainnet, ChainParams.testnet3, ChainParams.testnet4, ChainParams.signet, ChainParams.regtest]) {
      expect(p.maxMessageSize).toBeGreaterThanOrEqual(4_000_000)
    }
  })

  it("Magic.fromHex refuses anything but 4 bytes", () => {
    expect(() => Magic.fromHex("f9beb4")).toThrow()
    expect(() => Magic.fromHex("f9beb4d900")).toThrow()
  })
})
