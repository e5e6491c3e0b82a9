/**
 * Messages that carry block headers or transactions, under each family's wire
 * format: exact bytes (real headers from ChainParams.family.test.ts), error
 * tables (truncation at every length, bounds, rules), property round trips.
 */
import { isDeepStrictEqual } from "node:util"
import { describe, expect, it } from "@effect/vitest"
import * as Arbitrary from "effect/Arbitrary"
import * as Either from "effect/Either"
import * as FastCheck from "effect/FastCheck"
import * as Block from "../../src/wire/Block.js"
import * as BlockHeader from "../../src/wire/BlockHeader.js"
import * as BlockHeaderFormat from "../../src/wire/BlockHeaderFormat.js"
import * as ChainParams from "../../src/wire/ChainParams.js"
import * as Frame from "../../src/wire/Frame.js"
import * as Hash from "../../src/wire/Hash.js"
import * as Message from "../../src/wire/Message.js"
import * as Transaction from "../../src/wire/Transaction.js"
import * as WireFormat from "../../src/wire/WireFormat.js"
import { DOGE_371337, LBRY_BLOCK_1, LTC_BLOCK_1, LTC_HOGEX } from "./vectors/family.js"
import { bytes, concat, toHex } from "../support/wire.js"

const NUM_RUNS = 100

const expectSame = (actual: unknown, expected: unknown) => {
  if (!isDeepStrictEqual(actual, expected)) expect(actual).toEqual(expected)
}

const decode = (params: ChainParams.ChainParams, command: string, payload: Uint8Array) =>
  Message.decodePayloadEither(command, payload, { version: params.protocolVersion, format: params.format })

const encode = (params: ChainParams.ChainParams, m: Message.NetworkMessage) =>
  Message.encodePayloadEither(m, { version: params.protocolVersion, format: params.format })

const decodeOk = (params: ChainParams.ChainParams, command: string, payload: Uint8Array): Message.NetworkMessage => {
  const r = decode(params, command, payload)
  if (Either.isLeft(r)) throw new Error(`decode ${command}: ${r.left.message}`)
  return r.right
}

const encodeOk = (params: ChainParams.ChainParams, m: Message.NetworkMessage): Uint8Array => {
  const r = encode(params, m)
  if (Either.isLeft(r)) throw new Error(`encode ${m._tag}: ${r.left.message}`)
  return r.right
}

/** A full frame through the streaming decoder of `params`. */
const frameRoundTrip = (params: ChainParams.ChainParams, m: Message.NetworkMessage): Message.NetworkMessage => {
  const frame = Frame.encode(params.magic, m, { version: params.protocolVersion, format: params.format })
  const r = Frame.decodeOne(frame, { params })
  if (Either.isLeft(r)) throw new Error(`frame: ${r.left.message}`)
  return r.right.message
}

const hash32 = FastCheck.uint8Array({ minLength: 32, maxLength: 32 })
const baseHeader = Arbitrary.make(BlockHeader.BlockHeader)

/** LBRY headers: a claim-trie root, always. */
const lbryHeader = FastCheck.tuple(baseHeader, hash32).map(([h, claimTrieRoot]) => ({ ...h, claimTrieRoot }))

/** A structurally valid AuxPoW proof: coinbase, parent hash, two branches with indexes, parent header. */
const auxPowProof = FastCheck.tuple(
  Arbitrary.make(Transaction.Transaction),
  hash32,
  FastCheck.array(hash32, { maxLength: 4 }),
  FastCheck.array(hash32, { maxLength: 4 }),
  baseHeader
).map(([tx, parentHash, branch, chainBranch, parent]) =>
  concat(
    Transaction.toBytes(tx),
    parentHash,
    bytes(branch.length.toString(16).padStart(2, "0")), ...branch, bytes("00000000"),
    bytes(chainBranch.length.toString(16).padStart(2, "0")), ...chainBranch, bytes("02000000"),
    BlockHeader.toBytes(parent)
  )
)

/** Dogecoin headers: without AuxPoW (bit 8 clear), or with a proof (bit 8 set). */
const dogeHeader = FastCheck.oneof(
  baseHeader.map((h) => ({ ...h, version: h.version & ~BlockHeaderFormat.AUXPOW_VERSION_BIT })),
  FastCheck.tuple(baseHeader, auxPowProof).map(([h, auxPow]) => ({
    ...h,
    version: h.version | BlockHeaderFormat.AUXPOW_VERSION_BIT,
    auxPow
  }))
)

const txs = FastCheck.array(Arbitrary.make(Transaction.Transaction), { minLength: 1, maxLength: 3 })
const legacyTxs = txs.map((list) => list.map((tx) => ({ ...tx, inputs: tx.inputs.map((i) => ({ ...i, witness: [] })) })))

describe("property round trips under each header format", () => {
  const cases = [
    ["LBRY", ChainParams.lbryMainnet, lbryHeader, txs],
    ["Dogecoin", ChainParams.dogeMainnet, dogeHeader, legacyTxs],
    ["Bitcoin Cash", ChainParams.bchMainnet, baseHeader, legacyTxs]
  ] as const
  for (const [family, params, header, transactions] of cases) {
    describe(family, () => {
      it("headers, block, merkleblock and cmpctblock: decode(encode(m)) equals m, framed", () => {
        FastCheck.assert(
          FastCheck.property(
            FastCheck.array(header, { maxLength: 4 }),
            header,
            transactions,
            FastCheck.array(hash32, { maxLength: 3 }),
            (headers, usable, txList, hashes) => {
              const messages: Array<Message.NetworkMessage> = [
                Message.Headers.make({ headers }),
                Message.BlockMessage.make({ header: usable, transactions: txList }),
                Message.MerkleBlock.make({ header: usable, totalTransactions: 3, hashes, flags: bytes("1d") }),
                Message.CmpctBlock.make({ header: usable, nonce: 7n, shortIds: [1, 2], prefilled: [{ index: 0, tx: txList[0]! }] })
              ]
              for (const m of messages) {
                const back = frameRoundTrip(params, m)
                if (m._tag === "Block") {
                  expectSame({ header: (back as typeof m).header, transactions: [...(back as typeof m).transactions] }, { header: m.header, transactions: m.transactions })
                } else {
                  expectSame(back, m)
                }
              }
            }
          ),
          { numRuns: NUM_RUNS }
        )
      })
    })
  }
})

describe("headers message: exact bytes per format", () => {
  it("LBRY: one 112-byte header and a zero count; Bitcoin's decoder reads the same payload as garbage", () => {
    const payload = bytes("01", LBRY_BLOCK_1, "00")
    const m = decodeOk(ChainParams.lbryMainnet, "headers", payload) as Message.MessageOf<"Headers">
    expect(Hash.toHex(BlockHeader.hash(m.headers[0]!))).toBe("decb9e2cca03a419fd9cca0cb2b1d5ad11b088f22f8f38556d93ac4358b86c24")
    expect(toHex(encodeOk(ChainParams.lbryMainnet, m))).toBe(toHex(payload))
    expect(Either.isLeft(decode(ChainParams.mainnet, "headers", payload))).toBe(true)
  })

  it("Dogecoin: an AuxPoW header then a plain one, each followed by a zero count", () => {
    const genesis = "010000000000000000000000000000000000000000000000000000000000000000000000696ad20e2dd4365c7459b4a4a5af743d5e92c6da3229e6532cd605f6533f2a5b24a6a152f0ff0f1e67860100"
    const payload = bytes("02", DOGE_371337, "00", genesis, "00")
    const m = decodeOk(ChainParams.dogeMainnet, "headers", payload) as Message.MessageOf<"Headers">
    expect(m.headers.map((h) => Hash.toHex(BlockHeader.hash(h)))).toEqual([
      "60323982f9c5ff1b5a954eac9dc1269352835f47c2c5222691d80f0d50dcf053",
      "1a91e3dace36e2be3bf030a65679fe821aa1d6ef92e7c9902eb318182c355691"
    ])
    expect(m.headers[1]!.auxPow).toBeUndefined()
    expect(toHex(encodeOk(ChainParams.dogeMainnet, m))).toBe(toHex(payload))
  })

  it("Dogecoin: truncated anywhere, the payload fails with a WireError, never an exception", () => {
    const payload = bytes("01", DOGE_371337, "00")
    for (let n = 0; n < payload.length; n++) {
      const r = decode(ChainParams.dogeMainnet, "headers", payload.subarray(0, n))
      expect(Either.isLeft(r), `length ${n}`).toBe(true)
      if (Either.isLeft(r)) expect(r.left._tag).toBe("WireError")
    }
  })

  it("Dogecoin: a merkle branch longer than any real tree is refused before it is read", () => {
    const header = bytes(DOGE_371337)
    // The coinbase branch count sits after the 80-byte header, the 141-byte coinbase and the parent hash.
    const at = 80 + 141 + 32
    expect(header[at]).toBe(3)
    const forged = concat(header.subarray(0, at), bytes("fd0010"), header.subarray(at + 1))
    const r = decode(ChainParams.dogeMainnet, "headers", concat(bytes("01"), forged, bytes("00")))
    expect(Either.isLeft(r) && r.left.reason).toBe("CountTooLarge")
  })

  it("caps: fixed formats by header size, Dogecoin's by its largest block", () => {
    const v = ProtocolVersionCurrent
    expect(Message.maxPayload("headers", v)).toBe(3 + 2000 * 81)
    expect(Message.maxPayload("headers", v, ChainParams.lbryMainnet.format)).toBe(3 + 2000 * 113)
    expect(Message.maxPayload("headers", v, ChainParams.dogeMainnet.format)).toBe(ChainParams.dogeMainnet.format.maxBlockPayload)
    expect(Message.maxPayload("block", v, ChainParams.bchMainnet.format)).toBe(32_000_000)
    expect(Message.maxPayload("block", v)).toBe(4_000_000)
  })

  it("a header the format cannot carry is an EncodeFailed, not silently dropped data", () => {
    const lbry = BlockHeaderFormat.fromBytes(BlockHeaderFormat.lbry, bytes(LBRY_BLOCK_1))
    const plain = BlockHeader.fromBytes(bytes(LTC_BLOCK_1))
    const failures: Array<readonly [ChainParams.ChainParams, BlockHeader.BlockHeader]> = [
      [ChainParams.mainnet, lbry], // claim-trie root on Bitcoin
      [ChainParams.lbryMainnet, plain], // no claim-trie root on LBRY
      [ChainParams.dogeMainnet, { ...plain, version: plain.version | BlockHeaderFormat.AUXPOW_VERSION_BIT }], // bit 8, no proof
      [ChainParams.dogeMainnet, { ...plain, auxPow: bytes("00") }] // proof without bit 8
    ]
    for (const [params, header] of failures) {
      const r = encode(params, Message.Headers.make({ headers: [header] }))
      expect(Either.isLeft(r) && r.left.reason, params.name).toBe("EncodeFailed")
    }
  })
})

const ProtocolVersionCurrent = ChainParams.mainnet.protocolVersion

/** A segwit transaction (BIP-0143's native P2WPKH example, signed): marker, flag, witness. */
const SEGWIT_TX =
  "01000000000102fff7f7881a8099afa6940d42d1e7f6362bec38171ea3edf433541db4e4ad969f00000000494830450221008b9d1dc26ba6a9cb62127b02742fa9d754cd3bebf337f7a55d114c8e5cdd30be022040529b194ba3f9281a99f2b1c0a19c0489bc22ede944ccf4ecbab4cc618ef3ed01eeffffffef51e1b804cc89d182d279655c3aa89e815b1b309fe287d9b2b55d57b90ec68a0100000000ffffffff02202cb206000000001976a9148280b37df378db99f66f85c95a783a76ac7a6d5988ac9093510d000000001976a9143bde42dbee7e4dbe6a21b2d50ce2f0167faa815988ac000247304402203609e17b84f6a7d30c80bfa610b5b4542f32a8a0d5447a12fb1366d7f01cc44a0220573a954c4518331561406f90300e8f3358f51928d43c212a8caed02de67eebee0121025476c2e83188368da1ff3e292e7acafcdb3566bb0ad253f62fc70f07aeee635711000000"

describe("transactions per family", () => {
  it("Bitcoin Cash and Dogecoin: a witness marker is an error, in tx and in block", () => {
    const tx = bytes(SEGWIT_TX)
    expect(Either.isRight(decode(ChainParams.mainnet, "tx", tx))).toBe(true)
    for (const params of [ChainParams.bchMainnet, ChainParams.dogeMainnet]) {
      const r = decode(params, "tx", tx)
      expect(Either.isLeft(r) && r.left.reason, params.name).toBe("InvalidValue")
      expect(Either.isLeft(r) && r.left.message).toMatch(/without segwit/)
      const header = BlockHeaderFormat.toBytes(BlockHeaderFormat.bitcoin, BlockHeader.fromBytes(bytes(LTC_BLOCK_1)))
      const block = decode(params, "block", concat(header, bytes("01"), tx))
      expect(Either.isLeft(block) && block.left.reason, params.name).toBe("InvalidValue")
    }
  })

  it("Bitcoin Cash: a legacy transaction decodes and re-encodes byte for byte", () => {
    const legacy = Transaction.toBytes(Transaction.fromBytes(bytes(SEGWIT_TX)), false)
    const m = decodeOk(ChainParams.bchMainnet, "tx", legacy)
    expect(toHex(encodeOk(ChainParams.bchMainnet, m))).toBe(toHex(legacy))
  })

  /** Litecoin's HogEx: MWEB flag 8 with a null MWEB transaction (one 0 byte) before the lock time. */
  const hogEx = (() => {
    const base = Transaction.toBytes(Transaction.fromBytes(bytes(SEGWIT_TX)), false)
    const body = base.subarray(4, base.length - 4)
    return concat(base.subarray(0, 4), bytes("0008"), body, bytes("00"), base.subarray(base.length - 4))
  })()

  it("Litecoin: a HogEx (MWEB flag, null MWEB data) decodes and re-encodes byte for byte; its txid ignores the flag", () => {
    const m = decodeOk(ChainParams.ltcMainnet, "tx", hogEx) as Message.MessageOf<"Tx">
    expect(m.tx.mweb).toEqual(bytes("00"))
    expect(toHex(encodeOk(ChainParams.ltcMainnet, m))).toBe(toHex(hogEx))
    expect(Transaction.txid(m.tx)).toEqual(Transaction.txid(Transaction.fromBytes(bytes(SEGWIT_TX))))
    // Bitcoin knows no flag 8.
    expect(Either.isLeft(decode(ChainParams.mainnet, "tx", hogEx))).toBe(true)
  })

  it("Litecoin: real mainnet HogEx transactions decode, hash to their published txids, and re-encode byte for byte", () => {
    for (const { hex, txid } of LTC_HOGEX) {
      const tx = Transaction.fromBytes(bytes(hex), "mweb")
      expect(tx.mweb).toEqual(bytes("00"))
      expect(Hash.toHex(Transaction.txid(tx))).toBe(txid)
      expect(toHex(Transaction.toBytes(tx))).toBe(hex)
      // Without the MWEB flag's rules (Bitcoin's segwit), flag 8 is unknown optional data.
      expect(() => Transaction.fromBytes(bytes(hex))).toThrow(/flags 8/)
    }
    expect(Transaction.fromBytes(bytes(LTC_HOGEX[1].hex), "mweb").outputs[1]!.value).toBe(700_000_000n)
  })

  it("Litecoin: an MWEB transaction passes through intact as opaque bytes, in a frame", () => {
    // Present (01); kernel and stealth offsets; no inputs, no outputs; one kernel with a fee (walked: Block.mweb.test.ts).
    const opaque = bytes("01", "c0".repeat(32), "ff".repeat(32), "00", "00", "01", "0105", "22".repeat(33), "33".repeat(64))
    const withMweb = concat(hogEx.subarray(0, hogEx.length - 5), opaque, hogEx.subarray(hogEx.length - 4))
    const m = decodeOk(ChainParams.ltcMainnet, "tx", withMweb) as Message.MessageOf<"Tx">
    expect(m.tx.mweb).toEqual(opaque)
    expect(m.tx.lockTime).toBe(0x11)
    expect(toHex(encodeOk(ChainParams.ltcMainnet, m))).toBe(toHex(withMweb))
    expectSame(frameRoundTrip(ChainParams.ltcMainnet, m), m)
  })

  it("Litecoin: a block with a flagged HogEx last carries its MWEB extension block, and round-trips (more in Block.mweb.test.ts)", () => {
    const header = bytes(LTC_BLOCK_1)
    // Present; header: height 0, 5 x 32 bytes, MMR sizes 0 and 0; empty body (no inputs, outputs, kernels).
    const extension = bytes("01", "00", "ab".repeat(160), "0000", "000000")
    const payload = concat(header, bytes("02"), Transaction.toBytes(Transaction.fromBytes(bytes(SEGWIT_TX))), hogEx, extension)
    const m = decodeOk(ChainParams.ltcMainnet, "block", payload) as Message.MessageOf<"Block">
    expect(m.transactions[1]!.mweb).toEqual(bytes("00"))
    expect(m.mweb).toEqual(extension)
    expect(toHex(Block.toBytes(m, ChainParams.ltcMainnet.format))).toBe(toHex(payload))
    expectSame(frameRoundTrip(ChainParams.ltcMainnet, m), m)
  })

  it("WireFormat.hasSegwit follows the transaction serialization", () => {
    expect(WireFormat.hasSegwit(WireFormat.bitcoin)).toBe(true)
    expect(WireFormat.hasSegwit(ChainParams.ltcMainnet.format)).toBe(true)
    expect(WireFormat.hasSegwit(ChainParams.bchMainnet.format)).toBe(false)
    expect(WireFormat.hasSegwit(ChainParams.dogeMainnet.format)).toBe(false)
  })
})
