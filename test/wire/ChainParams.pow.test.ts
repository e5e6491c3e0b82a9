/**
 * A block's identity hash and its proof of work are two hashes on all but
 * Bitcoin's chains. `BlockHeader.hash` is the identity (double SHA-256 of the
 * header bytes: Litecoin and Dogecoin `CBlockHeader::GetHash`, lbrycrd
 * `GetHash() = SerializeHash(*this)` over all 112 bytes); proof of work is
 * scrypt(N=1024, r=1, p=1) on Litecoin and Dogecoin, and LBRY's own hash
 * (double SHA-256, SHA-512, RIPEMD-160 of each half, double SHA-256 of the
 * two). A user who checks work with `BlockHeader.hash` on those chains is
 * wrong, and these tests show it on real headers.
 *
 * They also show that the real-header fixtures the other family tests use
 * are genuine: each meets its target under its chain's proof of work, and
 * Dogecoin block 371,337's AuxPoW proof links the block to a parent
 * (Litecoin) header whose scrypt hash meets Dogecoin's target.
 */
import { ripemd160 } from "@noble/hashes/legacy.js"
import { scrypt } from "@noble/hashes/scrypt.js"
import { sha512 } from "@noble/hashes/sha2.js"
import { describe, expect, it } from "@effect/vitest"
import * as BlockHeader from "../../src/wire/BlockHeader.js"
import * as BlockHeaderFormat from "../../src/wire/BlockHeaderFormat.js"
import * as ChainParams from "../../src/wire/ChainParams.js"
import * as Hash from "../../src/wire/Hash.js"
import * as Transaction from "../../src/wire/Transaction.js"
import { bytes, concat, displayHash, genesisHeader, toHex } from "../support/wire.js"
import { DOGE_371337, LBRY_BLOCK_1, LTC_BLOCK_1 } from "./vectors/family.js"

/** A 32-byte hash in internal order as the number the target is compared with (little-endian). */
const asNumber = (hash: Uint8Array): bigint => BigInt(`0x${toHex(hash.slice().reverse())}`)

/** The target of compact `bits` (mantissa * 256^(exponent - 3)). */
const target = (bits: number): bigint => BigInt(bits & 0x00ff_ffff) << (8n * (BigInt(bits >>> 24) - 3n))

const scryptPow = (header: Uint8Array): Uint8Array => scrypt(header, header, { N: 1024, r: 1, p: 1, dkLen: 32 })

const lbryPow = (header: Uint8Array): Uint8Array => {
  const wide = sha512(Hash.sha256d(header))
  return Hash.sha256d(concat(ripemd160(wide.subarray(0, 32)), ripemd160(wide.subarray(32))))
}

const LBRY_GENESIS: BlockHeader.BlockHeader = {
  ...genesisHeader("b8211c82c3d15bcd78bba57005b86fed515149a53a425eb592c07af99fe559cc", 1446058291, 1287, 0x1f00ffff),
  claimTrieRoot: displayHash("0000000000000000000000000000000000000000000000000000000000000001")
}

describe("identity hash and proof of work", () => {
  it("Bitcoin: the identity hash is the proof of work (genesis meets its target)", () => {
    const h = genesisHeader("4a5e1e4baab89f3a32518a88c31bc87f618f76673e2cc77ab2127b7afdeda33b", 1231006505, 2083236893, 0x1d00ffff)
    expect(BlockHeader.hash(h)).toEqual(ChainParams.mainnet.genesisHash)
    expect(asNumber(BlockHeader.hash(h)) <= target(h.bits)).toBe(true)
  })

  const cases: ReadonlyArray<readonly [string, BlockHeader.BlockHeader, (header: Uint8Array) => Uint8Array]> = [
    ["Litecoin block 1 (scrypt)", BlockHeaderFormat.fromBytes(BlockHeaderFormat.bitcoin, bytes(LTC_BLOCK_1)), scryptPow],
    ["Dogecoin genesis (scrypt)", genesisHeader("5b2a3f53f605d62c53e62932dac6925e3d74afa5a4b459745c36d42d0ed26a69", 1386325540, 99943, 0x1e0ffff0), scryptPow],
    ["LBRY genesis (LBRY's hash over 112 bytes)", LBRY_GENESIS, lbryPow],
    ["LBRY block 1 (LBRY's hash over 112 bytes)", BlockHeaderFormat.fromBytes(BlockHeaderFormat.lbry, bytes(LBRY_BLOCK_1)), lbryPow]
  ]
  for (const [name, header, pow] of cases) {
    it(`${name}: the proof-of-work hash meets the target, the identity hash does not`, () => {
      const identityBytes = BlockHeader.toBytes(header)
      expect(asNumber(pow(identityBytes)) <= target(header.bits)).toBe(true)
      expect(asNumber(BlockHeader.hash(header)) <= target(header.bits)).toBe(false)
    })
  }

  it("the identity hashes are the published ones (genesis hashes, LTC block 1, lbrycrd's BIP34Hash for block 1)", () => {
    expect(Hash.toHex(BlockHeader.hash(cases[0]![1]))).toBe("80ca095ed10b02e53d769eb6eaf92cd04e9e0759e5be4a8477b42911ba49c78f")
    expect(BlockHeader.hash(cases[1]![1])).toEqual(ChainParams.dogeMainnet.genesisHash)
    expect(BlockHeader.hash(cases[2]![1])).toEqual(ChainParams.lbryMainnet.genesisHash)
    expect(Hash.toHex(BlockHeader.hash(cases[3]![1]))).toBe("decb9e2cca03a419fd9cca0cb2b1d5ad11b088f22f8f38556d93ac4358b86c24")
  })
})

/** Folds a leaf up a merkle branch (Dogecoin `CAuxPow::CheckMerkleBranch`). */
const fold = (leaf: Uint8Array, branch: ReadonlyArray<Uint8Array>, index: number): Uint8Array =>
  branch.reduce((h, sibling, level) => Hash.sha256d((index >> level) & 1 ? concat(sibling, h) : concat(h, sibling)), leaf)

describe("Dogecoin block 371,337's AuxPoW proof, as decoded, proves the block", () => {
  const header = BlockHeaderFormat.fromBytes(ChainParams.dogeMainnet.format.header, bytes(DOGE_371337))
  const proof = header.auxPow!
  // Dogecoin src/auxpow.h: coinbase, parent hash, coinbase branch + index, chain branch + index, parent header.
  const coinbase = Transaction.fromBytes(proof.subarray(0, 141))
  const branchAt = (at: number) => Array.from({ length: proof[at]! }, (_, i) => proof.subarray(at + 1 + 32 * i, at + 33 + 32 * i))
  const coinbaseBranch = branchAt(141 + 32)
  const chainBranch = branchAt(141 + 32 + 1 + 96 + 4)
  const parent = proof.subarray(proof.length - 80)

  it("the parent coinbase is in the parent block: its txid folds up its branch to the parent's merkle root", () => {
    expect(coinbaseBranch.length).toBe(3)
    expect(fold(Transaction.txid(coinbase), coinbaseBranch, 0)).toEqual(parent.subarray(36, 68))
    expect(Hash.sha256d(parent)).toEqual(proof.subarray(141, 173))
  })

  it("the parent coinbase commits to the block: its hash folds up the chain branch to the root after fabe6d6d", () => {
    const script = coinbase.inputs[0]!.script
    const at = toHex(script).indexOf("fabe6d6d") / 2
    expect(at).toBeGreaterThan(0)
    // The root is written byte-reversed (display order), then the tree size 2^3 and a nonce.
    const committed = script.slice(at + 4, at + 36).reverse()
    expect(fold(BlockHeader.hash(header), chainBranch, 0)).toEqual(committed)
    expect(toHex(script.subarray(at + 36, at + 40))).toBe("08000000")
  })

  it("the parent header's scrypt hash meets the Dogecoin block's target (its own sha256d does not)", () => {
    expect(asNumber(scryptPow(parent)) <= target(header.bits)).toBe(true)
    expect(asNumber(Hash.sha256d(parent)) <= target(header.bits)).toBe(false)
  })
})
