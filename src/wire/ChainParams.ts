/**
 * Chain parameters: what tells one Bitcoin-family network from another at the
 * P2P layer. A fork that keeps Bitcoin's wire format needs only a new value of
 * this type (`make`), no new code.
 *
 * @since 0.1.0
 */
import { bytesFromHex, fromHex, sha256d } from "./Hash.js"
import { ByteWriter } from "../internal/wire/ByteWriter.js"
import * as Magic from "./Magic.js"
import * as ProtocolVersion from "./ProtocolVersion.js"

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
}

/**
 * Bitcoin Core's MAX_PROTOCOL_MESSAGE_LENGTH: a 4,000,000-weight block fits.
 *
 * @since 0.1.0
 * @category constants
 */
export const DEFAULT_MAX_MESSAGE_SIZE = 4_000_000

/**
 * Parameters for a custom network; unspecified fields take Bitcoin's values.
 *
 * @since 0.1.0
 * @category constructors
 */
export const make = (
  params: Pick<ChainParams, "name" | "magic" | "defaultPort" | "genesisHash"> & Partial<ChainParams>
): ChainParams => ({
  dnsSeeds: [],
  maxMessageSize: DEFAULT_MAX_MESSAGE_SIZE,
  protocolVersion: ProtocolVersion.CURRENT,
  minProtocolVersion: ProtocolVersion.MIN_DEFAULT,
  ...params
})

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
    "seed.bitcoin.wiz.biz"
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
    "testnet-seed.bluematt.me"
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

/**
 * The built-in networks by name.
 *
 * @since 0.1.0
 * @category utils
 */
export const byName: Readonly<Record<string, ChainParams>> = { mainnet, testnet3, testnet4, signet, regtest }
