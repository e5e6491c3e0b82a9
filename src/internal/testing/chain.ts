/**
 * Mining of `TestChain`: pure functions over the wire types, no I/O.
 */
import { sha256 } from "@noble/hashes/sha2.js"
import type * as TestChain from "../../testing/TestChain.js"
import * as Block from "../../wire/Block.js"
import * as BlockHeader from "../../wire/BlockHeader.js"
import * as ChainParams from "../../wire/ChainParams.js"
import * as Hash from "../../wire/Hash.js"
import * as InvVector from "../../wire/InvVector.js"
import * as Message from "../../wire/Message.js"
import * as Transaction from "../../wire/Transaction.js"

/** Regtest's compact target: 0x7fffff × 256^29, about half of all hashes meet it. */
const REGTEST_BITS = 0x207fffff
/** Seconds between blocks: the target spacing keeps every median-time-past check happy. */
const SPACING = 600
/** Regtest halves the subsidy every 150 blocks (Bitcoin Core's `nSubsidyHalvingInterval`). */
const HALVING_INTERVAL = 150
/** A coinbase can be spent 100 blocks later. */
const COINBASE_MATURITY = 100
/** What each segwit spend leaves to the miner. */
const FEE = 1000n
const MAX_HEADERS = 2000

const hex = Hash.bytesFromHex
const ZERO32 = new Uint8Array(32)

/** Facts of the regtest genesis block (shared with mainnet but for time, bits and nonce). */
export const genesis: Block.Block = {
  header: {
    version: 1,
    prevBlock: Hash.ZERO,
    merkleRoot: Hash.fromHex("4a5e1e4baab89f3a32518a88c31bc87f618f76673e2cc77ab2127b7afdeda33b"),
    time: 1296688602,
    bits: REGTEST_BITS,
    nonce: 2
  },
  transactions: [{
    version: 1,
    inputs: [{
      prevout: { hash: Hash.ZERO, index: 0xffffffff },
      script: hex(
        "04ffff001d0104455468652054696d65732030332f4a616e2f32303039204368616e63656c6c6f72206f6e206272696e6b206f66207365636f6e64206261696c6f757420666f722062616e6b73"
      ),
      sequence: 0xffffffff,
      witness: []
    }],
    outputs: [{
      value: 5_000_000_000n,
      script: hex(
        "4104678afdb0fe5548271967f1a67130b7105cd6a828e03909a67962e0ea1f61deb649f6bc3f4cef38c4f35504e51ec112de5c384df7ba0b8d578a4c702b6bf11d5fac"
      )
    }],
    lockTime: 0
  }]
}

export const targetOf = (bits: number): bigint => {
  const exponent = bits >>> 24
  const mantissa = BigInt(bits & 0x007fffff)
  if ((bits & 0x00800000) !== 0 || mantissa === 0n) return 0n
  const target = exponent <= 3 ? mantissa >> BigInt(8 * (3 - exponent)) : mantissa << BigInt(8 * (exponent - 3))
  return target >> 256n === 0n ? target : 0n
}

/** A hash as the little-endian number proof of work compares. */
const asNumber = (hash: Uint8Array): bigint => {
  let n = 0n
  for (let i = hash.length - 1; i >= 0; i--) n = (n << 8n) | BigInt(hash[i]!)
  return n
}

export const meetsTarget = (header: BlockHeader.BlockHeader): boolean =>
  asNumber(BlockHeader.hash(header)) <= targetOf(header.bits)

/** The smallest push of a script number (BIP-0034 heights): OP_0, OP_1..OP_16, or minimal little-endian bytes. */
const pushNumber = (n: number): Array<number> => {
  if (n === 0) return [0x00]
  if (n <= 16) return [0x50 + n]
  const bytes: Array<number> = []
  for (let v = n; v > 0; v = Math.floor(v / 256)) bytes.push(v & 0xff)
  if ((bytes[bytes.length - 1]! & 0x80) !== 0) bytes.push(0)
  return [bytes.length, ...bytes]
}

/** `OP_TRUE` as a witness script, and the P2WSH output that locks to it: anyone can spend it with a witness. */
const WITNESS_SCRIPT = Uint8Array.of(0x51)
const P2WSH_TRUE = Uint8Array.from([0x00, 0x20, ...sha256(WITNESS_SCRIPT)])

const subsidy = (height: number): bigint => {
  const halvings = Math.floor(height / HALVING_INTERVAL)
  return halvings >= 64 ? 0n : 5_000_000_000n >> BigInt(halvings)
}

const { txid, wtxid } = Transaction

const mineBlock = (
  prev: ReadonlyArray<Block.Block>,
  prevHash: Uint8Array,
  tag: Uint8Array,
  segwit: boolean
): Block.Block => {
  const height = prev.length
  const spends: Array<Transaction.Transaction> = []
  if (segwit && height > COINBASE_MATURITY) {
    const matured = prev[height - COINBASE_MATURITY]!.transactions[0]!
    spends.push({
      version: 2,
      inputs: [{ prevout: { hash: txid(matured), index: 0 }, script: new Uint8Array(0), sequence: 0xfffffffd, witness: [WITNESS_SCRIPT] }],
      outputs: [{ value: matured.outputs[0]!.value - FEE, script: P2WSH_TRUE }],
      lockTime: 0
    })
  }
  const outputs: Array<Transaction.TxOut> = [{ value: subsidy(height) + FEE * BigInt(spends.length), script: P2WSH_TRUE }]
  if (segwit) {
    // BIP-0141: the coinbase's wtxid counts as zero; the commitment hashes the root with the reserved value.
    const witnessRoot = Block.merkleRoot([ZERO32, ...spends.map(wtxid)])
    const commitment = Hash.sha256d(Uint8Array.from([...witnessRoot, ...ZERO32]))
    outputs.push({ value: 0n, script: Uint8Array.from([0x6a, 0x24, 0xaa, 0x21, 0xa9, 0xed, ...commitment]) })
  }
  const coinbase: Transaction.Transaction = {
    version: 2,
    inputs: [{
      prevout: { hash: Hash.ZERO, index: 0xffffffff },
      script: Uint8Array.from([...pushNumber(height), tag.length, ...tag]),
      sequence: 0xffffffff,
      witness: segwit ? [ZERO32] : []
    }],
    outputs,
    lockTime: 0
  }
  const transactions = [coinbase, ...spends]
  const header = {
    version: 0x20000000,
    prevBlock: prevHash,
    merkleRoot: Block.merkleRoot(transactions.map(txid)),
    time: genesis.header.time + height * SPACING,
    bits: REGTEST_BITS,
    nonce: 0
  }
  while (!meetsTarget(header)) header.nonce++
  return { header, transactions }
}

const tagOf = (seed: string): Uint8Array => Hash.sha256d(new TextEncoder().encode(seed)).slice(0, 8)

/** An item naming a transaction: `tx`, `witnesstx` or `wtx` (BIP-0339). */
const isTransactionItem = (item: InvVector.InvVector): boolean =>
  item.type === InvVector.InvType.Tx || item.type === InvVector.InvType.WitnessTx || item.type === InvVector.InvType.WTx

/**
 * The mempool transaction a `getdata` item asks for: by wtxid for `wtx`, by
 * txid for `tx` and `witnesstx`; without its witnesses for a plain `tx`.
 */
const findTransaction = (
  mempool: ReadonlyArray<Transaction.Transaction>,
  item: InvVector.InvVector
): Transaction.Transaction | undefined => {
  if (!isTransactionItem(item)) return undefined
  const byWtxid = item.type === InvVector.InvType.WTx
  const tx = mempool.find((t) => Hash.equals(byWtxid ? wtxid(t) : txid(t), item.hash))
  return tx === undefined || item.type !== InvVector.InvType.Tx ? tx : withoutWitness(tx)
}

/** `tx` as sent to a peer that asked without the witness flag (Core's non-witness serialization): same txid. */
const withoutWitness = (tx: Transaction.Transaction): Transaction.Transaction =>
  Transaction.hasWitness(tx) ? { ...tx, inputs: tx.inputs.map((input) => ({ ...input, witness: [] })) } : tx

const build = (prefix: ReadonlyArray<Block.Block>, count: number, seed: string, segwit: boolean): TestChain.TestChain => {
  if (!Number.isInteger(count) || count < 0) throw new RangeError(`block count must be a non-negative integer, got ${count}`)
  const blocks = prefix.slice()
  const hashes = blocks.map(Block.hash)
  const tag = tagOf(seed)
  for (let i = 0; i < count; i++) {
    const block = mineBlock(blocks, hashes[hashes.length - 1]!, tag, segwit)
    blocks.push(block)
    hashes.push(Block.hash(block))
  }
  return fromBlocks(blocks, hashes, seed, segwit)
}

const fromBlocks = (
  blocks: ReadonlyArray<Block.Block>,
  hashes: ReadonlyArray<Uint8Array>,
  seed: string,
  segwit: boolean
): TestChain.TestChain => {
  const heights = new Map<string, number>(hashes.map((h, i) => [Hash.bytesToHex(h), i]))
  const height = blocks.length - 1
  const heightOf = (hash: Uint8Array) => heights.get(Hash.bytesToHex(hash))
  const headersAfter: TestChain.TestChain["headersAfter"] = (request, max = MAX_HEADERS) => {
    let from = 0
    for (const h of request.locator) {
      const found = heightOf(h)
      if (found !== undefined) {
        from = found
        break
      }
    }
    const out: Array<BlockHeader.BlockHeader> = []
    for (let i = from + 1; i <= height && out.length < max; i++) {
      out.push(blocks[i]!.header)
      if (Hash.equals(hashes[i]!, request.stopHash)) break
    }
    return out
  }
  const chain: TestChain.TestChain = {
    params: ChainParams.regtest,
    seed,
    height,
    blocks,
    headers: blocks.map((b) => b.header),
    hashes,
    tip: hashes[height]!,
    heightOf,
    block: (hash) => {
      const at = heightOf(hash)
      return at === undefined ? undefined : blocks[at]
    },
    locator: (from = height) => {
      const out: Array<Uint8Array> = []
      let step = 1
      for (let i = Math.min(from, height); i > 0; i -= step) {
        out.push(hashes[i]!)
        if (out.length >= 10) step *= 2
      }
      out.push(hashes[0]!)
      return out
    },
    headersAfter,
    answerGetHeaders: (request) => Message.Headers.make({ headers: headersAfter(request) }),
    serve: (request, options = {}) => {
      const replies: Array<Message.NetworkMessage> = []
      const missing: Array<InvVector.InvVector> = []
      const mempool = options.transactions ?? []
      for (const item of request.inventory) {
        const isBlock = item.type === InvVector.InvType.Block || item.type === InvVector.InvType.WitnessBlock
        const block = isBlock ? chain.block(item.hash) : undefined
        const tx = isBlock ? undefined : findTransaction(mempool, item)
        if (block !== undefined) {
          const witnessed = item.type === InvVector.InvType.WitnessBlock
          replies.push(Message.BlockMessage.make({ header: block.header, transactions: witnessed ? block.transactions : block.transactions.map(withoutWitness) }))
        }
        else if (tx !== undefined) replies.push(Message.Tx.make({ tx }))
        // Core's notfound names transactions only: a block (or an item of another type) it lacks is not answered.
        else if (isTransactionItem(item)) missing.push(item)
      }
      if (missing.length > 0) replies.push(Message.NotFound.make({ inventory: missing }))
      return replies
    },
    extend: (count) => build(blocks, count, seed, segwit),
    fork: (at, count, forkSeed) => {
      if (!Number.isInteger(at) || at < 0 || at > height) throw new RangeError(`fork height ${at} is not in 0..${height}`)
      return build(blocks.slice(0, at + 1), count, forkSeed, segwit)
    }
  }
  return chain
}

export const make = (options: TestChain.Options): TestChain.TestChain =>
  build([genesis], options.length, options.seed ?? "test-chain", options.segwit ?? false)
