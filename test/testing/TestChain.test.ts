/**
 * `TestChain`: the regtest genesis it builds on is the real one (published
 * hashes), every generated block passes the checks a node runs on it, the
 * same seed always gives the same chain, and it answers `getheaders` and
 * `getdata` as a node does.
 */
import { describe, expect, it } from "@effect/vitest"
import * as Block from "../../src/wire/Block.js"
import * as BlockHeader from "../../src/wire/BlockHeader.js"
import * as ChainParams from "../../src/wire/ChainParams.js"
import * as Hash from "../../src/wire/Hash.js"
import * as InvVector from "../../src/wire/InvVector.js"
import * as Message from "../../src/wire/Message.js"
import * as Transaction from "../../src/wire/Transaction.js"
import * as TestChain from "../../src/testing/TestChain.js"

const P2WSH_OP_TRUE = "0020" + "4ae81572f06e1b88fd5ced7a1a000945432e83e1551e6f721ee9c00b8cc33260"

describe("TestChain", () => {
  it("builds on the real regtest genesis block", () => {
    expect(Hash.equals(Block.hash(TestChain.genesis), ChainParams.regtest.genesisHash)).toBe(true)
    // The published merkle root is the genesis coinbase's txid.
    expect(Hash.toHex(Block.computeMerkleRoot(TestChain.genesis))).toBe("4a5e1e4baab89f3a32518a88c31bc87f618f76673e2cc77ab2127b7afdeda33b")
    expect(TestChain.meetsTarget(TestChain.genesis.header)).toBe(true)
  })

  it("decodes compact targets as nodes do", () => {
    expect(TestChain.targetOf(0x207fffff)).toBe(0x7fffffn << 232n)
    expect(TestChain.targetOf(0x1d00ffff)).toBe(0xffffn << 208n)
    expect(TestChain.targetOf(0x03123456)).toBe(0x123456n)
    expect(TestChain.targetOf(0x01123456)).toBe(0x12n)
    expect(TestChain.targetOf(0x04923456)).toBe(0n) // sign bit: negative
    expect(TestChain.targetOf(0x21010000)).toBe(0n) // beyond 256 bits
    // Mainnet genesis (nonce 2083236893) meets its target; with another nonce it does not.
    const mainnet = { ...TestChain.genesis.header, time: 1231006505, bits: 0x1d00ffff, nonce: 2083236893 }
    expect(Hash.equals(BlockHeader.hash(mainnet), ChainParams.mainnet.genesisHash)).toBe(true)
    expect(TestChain.meetsTarget(mainnet)).toBe(true)
    expect(TestChain.meetsTarget({ ...mainnet, nonce: 1 })).toBe(false)
  })

  it("mines linked blocks with valid proof of work, merkle roots and a BIP-0034 coinbase", () => {
    const chain = TestChain.make({ length: 200, seed: "a" })
    expect(chain.height).toBe(200)
    expect(chain.blocks.length).toBe(201)
    expect(Hash.equals(chain.tip, chain.hashes[200]!)).toBe(true)
    for (let h = 1; h <= chain.height; h++) {
      const block = chain.blocks[h]!
      expect(Hash.equals(block.header.prevBlock, chain.hashes[h - 1]!)).toBe(true)
      expect(TestChain.meetsTarget(block.header)).toBe(true)
      expect(block.header.bits).toBe(0x207fffff)
      expect(block.header.time).toBeGreaterThan(chain.blocks[h - 1]!.header.time)
      expect(Hash.equals(Block.computeMerkleRoot(block), block.header.merkleRoot)).toBe(true)
      const [coinbase, ...rest] = block.transactions
      expect(rest).toEqual([])
      expect(coinbase!.inputs[0]!.prevout.index).toBe(0xffffffff)
      const script = coinbase!.inputs[0]!.script
      expect(script.length).toBeGreaterThanOrEqual(2)
      expect(script.length).toBeLessThanOrEqual(100)
      // Regtest subsidy: 50 BTC, halved at height 150.
      expect(coinbase!.outputs[0]!.value).toBe(h < 150 ? 5_000_000_000n : 2_500_000_000n)
      expect(Hash.bytesToHex(coinbase!.outputs[0]!.script)).toBe(P2WSH_OP_TRUE)
      // It survives the wire.
      expect(Hash.equals(Block.hash(Block.fromBytes(Block.toBytes(block))), chain.hashes[h]!)).toBe(true)
    }
    // BIP-0034 height pushes: OP_1..OP_16, then minimal little-endian numbers (128 needs a sign byte).
    expect(chain.blocks[1]!.transactions[0]!.inputs[0]!.script[0]).toBe(0x51)
    expect(chain.blocks[16]!.transactions[0]!.inputs[0]!.script[0]).toBe(0x60)
    expect(Array.from(chain.blocks[17]!.transactions[0]!.inputs[0]!.script.subarray(0, 2))).toEqual([1, 17])
    expect(Array.from(chain.blocks[128]!.transactions[0]!.inputs[0]!.script.subarray(0, 3))).toEqual([2, 128, 0])
  })

  it("is the same for the same seed and differs for another", () => {
    const a = TestChain.make({ length: 30, seed: "same" })
    const b = TestChain.make({ length: 30, seed: "same" })
    const c = TestChain.make({ length: 30, seed: "other" })
    expect(a.hashes.map(Hash.toHex)).toEqual(b.hashes.map(Hash.toHex))
    expect(Hash.equals(a.hashes[0]!, c.hashes[0]!)).toBe(true)
    expect(a.hashes.slice(1).some((h, i) => Hash.equals(h, c.hashes[i + 1]!))).toBe(false)
    // `extend` continues the same chain.
    expect(a.extend(10).hashes.slice(0, 31).map(Hash.toHex)).toEqual(TestChain.make({ length: 40, seed: "same" }).hashes.slice(0, 31).map(Hash.toHex))
  })

  it("forks share their prefix only", () => {
    const main = TestChain.make({ length: 20 })
    const fork = main.fork(12, 10, "fork")
    expect(fork.height).toBe(22)
    expect(fork.hashes.slice(0, 13).map(Hash.toHex)).toEqual(main.hashes.slice(0, 13).map(Hash.toHex))
    expect(Hash.equals(fork.hashes[13]!, main.hashes[13]!)).toBe(false)
    expect(Hash.equals(fork.blocks[13]!.header.prevBlock, main.hashes[12]!)).toBe(true)
    expect(() => main.fork(21, 1, "x")).toThrow(RangeError)
  })

  it("adds a spending witness transaction and the BIP-0141 commitment with segwit", () => {
    const chain = TestChain.make({ length: 105, segwit: true })
    for (let h = 1; h <= chain.height; h++) {
      const block = chain.blocks[h]!
      const coinbase = block.transactions[0]!
      expect(coinbase.inputs[0]!.witness.map(Hash.bytesToHex)).toEqual(["00".repeat(32)])
      expect(block.transactions.length).toBe(h > 100 ? 2 : 1)
      // The commitment: OP_RETURN 0xaa21a9ed SHA256d(witness root ‖ reserved value).
      const wtxids = [new Uint8Array(32), ...block.transactions.slice(1).map(Transaction.wtxid)]
      const commitment = Hash.sha256d(Uint8Array.from([...Block.merkleRoot(wtxids), ...new Uint8Array(32)]))
      const out = coinbase.outputs.find((o) => Hash.bytesToHex(o.script).startsWith("6a24aa21a9ed"))
      expect(out && Hash.bytesToHex(out.script.subarray(6))).toBe(Hash.bytesToHex(commitment))
      expect(Hash.equals(Block.computeMerkleRoot(block), block.header.merkleRoot)).toBe(true)
    }
    const spend = chain.blocks[101]!.transactions[1]!
    expect(Transaction.hasWitness(spend)).toBe(true)
    // It spends the coinbase of height 1 (mature: 100 blocks later), leaving 1000 sat to the miner.
    expect(Hash.equals(spend.inputs[0]!.prevout.hash, Transaction.txid(chain.blocks[1]!.transactions[0]!))).toBe(true)
    expect(spend.outputs[0]!.value).toBe(5_000_000_000n - 1000n)
    expect(chain.blocks[101]!.transactions[0]!.outputs[0]!.value).toBe(5_000_000_000n + 1000n)
    // Witness data changes the wtxid, not the txid.
    expect(Hash.equals(Transaction.txid(spend), Transaction.wtxid(spend))).toBe(false)
  })

  it("answers getheaders from a locator, and getdata with blocks, and notfound for transactions only", () => {
    const chain = TestChain.make({ length: 2500 })
    const ask = (locator: ReadonlyArray<Uint8Array>, stopHash = Hash.ZERO) =>
      chain.answerGetHeaders(Message.GetHeaders.make({ version: 70016, locator, stopHash })).headers
    const first = ask([chain.hashes[0]!])
    expect(first.length).toBe(2000)
    expect(Hash.equals(BlockHeader.hash(first[0]!), chain.hashes[1]!)).toBe(true)
    // The first known locator hash counts; unknown ones are skipped.
    expect(ask([Hash.fromHex("11".repeat(32)), chain.hashes[2400]!, chain.hashes[10]!]).length).toBe(100)
    expect(ask([chain.tip])).toEqual([])
    expect(ask([chain.hashes[5]!], chain.hashes[8]!).length).toBe(3)
    expect(ask([Hash.fromHex("22".repeat(32))]).length).toBe(2000) // nothing known: from genesis
    // A locator from height h starts with h and ends with genesis; the newest ten are consecutive.
    const locator = chain.locator(1000)
    expect(locator.slice(0, 10).map((h) => chain.heightOf(h))).toEqual([1000, 999, 998, 997, 996, 995, 994, 993, 992, 991])
    expect(chain.heightOf(locator[locator.length - 1]!)).toBe(0)
    expect(locator.length).toBeLessThan(25)

    const tx = { type: InvVector.InvType.Tx, hash: chain.hashes[3]! }
    // A block it does not have is not answered at all, as Core (its notfound names transactions only).
    const unknownBlock = { type: InvVector.InvType.Block, hash: new Uint8Array(32).fill(0x22) }
    const replies = chain.serve(Message.GetData.make({
      inventory: [{ type: InvVector.InvType.WitnessBlock, hash: chain.hashes[7]! }, tx, unknownBlock, { type: InvVector.InvType.Block, hash: chain.hashes[9]! }]
    }))
    expect(replies.map((m) => m._tag)).toEqual(["Block", "Block", "NotFound"])
    const [block, , notFound] = replies
    expect(block?._tag === "Block" && Hash.equals(BlockHeader.hash(block.header), chain.hashes[7]!)).toBe(true)
    expect(notFound?._tag === "NotFound" && notFound.inventory).toEqual([tx])
  })

  it("serves a segwit block with its witnesses to witnessblock, without them to block (as Core)", () => {
    const chain = TestChain.make({ length: 101, segwit: true })
    const [witnessed, plain] = chain.serve(Message.GetData.make({
      inventory: [{ type: InvVector.InvType.WitnessBlock, hash: chain.tip }, { type: InvVector.InvType.Block, hash: chain.tip }]
    }))
    if (witnessed?._tag !== "Block" || plain?._tag !== "Block") return expect.unreachable("two blocks")
    expect(witnessed.transactions.map(Transaction.hasWitness)).toEqual([true, true])
    expect(plain.transactions.map(Transaction.hasWitness)).toEqual([false, false])
    // The same transactions: the merkle root (txids) still matches the header.
    expect(Block.computeMerkleRoot(plain)).toEqual(plain.header.merkleRoot)
  })
})
