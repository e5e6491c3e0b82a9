/**
 * Chain parameters: what tells one Bitcoin-family network from another at the
 * P2P layer. A fork that keeps Bitcoin's wire format needs only a new value of
 * this type (`make`), no new code; one that changes headers or transactions
 * sets `format` (see `WireFormat`).
 *
 * Presets: Bitcoin (mainnet, testnet3, testnet4, signet, regtest) and the
 * family: Bitcoin Cash (`bchMainnet`, `bchTestnet4`, `bchChipnet`,
 * `bchRegtest`), Litecoin (`ltcMainnet`, `ltcTestnet4`, `ltcRegtest`),
 * Dogecoin (`dogeMainnet`, `dogeTestnet`, `dogeRegtest`) and LBRY
 * (`lbryMainnet`, `lbryTestnet`, `lbryRegtest`). Every value of a family
 * preset is taken from that chain's own source, cited next to it.
 *
 * @since 0.1.0
 */
import * as BlockHeaderFormat from "./BlockHeaderFormat.js"
import { bytesFromHex, fromHex, sha256d } from "./Hash.js"
import { ByteWriter } from "../internal/wire/ByteWriter.js"
import * as Magic from "./Magic.js"
import * as ProtocolVersion from "./ProtocolVersion.js"
import * as ServiceFlags from "./ServiceFlags.js"
import * as WireFormat from "./WireFormat.js"

/**
 * Parameters of one network.
 *
 * @since 0.1.0
 * @category models
 */
export interface ChainParams {
  /** Short name (`"mainnet"`, `"regtest"`, …). */
  readonly name: string
  /** The 4 start bytes of every frame. */
  readonly magic: Magic.Magic
  /** The port nodes listen on by default. */
  readonly defaultPort: number
  /** DNS seeds that answer with addresses of reachable nodes. */
  readonly dnsSeeds: ReadonlyArray<string>
  /** Hash of the genesis block (internal byte order). */
  readonly genesisHash: Uint8Array
  /** Largest frame payload accepted (a full block must fit). */
  readonly maxMessageSize: number
  /** The protocol version we speak. */
  readonly protocolVersion: number
  /** The oldest protocol version we accept from a peer. */
  readonly minProtocolVersion: number
  /** How headers and transactions are serialized, and the largest block. Default: Bitcoin's. */
  readonly format: WireFormat.WireFormat
  /**
   * The services a full node of this network offers (assumed for addresses
   * from DNS seeds). NODE_WITNESS only where there is segwit.
   */
  readonly fullNodeServices: ServiceFlags.ServiceFlags
  /**
   * Whether the network's nodes speak BIP-0324's v2 transport: Bitcoin's
   * networks (Bitcoin Core 26+), none of the other family members. In the
   * network layer's `"auto"` transport mode, a network without it is v1 only
   * (no NODE_P2P_V2 advertised, no v2 attempted). Default: true for Bitcoin's
   * wire format, false for any other.
   */
  readonly v2Transport: boolean
  /**
   * The network's MAX_MONEY in its smallest unit (satoshis for Bitcoin): no
   * amount above it is valid (Bitcoin Core amount.h, `MoneyRange`). A
   * `feefilter` rate outside 0..maxMoney is ignored, as Core and its forks
   * do, and the last valid one kept. Optional so that a value built by hand
   * stays a `ChainParams`; absent, Bitcoin's `BITCOIN_MAX_MONEY` applies
   * (`make` fills it in).
   *
   * @since 0.2.0
   */
  readonly maxMoney?: bigint | undefined
}

/**
 * Bitcoin Core's MAX_PROTOCOL_MESSAGE_LENGTH: a 4,000,000-weight block fits.
 *
 * @since 0.1.0
 * @category constants
 */
export const DEFAULT_MAX_MESSAGE_SIZE = 4_000_000

/**
 * Bitcoin's MAX_MONEY: 21,000,000 BTC of 10^8 satoshis (Bitcoin Core
 * src/consensus/amount.h). Bitcoin Cash keeps it (BCHN src/amount.h).
 *
 * @since 0.2.0
 * @category constants
 */
export const BITCOIN_MAX_MONEY = 21_000_000n * 100_000_000n

/**
 * Whether `amount` is a valid amount on the network (Bitcoin Core's
 * `MoneyRange`): 0 up to its `maxMoney`, Bitcoin's if it has none.
 *
 * @since 0.2.0
 * @category predicates
 */
export const inMoneyRange = (params: Pick<ChainParams, "maxMoney">, amount: bigint): boolean =>
  amount >= 0n && amount <= (params.maxMoney ?? BITCOIN_MAX_MONEY)

/**
 * Parameters for a custom network; unspecified fields take Bitcoin's values.
 *
 * @since 0.1.0
 * @category constructors
 */
export const make = (
  params: Pick<ChainParams, "name" | "magic" | "defaultPort" | "genesisHash"> & Partial<ChainParams>
): ChainParams => {
  const format = params.format ?? WireFormat.bitcoin
  return {
    dnsSeeds: [],
    maxMessageSize: DEFAULT_MAX_MESSAGE_SIZE,
    protocolVersion: ProtocolVersion.CURRENT,
    minProtocolVersion: ProtocolVersion.MIN_DEFAULT,
    fullNodeServices: WireFormat.hasSegwit(format)
      ? ServiceFlags.NODE_NETWORK | ServiceFlags.NODE_WITNESS
      : ServiceFlags.NODE_NETWORK,
    v2Transport: format === WireFormat.bitcoin,
    maxMoney: BITCOIN_MAX_MONEY,
    ...params,
    format
  }
}

/**
 * Whether the network has segregated witness. Without it a peer never
 * requires or announces NODE_WITNESS and never sends `wtxidrelay`.
 *
 * @since 0.1.0
 * @category predicates
 */
export const hasSegwit = (params: Pick<ChainParams, "format">): boolean => WireFormat.hasSegwit(params.format)

// Bitcoin's networks: magic, port, seeds and genesis as in Bitcoin Core
// src/kernel/chainparams.cpp (bitcoin/bitcoin 284c42a3, 2025-09; seeds in its order).

/**
 * Bitcoin mainnet.
 *
 * @since 0.1.0
 * @category utils
 */
export const mainnet: ChainParams = make({
  name: "mainnet",
  magic: Magic.fromHex("f9beb4d9"),
  defaultPort: 8333,
  dnsSeeds: [
    "seed.bitcoin.sipa.be",
    "dnsseed.bluematt.me",
    "seed.bitcoin.jonasschnelli.ch",
    "seed.btc.petertodd.net",
    "seed.bitcoin.sprovoost.nl",
    "dnsseed.emzy.de",
    "seed.bitcoin.wiz.biz",
    "seed.mainnet.achownodes.xyz"
  ],
  genesisHash: fromHex("000000000019d6689c085ae165831e934ff763ae46a2a6c172b3f1b60a8ce26f")
})

/**
 * Bitcoin testnet3.
 *
 * @since 0.1.0
 * @category utils
 */
export const testnet3: ChainParams = make({
  name: "testnet3",
  magic: Magic.fromHex("0b110907"),
  defaultPort: 18333,
  dnsSeeds: [
    "testnet-seed.bitcoin.jonasschnelli.ch",
    "seed.tbtc.petertodd.net",
    "seed.testnet.bitcoin.sprovoost.nl",
    "testnet-seed.bluematt.me",
    "seed.testnet.achownodes.xyz"
  ],
  genesisHash: fromHex("000000000933ea01ad0ee984209779baaec3ced90fa3f408719526f8d77f4943")
})

/**
 * Bitcoin testnet4 (BIP-0094).
 *
 * @since 0.1.0
 * @category utils
 */
export const testnet4: ChainParams = make({
  name: "testnet4",
  magic: Magic.fromHex("1c163f28"),
  defaultPort: 48333,
  dnsSeeds: ["seed.testnet4.bitcoin.sprovoost.nl", "seed.testnet4.wiz.biz"],
  genesisHash: fromHex("00000000da84f2bafbbc53dee25a72ae507ff4914b867c565be350b0da8bf043")
})

/**
 * The default signet's challenge script (a 1-of-2 multisig). Custom signets
 * have their own challenge, and their magic is derived from it (BIP-0325).
 *
 * @since 0.1.0
 * @category constants
 */
export const DEFAULT_SIGNET_CHALLENGE =
  "512103ad5e0edad18cb1f0fc0d28a3d4f1f3e445640337489abb10404f2d1e086be430210359ef5021964fe22d6f8e05b2463c9540ce96883fe3b278760f048f5189f2e6c452ae"

/**
 * The magic of a signet with the given challenge script (hex): the first 4
 * bytes of the double SHA-256 of the challenge as a var bytes (BIP-0325).
 *
 * @since 0.1.0
 * @category utils
 */
export const signetMagic = (challengeHex: string): Magic.Magic =>
  sha256d(new ByteWriter(128).varBytes(bytesFromHex(challengeHex)).finish()).slice(0, 4)

/**
 * Parameters of a custom signet (no seeds; pass `dnsSeeds` if it has any).
 *
 * @since 0.1.0
 * @category utils
 */
export const customSignet = (challengeHex: string, overrides: Partial<ChainParams> = {}): ChainParams =>
  make({ ...signet, dnsSeeds: [], name: "signet-custom", ...overrides, magic: signetMagic(challengeHex) })

/**
 * The default signet (BIP-0325).
 *
 * @since 0.1.0
 * @category utils
 */
export const signet: ChainParams = make({
  name: "signet",
  magic: Magic.fromHex("0a03cf40"),
  defaultPort: 38333,
  dnsSeeds: ["seed.signet.bitcoin.sprovoost.nl", "seed.signet.achownodes.xyz"],
  genesisHash: fromHex("00000008819873e925422c1ff0f99f7cc9bbb232af63a077a480a3633bee1ef6")
})

/**
 * Regression test network: local, no seeds.
 *
 * @since 0.1.0
 * @category utils
 */
export const regtest: ChainParams = make({
  name: "regtest",
  magic: Magic.fromHex("fabfb5da"),
  defaultPort: 18444,
  genesisHash: fromHex("0f9188f13cb7b2c71f2a335e3a4fc328bf5beb436012afca590b1a11466e2206")
})

// ---------------------------------------------------------------------------
// The Bitcoin family. Sources (each value below is cited where it is set):
//   BCHN  Bitcoin Cash Node src/chainparams.cpp (bitcoin-cash-node/bitcoin-cash-node f426b038;
//         seeds rechecked at 0829ca59, 2026), src/protocol.h (service bits, message caps)
//   LTC   Litecoin Core src/chainparams.cpp (litecoin-project/litecoin 17f16cef, 0.21 with MWEB)
//   DOGE  Dogecoin Core 1.14 src/chainparams.cpp (dogecoin/dogecoin d0902798)
//   LBRY  lbrycrd src/chainparams.cpp (lbryio/lbrycrd 02f700b9), src/consensus/consensus.h (68a88648)
// ---------------------------------------------------------------------------

/**
 * Bitcoin Cash's format: 80-byte headers, no segwit (a witness marker is an
 * error), blocks up to 32 MB (BCHN `DEFAULT_CONSENSUS_BLOCK_SIZE`; mainnet's
 * adaptive limit, ABLA, may raise it: pass a larger `format` then).
 *
 * @since 0.1.0
 * @category utils
 */
export const BCH_FORMAT: WireFormat.WireFormat = {
  header: BlockHeaderFormat.bitcoin,
  transactions: "legacy",
  maxBlockPayload: 32_000_000
}

/**
 * Bitcoin Cash preset defaults: the frame holds a 32 MB block; we speak
 * 70015 (bcash's `PROTOCOL_VERSION`; a 70016 would let Bitcoin-only features
 * be assumed) and accept 70012 and up, which every current BCH node clears
 * (BCHN 70016, Bitcoin Unlimited 80003, BCHD 70013, Knuth and bcash 70015).
 * A full node offers NODE_BITCOIN_CASH besides NODE_NETWORK (BCHN init.cpp
 * sets it on every node; its seeder assumes both of a seeded address).
 */
const bch = {
  format: BCH_FORMAT,
  maxMessageSize: 32_000_000,
  protocolVersion: 70015,
  minProtocolVersion: ProtocolVersion.SENDHEADERS,
  fullNodeServices: ServiceFlags.NODE_NETWORK | ServiceFlags.NODE_BITCOIN_CASH
}

/**
 * Bitcoin Cash mainnet (BCHN `CMainParams`: netMagic e3e1f3e8, port 8333, Bitcoin's genesis).
 *
 * @since 0.1.0
 * @category presets
 */
export const bchMainnet: ChainParams = make({
  ...bch,
  name: "bch-mainnet",
  magic: Magic.fromHex("e3e1f3e8"),
  defaultPort: 8333,
  dnsSeeds: [
    "seed.flowee.cash",
    "seed-bch.bitcoinforks.org",
    "btccash-seeder.bitcoinunlimited.info",
    "seed.bchd.cash",
    "seed.bch.loping.net",
    "bchseed.c3-soft.com",
    "bch.bitjson.com"
  ],
  genesisHash: fromHex("000000000019d6689c085ae165831e934ff763ae46a2a6c172b3f1b60a8ce26f")
})

/**
 * Bitcoin Cash testnet4 (BCHN `CTestNet4Params`: netMagic e2b7daaf, port 28333).
 * Its blocks are 2 MB (`nDefaultConsensusBlockSize = 2 * ONE_MEGABYTE`, and
 * ABLA is fixed-size there), so its frames are capped at 2 MB, not 32.
 *
 * @since 0.1.0
 * @category presets
 */
export const bchTestnet4: ChainParams = make({
  ...bch,
  format: { ...BCH_FORMAT, maxBlockPayload: 2_000_000 },
  maxMessageSize: 2_000_000,
  name: "bch-testnet4",
  magic: Magic.fromHex("e2b7daaf"),
  defaultPort: 28333,
  dnsSeeds: ["testnet4-seed-bch.toom.im", "seed.tbch4.loping.net", "testnet4-seed.flowee.cash", "testnet4.bitjson.com"],
  genesisHash: fromHex("000000001dd410c49a788668ce26751718cc797474d3152a5fc073dd44fd9f7b")
})

/**
 * Bitcoin Cash chipnet (BCHN `CChipNetParams`): a fork of testnet4 that
 * activates upgrades six months early. Same magic and genesis as testnet4,
 * port 48333. Its blocks start at 2 MB but, unlike testnet4's, may grow by
 * ABLA: the 32 MB caps stay.
 *
 * @since 0.1.0
 * @category presets
 */
export const bchChipnet: ChainParams = make({
  ...bch,
  name: "bch-chipnet",
  magic: Magic.fromHex("e2b7daaf"),
  defaultPort: 48333,
  dnsSeeds: ["chipnet.bitjson.com", "seed.cbch.loping.net"],
  genesisHash: fromHex("000000001dd410c49a788668ce26751718cc797474d3152a5fc073dd44fd9f7b")
})

/**
 * Bitcoin Cash regtest (BCHN `CRegTestParams`: netMagic dab5bffa, port 18444, Bitcoin regtest's genesis).
 *
 * @since 0.1.0
 * @category presets
 */
export const bchRegtest: ChainParams = make({
  ...bch,
  name: "bch-regtest",
  magic: Magic.fromHex("dab5bffa"),
  defaultPort: 18444,
  genesisHash: fromHex("0f9188f13cb7b2c71f2a335e3a4fc328bf5beb436012afca590b1a11466e2206")
})

/**
 * Litecoin's format: 80-byte headers, segwit transactions with the MWEB flag
 * (its data kept as opaque bytes), 4 MB blocks. We never advertise NODE_MWEB
 * nor ask for MWEB inventory, so peers serve blocks and transactions in
 * Litecoin's `SERIALIZE_NO_MWEB` form (LIP-0006): no extension block, and the
 * HogEx as a plain transaction (Litecoin primitives/block.h, transaction.h).
 * A block in the MWEB serialization (`MSG_MWEB_BLOCK`, or litecoind's raw
 * `getblock`) decodes too: its flagged HogEx, and the extension block after
 * its transactions kept as bytes in `block.mweb`.
 *
 * Caps: 4,000,000 bytes (`maxBlockPayload` here, `maxMessageSize` in the
 * Litecoin presets), Litecoin's MAX_BLOCK_SERIALIZED_SIZE, which bounds every
 * block a peer sends us unasked. A block in the MWEB serialization may be
 * larger: up to MAX_BLOCK_SERIALIZED_SIZE_WITH_MWEB (Litecoin consensus.h:
 * 4,000,000 plus the extension block's cap, just over 11 MB plus a margin),
 * and Litecoin frames messages up to 32,000,000 bytes (net.h). A user who asks
 * for MWEB blocks (`getdata` of `MSG_MWEB_BLOCK`, inventory type 0x60000002)
 * raises both, e.g.
 * `{ ...ltcMainnet, maxMessageSize: 32_000_000, format: { ...LTC_FORMAT, maxBlockPayload: 32_000_000 } }`;
 * with the presets such a block is refused at its frame header
 * (`OversizedFrame`), before its payload is buffered.
 *
 * @since 0.1.0
 * @category constants
 */
export const LTC_FORMAT: WireFormat.WireFormat = {
  header: BlockHeaderFormat.bitcoin,
  transactions: "mweb",
  maxBlockPayload: WireFormat.BITCOIN_MAX_BLOCK_PAYLOAD
}

/** Litecoin's MAX_MONEY: 84,000,000 LTC of 10^8 (Litecoin Core src/amount.h). */
const LTC_MAX_MONEY = 84_000_000n * 100_000_000n

/** What every Litecoin preset shares (as `bch`, `doge`, `lbry` for theirs). */
const ltc = { format: LTC_FORMAT, maxMoney: LTC_MAX_MONEY } as const

/**
 * Litecoin mainnet (LTC `CMainParams`: pchMessageStart fbc0b6db, port 9333).
 * Like every Litecoin preset it speaks Bitcoin's 70016: Litecoin Core's own
 * 70017 (version.h `MWEB_SYNC_VERSION`) announces `mwebheader`,
 * `mwebleafset` and `getmwebutxos` (LIP-0006), which this library does not speak.
 *
 * @since 0.1.0
 * @category presets
 */
export const ltcMainnet: ChainParams = make({
  ...ltc,
  name: "ltc-mainnet",
  magic: Magic.fromHex("fbc0b6db"),
  defaultPort: 9333,
  dnsSeeds: [
    "seed-a.litecoin.loshan.co.uk",
    "dnsseed.thrasher.io",
    "dnsseed.litecointools.com",
    "dnsseed.litecoinpool.org",
    "dnsseed.koin-project.com"
  ],
  genesisHash: fromHex("12a765e31ffd4059bada1e25190f6e98c99d9714d334efa41a195a7e7e04bfe2")
})

/**
 * Litecoin testnet4 (LTC `CTestNetParams`: pchMessageStart fdd2c8f1, port 19335).
 *
 * @since 0.1.0
 * @category presets
 */
export const ltcTestnet4: ChainParams = make({
  ...ltc,
  name: "ltc-testnet4",
  magic: Magic.fromHex("fdd2c8f1"),
  defaultPort: 19335,
  dnsSeeds: ["testnet-seed.litecointools.com", "seed-b.litecoin.loshan.co.uk", "dnsseed-testnet.thrasher.io"],
  genesisHash: fromHex("4966625a4b2851d9fdee139e56211a0d88575f59ed816ff5e6a63deb4e3e29a0")
})

/**
 * Litecoin regtest (LTC `CRegTestParams`: pchMessageStart fabfb5da, port 19444).
 *
 * @since 0.1.0
 * @category presets
 */
export const ltcRegtest: ChainParams = make({
  ...ltc,
  name: "ltc-regtest",
  magic: Magic.fromHex("fabfb5da"),
  defaultPort: 19444,
  genesisHash: fromHex("530827f38f93b43ed12af0b3ad25a288dc02ed74d6d7857862df51fc56c416f9")
})

/**
 * Dogecoin's format: headers with AuxPoW (merge-mined since block 371,337),
 * no segwit (DOGE: the segwit deployment's timeout is 0, disabled), 4 MB
 * frames as Bitcoin Core 0.14, on which Dogecoin 1.14 is based.
 *
 * @since 0.1.0
 * @category constants
 */
export const DOGE_FORMAT: WireFormat.WireFormat = {
  header: BlockHeaderFormat.auxPow,
  transactions: "legacy",
  maxBlockPayload: WireFormat.BITCOIN_MAX_BLOCK_PAYLOAD
}

/**
 * Dogecoin Core 1.14 speaks 70015 (its `PROTOCOL_VERSION`); 70016 would let
 * Bitcoin-only features be assumed. Its MAX_MONEY is 10,000,000,000 DOGE of
 * 10^8 (1.14 src/amount.h, dogecoin/dogecoin b409832f: a sanity bound, not a
 * supply; the 1.21 line's amount.h, 0f14aa30, has 1,000,000,000).
 */
const doge = { format: DOGE_FORMAT, protocolVersion: 70015, maxMoney: 10_000_000_000n * 100_000_000n } as const

/**
 * Dogecoin mainnet (DOGE `CMainParams`: pchMessageStart c0c0c0c0, port 22556).
 *
 * @since 0.1.0
 * @category presets
 */
export const dogeMainnet: ChainParams = make({
  ...doge,
  name: "doge-mainnet",
  magic: Magic.fromHex("c0c0c0c0"),
  defaultPort: 22556,
  dnsSeeds: ["seed.multidoge.org", "seed2.multidoge.org"],
  genesisHash: fromHex("1a91e3dace36e2be3bf030a65679fe821aa1d6ef92e7c9902eb318182c355691")
})

/**
 * Dogecoin testnet (DOGE `CTestNetParams`: pchMessageStart fcc1b7dc, port 44556).
 *
 * @since 0.1.0
 * @category presets
 */
export const dogeTestnet: ChainParams = make({
  ...doge,
  name: "doge-testnet",
  magic: Magic.fromHex("fcc1b7dc"),
  defaultPort: 44556,
  dnsSeeds: ["testseed.jrn.me.uk"],
  genesisHash: fromHex("bb0a78264637406b6360aad926284d544d7049f45189db5664f3c4d07350559e")
})

/**
 * Dogecoin regtest (DOGE `CRegTestParams`: pchMessageStart fabfb5da, port 18444).
 *
 * @since 0.1.0
 * @category presets
 */
export const dogeRegtest: ChainParams = make({
  ...doge,
  name: "doge-regtest",
  magic: Magic.fromHex("fabfb5da"),
  defaultPort: 18444,
  genesisHash: fromHex("3d2160a3b5dc4a9d62e7e66a295f70313ac808440ef7400d6c0772171ce973a5")
})

/**
 * LBRY's format: 112-byte headers (a claim-trie root after the merkle root),
 * segwit transactions, blocks up to 8 MB (LBRY `MAX_BLOCK_SERIALIZED_SIZE`).
 *
 * @since 0.1.0
 * @category constants
 */
export const LBRY_FORMAT: WireFormat.WireFormat = {
  header: BlockHeaderFormat.lbry,
  transactions: "segwit",
  maxBlockPayload: 8_000_000
}

/**
 * lbrycrd is Bitcoin Core 0.17 with 8 MB blocks: 70015, and a frame that
 * holds the largest block. Its MAX_MONEY is 21,000,000,000 LBC of 10^8
 * (lbrycrd src/amount.h, lbryio/lbrycrd 9295adeb).
 */
const lbry = {
  format: LBRY_FORMAT,
  maxMessageSize: 8_000_000,
  protocolVersion: 70015,
  maxMoney: 21_000_000_000n * 100_000_000n
} as const

/**
 * LBRY mainnet (LBRY `CMainParams`: pchMessageStart fae4aaf1, port 9246).
 *
 * @since 0.1.0
 * @category presets
 */
export const lbryMainnet: ChainParams = make({
  ...lbry,
  name: "lbry-mainnet",
  magic: Magic.fromHex("fae4aaf1"),
  defaultPort: 9246,
  dnsSeeds: ["dnsseed1.lbry.io", "dnsseed2.lbry.io", "dnsseed3.lbry.io", "dnsseed.emzy.de"],
  genesisHash: fromHex("9c89283ba0f3227f6c03b70216b9f665f0118d5e0fa729cedf4fb34d6a34f463")
})

/**
 * LBRY testnet (LBRY `CTestNetParams`: pchMessageStart fae4aae1, port 19246, mainnet's genesis).
 *
 * @since 0.1.0
 * @category presets
 */
export const lbryTestnet: ChainParams = make({
  ...lbry,
  name: "lbry-testnet",
  magic: Magic.fromHex("fae4aae1"),
  defaultPort: 19246,
  dnsSeeds: ["testdnsseed1.lbry.io", "testdnsseed2.lbry.io"],
  genesisHash: fromHex("9c89283ba0f3227f6c03b70216b9f665f0118d5e0fa729cedf4fb34d6a34f463")
})

/**
 * LBRY regtest (LBRY `CRegTestParams`: pchMessageStart fae4aad1, port 29246).
 *
 * @since 0.1.0
 * @category presets
 */
export const lbryRegtest: ChainParams = make({
  ...lbry,
  name: "lbry-regtest",
  magic: Magic.fromHex("fae4aad1"),
  defaultPort: 29246,
  genesisHash: fromHex("6e3fcf1299d4ec5d79c3a4c91d624a4acf9e2e173d95a1a0504f677669687556")
})

/**
 * The built-in networks by name: Bitcoin's (`mainnet`, `testnet3`,
 * `testnet4`, `signet`, `regtest`) and the family's (`bch-mainnet`, …,
 * `lbry-regtest`).
 *
 * @since 0.1.0
 * @category utils
 */
export const byName: Readonly<Record<string, ChainParams>> = {
  mainnet,
  testnet3,
  testnet4,
  signet,
  regtest,
  "bch-mainnet": bchMainnet,
  "bch-testnet4": bchTestnet4,
  "bch-chipnet": bchChipnet,
  "bch-regtest": bchRegtest,
  "ltc-mainnet": ltcMainnet,
  "ltc-testnet4": ltcTestnet4,
  "ltc-regtest": ltcRegtest,
  "doge-mainnet": dogeMainnet,
  "doge-testnet": dogeTestnet,
  "doge-regtest": dogeRegtest,
  "lbry-mainnet": lbryMainnet,
  "lbry-testnet": lbryTestnet,
  "lbry-regtest": lbryRegtest
}
