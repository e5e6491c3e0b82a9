/**
 * The benchmark corpus: one message of each measured kind, built
 * deterministically (seeded PRNG) so that every run decodes the same bytes.
 */
import * as Either from "effect/Either"
import * as Block from "../src/wire/Block.js"
import type * as BlockHeader from "../src/wire/BlockHeader.js"
import * as ChainParams from "../src/wire/ChainParams.js"
import * as Frame from "../src/wire/Frame.js"
import * as InvVector from "../src/wire/InvVector.js"
import * as Message from "../src/wire/Message.js"
import * as NetAddress from "../src/wire/NetAddress.js"
import * as ProtocolVersion from "../src/wire/ProtocolVersion.js"
import * as ServiceFlags from "../src/wire/ServiceFlags.js"
import type * as Transaction from "../src/wire/Transaction.js"

export const params = ChainParams.mainnet

/** mulberry32: tiny, fast, good enough to make bytes that do not compress. */
export const prng = (seed: number) => {
  let a = seed >>> 0
  return (): number => {
    a = (a + 0x6d2b79f5) >>> 0
    let t = a
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

const rand = prng(0x5eed_b17c)
const int = (lo: number, hi: number): number => lo + Math.floor(rand() * (hi - lo + 1))
const bytes = (n: number): Uint8Array => {
  const b = new Uint8Array(n)
  for (let i = 0; i < n; i++) b[i] = (rand() * 256) | 0
  return b
}
const hash = (): Uint8Array => bytes(32)

/** A P2WPKH spend: empty script, witness = [DER signature, compressed pubkey]. */
const segwitInput = (): Transaction.TxIn => ({
  prevout: { hash: hash(), index: int(0, 3) },
  script: new Uint8Array(0),
  sequence: 0xffff_fffd,
  witness: [bytes(int(71, 72)), bytes(33)]
})

/** A legacy P2PKH spend: signature and pubkey pushed in the script, no witness. */
const legacyInput = (): Transaction.TxIn => ({
  prevout: { hash: hash(), index: int(0, 3) },
  script: bytes(int(106, 107)),
  sequence: 0xffff_ffff,
  witness: []
})

/** P2WPKH (22-byte script) or P2PKH (25-byte script) output. */
const output = (): Transaction.TxOut => ({
  value: BigInt(int(546, 2_000_000_000)),
  script: rand() < 0.7 ? bytes(22) : bytes(25)
})

/** A segwit transaction with `nIn` inputs (all with witness) and `nOut` outputs. */
const segwitTx = (nIn: number, nOut: number): Transaction.Transaction => ({
  version: 2,
  inputs: Array.from({ length: nIn }, segwitInput),
  outputs: Array.from({ length: nOut }, output),
  lockTime: int(0, 850_000)
})

/** Segwit-ish block transaction: 1–3 inputs (one in ten is legacy), 1–3 outputs. */
const blockTx = (): Transaction.Transaction => {
  const legacy = rand() < 0.1
  return {
    version: legacy ? 1 : 2,
    inputs: Array.from({ length: int(1, 3) }, legacy ? legacyInput : segwitInput),
    outputs: Array.from({ length: int(1, 3) }, output),
    lockTime: 0
  }
}

const header = (): BlockHeader.BlockHeader => ({
  version: 0x2000_0000 | int(0, 0xffff),
  prevBlock: hash(),
  merkleRoot: hash(),
  time: int(1_600_000_000, 1_750_000_000),
  bits: 0x1703_4219,
  nonce: int(0, 0xffff_ffff)
})

const coinbase = (): Transaction.Transaction => ({
  version: 2,
  inputs: [{
    prevout: { hash: new Uint8Array(32), index: 0xffff_ffff },
    script: bytes(40),
    sequence: 0xffff_ffff,
    witness: [new Uint8Array(32)]
  }],
  outputs: [output(), { value: 0n, script: bytes(38) }],
  lockTime: 0
})

/** ~1 MB block of ~2,700 transactions (coinbase with witness commitment first). */
const makeBlock = (): Block.Block => {
  const transactions = [coinbase()]
  for (let i = 0; i < 2_700; i++) transactions.push(blockTx())
  const draft: Block.Block = { header: header(), transactions }
  return { header: { ...draft.header, merkleRoot: Block.computeMerkleRoot(draft) }, transactions }
}

const ipv4 = (): NetAddress.NetAddressFields => ({
  services: ServiceFlags.make(ServiceFlags.NODE_NETWORK, ServiceFlags.NODE_WITNESS),
  network: NetAddress.NetworkId.IPv4,
  address: bytes(4),
  port: 8333
})

const ipv6 = (): NetAddress.NetAddressFields => {
  const address = bytes(16)
  address[0] = 0x20 // 2000::/3, never the IPv4-mapped range
  address[1] = 0x01
  return { services: ServiceFlags.make(ServiceFlags.NODE_NETWORK_LIMITED), network: NetAddress.NetworkId.IPv6, address, port: int(1024, 65535) }
}

const inventory = (n: number): Array<InvVector.InvVector> =>
  Array.from({ length: n }, () => ({ type: InvVector.InvType.WitnessTx, hash: hash() }))

/** One corpus entry: the message, its command, its payload and its whole frame. */
export interface Entry {
  readonly name: string
  readonly command: string
  readonly message: Message.NetworkMessage
  readonly payload: Uint8Array
  readonly frame: Uint8Array
}

const entry = (name: string, message: Message.NetworkMessage): Entry => {
  // A copy: the encoder hands back a view of its (larger) scratch buffer.
  const payload = Either.getOrThrow(Message.encodePayloadEither(message)).slice()
  return { name, command: Message.commandOf(message), message, payload, frame: Frame.encode(params.magic, message) }
}

export const makeCorpus = (): ReadonlyArray<Entry> => [
  entry("verack", Message.Verack.make({})),
  entry("version", Message.Version.make({
    version: ProtocolVersion.CURRENT,
    services: ServiceFlags.make(ServiceFlags.NODE_NETWORK, ServiceFlags.NODE_WITNESS, ServiceFlags.NODE_NETWORK_LIMITED),
    timestamp: 1_717_000_000n,
    addrRecv: ipv4(),
    addrFrom: ipv4(),
    nonce: 0x1234_5678_9abc_def0n,
    userAgent: "/Satoshi:27.0.0/",
    startHeight: 850_000,
    relay: true
  })),
  entry("ping", Message.Ping.make({ nonce: 0x0123_4567_89ab_cdefn })),
  entry("inv-10", Message.Inv.make({ inventory: inventory(10) })),
  entry("inv-50000", Message.Inv.make({ inventory: inventory(50_000) })),
  entry("getheaders-30", Message.GetHeaders.make({
    version: ProtocolVersion.CURRENT,
    locator: Array.from({ length: 30 }, hash),
    stopHash: new Uint8Array(32)
  })),
  entry("headers-2000", Message.Headers.make({ headers: Array.from({ length: 2_000 }, header) })),
  entry("addr-1000", Message.Addr.make({
    addresses: Array.from({ length: 1_000 }, () => ({ time: int(1_700_000_000, 1_750_000_000), ...(rand() < 0.8 ? ipv4() : ipv6()) }))
  })),
  entry("tx-segwit-2x2", Message.Tx.make({ tx: segwitTx(2, 2) })),
  entry("block-1MB", Message.BlockMessage.make(makeBlock()))
]

/**
 * The mixed stream: a plausible slice of a busy connection, mostly bytes of
 * big messages and mostly counts of small ones.
 */
export const streamMix: ReadonlyArray<readonly [name: string, count: number]> = [
  ["version", 1], ["verack", 1], ["getheaders-30", 2], ["headers-2000", 1], ["ping", 100], ["inv-10", 200],
  ["inv-50000", 1], ["addr-1000", 1], ["tx-segwit-2x2", 500], ["block-1MB", 1]
]

/** Concatenates the frames of `streamMix`, interleaving the repeated small messages. */
export const makeStream = (corpus: ReadonlyArray<Entry>): { bytes: Uint8Array; messages: number } => {
  const byName = new Map(corpus.map((e) => [e.name, e]))
  const left = new Map(streamMix)
  const frames: Array<Uint8Array> = []
  for (let more = true; more;) {
    more = false
    for (const [name] of streamMix) {
      const n = left.get(name)!
      if (n === 0) continue
      frames.push(byName.get(name)!.frame)
      left.set(name, n - 1)
      more = true
    }
  }
  const total = frames.reduce((s, f) => s + f.length, 0)
  const bytes = new Uint8Array(total)
  let off = 0
  for (const f of frames) {
    bytes.set(f, off)
    off += f.length
  }
  return { bytes, messages: frames.length }
}

/** Splits `bytes` into views of at most `size` bytes. */
export const chunked = (bytes: Uint8Array, size: number): Array<Uint8Array> => {
  const out: Array<Uint8Array> = []
  for (let off = 0; off < bytes.length; off += size) out.push(bytes.subarray(off, Math.min(off + size, bytes.length)))
  return out
}
