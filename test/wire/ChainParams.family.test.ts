/**
 * The family presets against each chain's own published parameters, and one
 * real mainnet header per family against its published hash.
 *
 * Sources:
 *   BCHN  Bitcoin Cash Node src/chainparams.cpp (netMagic, nDefaultPort,
 *         CreateGenesisBlock(time, nonce, bits), hashGenesisBlock asserts, checkpoints)
 *   LTC   Litecoin Core src/chainparams.cpp (pchMessageStart, nDefaultPort, genesis asserts)
 *   DOGE  Dogecoin Core 1.14 src/chainparams.cpp (same, plus checkpoint 371337)
 *   LBRY  lbrycrd src/chainparams.cpp (same, GENESIS_MERKLE_ROOT, BIP34Hash = block 1)
 */
import { describe, expect, it } from "@effect/vitest"
import * as BlockHeader from "../../src/wire/BlockHeader.js"
import * as BlockHeaderFormat from "../../src/wire/BlockHeaderFormat.js"
import * as ChainParams from "../../src/wire/ChainParams.js"
import * as Hash from "../../src/wire/Hash.js"
import * as Magic from "../../src/wire/Magic.js"
import * as ServiceFlags from "../../src/wire/ServiceFlags.js"
import * as Transaction from "../../src/wire/Transaction.js"
import { bytes, displayHash, genesisHeader, toHex } from "../support/wire.js"
import { DOGE_371337, LBRY_BLOCK_1, LTC_BLOCK_1 } from "./vectors/family.js"

describe("family presets (each chain's chainparams.cpp)", () => {
  it("magic, default port and genesis hash", () => {
    const family = [
      ChainParams.bchMainnet, ChainParams.bchTestnet4, ChainParams.bchChipnet, ChainParams.bchRegtest,
      ChainParams.ltcMainnet, ChainParams.ltcTestnet4, ChainParams.ltcRegtest,
      ChainParams.dogeMainnet, ChainParams.dogeTestnet, ChainParams.dogeRegtest,
      ChainParams.lbryMainnet, ChainParams.lbryTestnet, ChainParams.lbryRegtest
    ]
    expect(family.map((p) => [p.name, Magic.toHex(p.magic), p.defaultPort, Hash.toHex(p.genesisHash)])).toEqual([
      ["bch-mainnet", "e3e1f3e8", 8333, "000000000019d6689c085ae165831e934ff763ae46a2a6c172b3f1b60a8ce26f"],
      ["bch-testnet4", "e2b7daaf", 28333, "000000001dd410c49a788668ce26751718cc797474d3152a5fc073dd44fd9f7b"],
      ["bch-chipnet", "e2b7daaf", 48333, "000000001dd410c49a788668ce26751718cc797474d3152a5fc073dd44fd9f7b"],
      ["bch-regtest", "dab5bffa", 18444, "0f9188f13cb7b2c71f2a335e3a4fc328bf5beb436012afca590b1a11466e2206"],
      ["ltc-mainnet", "fbc0b6db", 9333, "12a765e31ffd4059bada1e25190f6e98c99d9714d334efa41a195a7e7e04bfe2"],
      ["ltc-testnet4", "fdd2c8f1", 19335, "4966625a4b2851d9fdee139e56211a0d88575f59ed816ff5e6a63deb4e3e29a0"],
      ["ltc-regtest", "fabfb5da", 19444, "530827f38f93b43ed12af0b3ad25a288dc02ed74d6d7857862df51fc56c416f9"],
      ["doge-mainnet", "c0c0c0c0", 22556, "1a91e3dace36e2be3bf030a65679fe821aa1d6ef92e7c9902eb318182c355691"],
      ["doge-testnet", "fcc1b7dc", 44556, "bb0a78264637406b6360aad926284d544d7049f45189db5664f3c4d07350559e"],
      ["doge-regtest", "fabfb5da", 18444, "3d2160a3b5dc4a9d62e7e66a295f70313ac808440ef7400d6c0772171ce973a5"],
      ["lbry-mainnet", "fae4aaf1", 9246, "9c89283ba0f3227f6c03b70216b9f665f0118d5e0fa729cedf4fb34d6a34f463"],
      ["lbry-testnet", "fae4aae1", 19246, "9c89283ba0f3227f6c03b70216b9f665f0118d5e0fa729cedf4fb34d6a34f463"],
      ["lbry-regtest", "fae4aad1", 29246, "6e3fcf1299d4ec5d79c3a4c91d624a4acf9e2e173d95a1a0504f677669687556"]
    ])
    for (const p of family) expect(ChainParams.byName[p.name]).toBe(p)
  })

  it("DNS seeds, in each chain's order (BCHN 0829ca59, LTC 17f16cef, DOGE 1.14 d0902798, LBRY 02f700b9)", () => {
    const family = Object.values(ChainParams.byName).filter((p) => p.name.includes("-"))
    expect(Object.fromEntries(family.map((p) => [p.name, p.dnsSeeds]))).toEqual({
      "bch-mainnet": [
        "seed.flowee.cash",
        "seed-bch.bitcoinforks.org",
        "btccash-seeder.bitcoinunlimited.info",
        "seed.bchd.cash",
        "seed.bch.loping.net",
        "bchseed.c3-soft.com",
        "bch.bitjson.com"
      ],
      "bch-testnet4": ["testnet4-seed-bch.toom.im", "seed.tbch4.loping.net", "testnet4-seed.flowee.cash", "testnet4.bitjson.com"],
      "bch-chipnet": ["chipnet.bitjson.com", "seed.cbch.loping.net"],
      "bch-regtest": [],
      "ltc-mainnet": [
        "seed-a.litecoin.loshan.co.uk",
        "dnsseed.thrasher.io",
        "dnsseed.litecointools.com",
        "dnsseed.litecoinpool.org",
        "dnsseed.koin-project.com"
      ],
      "ltc-testnet4": ["testnet-seed.litecointools.com", "seed-b.litecoin.loshan.co.uk", "dnsseed-testnet.thrasher.io"],
      "ltc-regtest": [],
      "doge-mainnet": ["seed.multidoge.org", "seed2.multidoge.org"],
      "doge-testnet": ["testseed.jrn.me.uk"],
      "doge-regtest": [],
      "lbry-mainnet": ["dnsseed1.lbry.io", "dnsseed2.lbry.io", "dnsseed3.lbry.io", "dnsseed.emzy.de"],
      "lbry-testnet": ["testdnsseed1.lbry.io", "testdnsseed2.lbry.io"],
      "lbry-regtest": []
    })
  })

  it("formats: header serialization, transaction rules, segwit and the services a full node offers", () => {
    const rows = Object.values(ChainParams.byName).map((p) => [
      p.name,
      p.format.header.name,
      p.format.transactions,
      ChainParams.hasSegwit(p),
      ServiceFlags.has(p.fullNodeServices, ServiceFlags.NODE_WITNESS)
    ])
    const expected = (name: string) => {
      if (name.startsWith("bch-")) return ["bitcoin", "legacy", false, false]
      if (name.startsWith("ltc-")) return ["bitcoin", "mweb", true, true]
      if (name.startsWith("doge-")) return ["auxpow", "legacy", false, false]
      if (name.startsWith("lbry-")) return ["lbry", "segwit", true, true]
      return ["bitcoin", "segwit", true, true]
    }
    for (const row of rows) expect(row.slice(1), String(row[0])).toEqual(expected(String(row[0])))
  })

  it("a Bitcoin Cash full node offers NODE_NETWORK | NODE_BITCOIN_CASH (BCHN init.cpp sets bit 5; its seeder assumes both)", () => {
    for (const p of [ChainParams.bchMainnet, ChainParams.bchTestnet4, ChainParams.bchChipnet, ChainParams.bchRegtest]) {
      expect(ServiceFlags.toNames(p.fullNodeServices), p.name).toEqual(["NODE_NETWORK", "NODE_BITCOIN_CASH"])
    }
    // Nowhere else: bit 5 is Bitcoin Cash's own.
    for (const p of Object.values(ChainParams.byName).filter((p) => !p.name.startsWith("bch-"))) {
      expect(ServiceFlags.has(p.fullNodeServices, ServiceFlags.NODE_BITCOIN_CASH), p.name).toBe(false)
    }
  })

  it("every network's frame holds its largest block, and Bitcoin Cash's holds 32 MB", () => {
    for (const p of Object.values(ChainParams.byName)) {
      expect(p.maxMessageSize, p.name).toBeGreaterThanOrEqual(p.format.maxBlockPayload)
    }
    expect(ChainParams.bchMainnet.format.maxBlockPayload).toBe(32_000_000)
    // BCHN CTestNet4Params: 2 MB blocks, ABLA fixed-size there; chipnet starts at 2 MB but its ABLA may grow.
    expect([ChainParams.bchTestnet4.format.maxBlockPayload, ChainParams.bchTestnet4.maxMessageSize]).toEqual([2_000_000, 2_000_000])
    expect(ChainParams.bchChipnet.format.maxBlockPayload).toBe(32_000_000)
    expect(ChainParams.lbryMainnet.format.maxBlockPayload).toBe(8_000_000)
  })

  it("Bitcoin Cash's floor accepts the protocol versions of current BCH node software", () => {
    // BCHN 70016, Bitcoin Unlimited 80003, BCHD 70013, Knuth and bcash 70015.
    for (const v of [70016, 80003, 70013, 70015]) {
      expect(v).toBeGreaterThanOrEqual(ChainParams.bchMainnet.minProtocolVersion)
    }
    // We speak no higher than they share: no Bitcoin-only 70016 features assumed.
    expect(ChainParams.bchMainnet.protocolVersion).toBe(70015)
  })

  it("MAX_MONEY per network, in the smallest unit (each chain's amount.h; BCHN keeps Bitcoin's)", () => {
    const COIN = 100_000_000n
    const all = Object.values(ChainParams.byName)
    const rows = Object.fromEntries(all.map((p) => [p.name, p.maxMoney]))
    const expected = (name: string) =>
      name.startsWith("ltc-") ? 84_000_000n * COIN // Litecoin Core src/amount.h
      : name.startsWith("doge-") ? 10_000_000_000n * COIN // Dogecoin Core 1.14 src/amount.h
      : name.startsWith("lbry-") ? 21_000_000_000n * COIN // lbrycrd src/amount.h
      : 21_000_000n * COIN // Bitcoin Core src/consensus/amount.h, BCHN src/amount.h
    for (const p of all) expect(rows[p.name], p.name).toBe(expected(p.name))
    // Every bound is an int64, as the feefilter field it bounds.
    for (const p of all) expect(p.maxMoney! < 1n << 63n, p.name).toBe(true)
    // A custom network takes Bitcoin's unless it says otherwise.
    const custom = ChainParams.make({ name: "x", magic: ChainParams.regtest.magic, defaultPort: 1, genesisHash: new Uint8Array(32) })
    expect(custom.maxMoney).toBe(ChainParams.BITCOIN_MAX_MONEY)
    expect(ChainParams.make({ ...custom, maxMoney: 5n }).maxMoney).toBe(5n)
  })
})

const BTC_ROOT = "4a5e1e4baab89f3a32518a88c31bc87f618f76673e2cc77ab2127b7afdeda33b"
const LTC_ROOT = "97ddfbbae6be97fd6cdf3e7ca13232a3afff2353e29badfab7f73011edd4ced9"
const DOGE_ROOT = "5b2a3f53f605d62c53e62932dac6925e3d74afa5a4b459745c36d42d0ed26a69"
const LBRY_ROOT = "b8211c82c3d15bcd78bba57005b86fed515149a53a425eb592c07af99fe559cc"
/** lbrycrd CreateGenesisBlock: hashClaimTrie = uint256S("0x…01"). */
const LBRY_GENESIS_CLAIM_TRIE = displayHash("0000000000000000000000000000000000000000000000000000000000000001")

describe("each preset's genesis header hashes to its genesis hash", () => {
  const cases: ReadonlyArray<readonly [ChainParams.ChainParams, BlockHeader.BlockHeader]> = [
    [ChainParams.bchMainnet, genesisHeader(BTC_ROOT, 1231006505, 2083236893, 0x1d00ffff)],
    [ChainParams.bchTestnet4, genesisHeader(BTC_ROOT, 1597811185, 114152193, 0x1d00ffff)],
    [ChainParams.bchChipnet, genesisHeader(BTC_ROOT, 1597811185, 114152193, 0x1d00ffff)],
    [ChainParams.bchRegtest, genesisHeader(BTC_ROOT, 1296688602, 2, 0x207fffff)],
    [ChainParams.ltcMainnet, genesisHeader(LTC_ROOT, 1317972665, 2084524493, 0x1e0ffff0)],
    [ChainParams.ltcTestnet4, genesisHeader(LTC_ROOT, 1486949366, 293345, 0x1e0ffff0)],
    [ChainParams.ltcRegtest, genesisHeader(LTC_ROOT, 1296688602, 0, 0x207fffff)],
    [ChainParams.dogeMainnet, genesisHeader(DOGE_ROOT, 1386325540, 99943, 0x1e0ffff0)],
    [ChainParams.dogeTestnet, genesisHeader(DOGE_ROOT, 1391503289, 997879, 0x1e0ffff0)],
    [ChainParams.dogeRegtest, genesisHeader(DOGE_ROOT, 1296688602, 2, 0x207fffff)],
    [ChainParams.lbryMainnet, { ...genesisHeader(LBRY_ROOT, 1446058291, 1287, 0x1f00ffff), claimTrieRoot: LBRY_GENESIS_CLAIM_TRIE }],
    [ChainParams.lbryTestnet, { ...genesisHeader(LBRY_ROOT, 1446058291, 1287, 0x1f00ffff), claimTrieRoot: LBRY_GENESIS_CLAIM_TRIE }],
    [ChainParams.lbryRegtest, { ...genesisHeader(LBRY_ROOT, 1446058291, 1, 0x207fffff), claimTrieRoot: LBRY_GENESIS_CLAIM_TRIE }]
  ]
  for (const [params, header] of cases) {
    it(params.name, () => {
      expect(Hash.toHex(BlockHeader.hash(header))).toBe(Hash.toHex(params.genesisHash))
      // And the header survives its network's format unchanged.
      const wire = BlockHeaderFormat.toBytes(params.format.header, header)
      expect(wire.length).toBe(header.claimTrieRoot === undefined ? 80 : 112)
      expect(BlockHeaderFormat.fromBytes(params.format.header, wire)).toEqual(header)
    })
  }
})

describe("one real mainnet header per family, against its published hash", () => {
  it("Bitcoin Cash block 478,559, the fork block (BCHN checkpoint: UAHF fork block)", () => {
    const header: BlockHeader.BlockHeader = {
      version: 0x20000000,
      prevBlock: displayHash("0000000000000000011865af4122fe3b144e2cbeea86142e8ff2fb4107352d43"),
      merkleRoot: displayHash("c896c91a0be4d3eed5568bab4c3084945e5e06669be38ec06b1c8ca4d84baaab"),
      time: 1501611161,
      bits: 0x18014735,
      nonce: 0xe84aca22
    }
    expect(Hash.toHex(BlockHeader.hash(header))).toBe("000000000000000000651ef99cb9fcbe0dadde1d424bd9f15ff20136191a5eec")
    const wire = BlockHeaderFormat.toBytes(ChainParams.bchMainnet.format.header, header)
    expect(BlockHeaderFormat.fromBytes(ChainParams.bchMainnet.format.header, wire)).toEqual(header)
  })

  it("Litecoin block 1", () => {
    const header = BlockHeaderFormat.fromBytes(ChainParams.ltcMainnet.format.header, bytes(LTC_BLOCK_1))
    expect(Hash.toHex(BlockHeader.hash(header))).toBe("80ca095ed10b02e53d769eb6eaf92cd04e9e0759e5be4a8477b42911ba49c78f")
    expect(header.prevBlock).toEqual(ChainParams.ltcMainnet.genesisHash)
    expect(toHex(BlockHeaderFormat.toBytes(ChainParams.ltcMainnet.format.header, header))).toBe(LTC_BLOCK_1)
  })

  it("LBRY block 1: 112 bytes, claim-trie root included in the hash", () => {
    const header = BlockHeaderFormat.fromBytes(ChainParams.lbryMainnet.format.header, bytes(LBRY_BLOCK_1))
    expect(bytes(LBRY_BLOCK_1).length).toBe(112)
    expect(header.claimTrieRoot).toEqual(bytes("01", "00".repeat(31)))
    expect(header.prevBlock).toEqual(ChainParams.lbryMainnet.genesisHash)
    expect(Hash.toHex(BlockHeader.hash(header))).toBe("decb9e2cca03a419fd9cca0cb2b1d5ad11b088f22f8f38556d93ac4358b86c24")
    expect(toHex(BlockHeaderFormat.toBytes(ChainParams.lbryMainnet.format.header, header))).toBe(LBRY_BLOCK_1)
    // The same bytes as an 80-byte header would be a different (wrong) block.
    expect(() => BlockHeaderFormat.fromBytes(BlockHeaderFormat.bitcoin, bytes(LBRY_BLOCK_1))).toThrow()
  })

  it("Dogecoin block 371,337 with its AuxPoW proof: hash of the 80-byte base, proof kept byte for byte", () => {
    const ext = bytes(DOGE_371337)
    const header = BlockHeaderFormat.fromBytes(ChainParams.dogeMainnet.format.header, ext)
    expect(ext.length).toBe(535)
    expect(header.version & BlockHeaderFormat.AUXPOW_VERSION_BIT).not.toBe(0)
    expect(Hash.toHex(BlockHeader.hash(header))).toBe("60323982f9c5ff1b5a954eac9dc1269352835f47c2c5222691d80f0d50dcf053")
    expect(header.auxPow!.length).toBe(455)
    expect(toHex(BlockHeaderFormat.toBytes(ChainParams.dogeMainnet.format.header, header))).toBe(DOGE_371337)
    // The proof's parts are the published ones: the parent coinbase's txid and the parent block's hash.
    const coinbase = Transaction.fromBytes(header.auxPow!.subarray(0, 141))
    expect(Hash.toHex(Transaction.txid(coinbase))).toBe("e5422732b20e9e7ecc243427abbe296e9528d308bb111aae8d30c3465e442de8")
    const parent = header.auxPow!.subarray(header.auxPow!.length - 80)
    expect(Hash.toHex(Hash.sha256d(parent))).toBe("45df41e40aba5b2a03d08bd1202a1c02ef3954d8aa22ea6c5ae62fd00f290ea9")
  })
})

