/**
 * Limits both ways: every cap the decoder enforces (list counts, string and
 * byte lengths, per-command payload caps) is enforced by the encoder too, so
 * we never emit a frame our own decoder, or a strict peer, would refuse. At
 * the cap a message encodes and decodes; one past it the encode fails with
 * `EncodeFailed`, nothing is produced, and the message Schema refuses the
 * value as well.
 */
import { isDeepStrictEqual } from "node:util"
import { describe, expect, it } from "@effect/vitest"
import * as Either from "effect/Either"
import * as Schema from "effect/Schema"
import * as ChainParams from "../../src/wire/ChainParams.js"
import * as Frame from "../../src/wire/Frame.js"
import * as Message from "../../src/wire/Message.js"
import * as NetAddress from "../../src/wire/NetAddress.js"
import { MAX_ADDRESSES } from "../../src/wire/messages/Addr.js"
import { MAX_CHECKPOINTS } from "../../src/wire/messages/CFCheckpt.js"
import { MAX_CFHEADERS } from "../../src/wire/messages/CFHeaders.js"
import { MAX_ELEMENT } from "../../src/wire/messages/FilterAdd.js"
import { MAX_FILTER_SIZE, MAX_HASH_FUNCS } from "../../src/wire/messages/FilterLoad.js"
import { MAX_HEADERS } from "../../src/wire/messages/Headers.js"
import { MAX_REASON } from "../../src/wire/messages/Reject.js"
import { MAX_USER_AGENT } from "../../src/wire/messages/Version.js"
import { decodeOk } from "../support/wire.js"

const hash = (i: number): Uint8Array => {
  const h = new Uint8Array(32)
  h[0] = i & 0xff
  h[1] = (i >>> 8) & 0xff
  h[2] = (i >>> 16) & 0xff
  return h
}
const ipv4 = (i: number): NetAddress.TimedNetAddressFields => ({
  time: 1_700_000_000,
  services: 1n,
  network: NetAddress.NetworkId.IPv4,
  address: Uint8Array.of(10, 0, (i >>> 8) & 0xff, i & 0xff),
  port: 8333
})
const header = { version: 1, prevBlock: hash(1), merkleRoot: hash(2), time: 0, bits: 0x1d00ffff, nonce: 0 }
const zero: NetAddress.NetAddressFields = { services: 0n, network: NetAddress.NetworkId.IPv4, address: new Uint8Array(4), port: 0 }
const version = (userAgent: string) =>
  Message.Version.make({
    version: 70016, services: 0n, timestamp: 0n, addrRecv: zero, addrFrom: zero, nonce: 1n, userAgent, startHeight: 0, relay: true
  })
const bytesOf = (n: number) => new Uint8Array(n).fill(0xab)

/** Builds the message with `n` of the limited thing (items, bytes, hash functions). */
interface Limit {
  readonly name: string
  readonly max: number
  readonly make: (n: number) => Message.NetworkMessage
}

const limits: ReadonlyArray<Limit> = [
  { name: "inv vectors", max: 50_000, make: (n) => Message.Inv.make({ inventory: Array.from({ length: n }, (_, i) => ({ type: 1, hash: hash(i) })) }) },
  { name: "getdata vectors", max: 50_000, make: (n) => Message.GetData.make({ inventory: Array.from({ length: n }, (_, i) => ({ type: 2, hash: hash(i) })) }) },
  { name: "notfound vectors", max: 50_000, make: (n) => Message.NotFound.make({ inventory: Array.from({ length: n }, (_, i) => ({ type: 1, hash: hash(i) })) }) },
  { name: "addr addresses", max: MAX_ADDRESSES, make: (n) => Message.Addr.make({ addresses: Array.from({ length: n }, (_, i) => ipv4(i)) }) },
  { name: "addrv2 addresses", max: MAX_ADDRESSES, make: (n) => Message.AddrV2.make({ addresses: Array.from({ length: n }, (_, i) => ipv4(i)) }) },
  { name: "headers", max: MAX_HEADERS, make: (n) => Message.Headers.make({ headers: Array.from({ length: n }, () => header) }) },
  { name: "getheaders locator", max: 500, make: (n) => Message.GetHeaders.make({ version: 70016, locator: Array.from({ length: n }, (_, i) => hash(i)), stopHash: hash(0) }) },
  { name: "getblocks locator", max: 500, make: (n) => Message.GetBlocks.make({ version: 70016, locator: Array.from({ length: n }, (_, i) => hash(i)), stopHash: hash(0) }) },
  {
    name: "cfheaders filter hashes",
    max: MAX_CFHEADERS,
    make: (n) => Message.CFHeaders.make({ filterType: 0, stopHash: hash(0), previousFilterHeader: hash(1), filterHashes: Array.from({ length: n }, (_, i) => hash(i)) })
  },
  {
    name: "cfcheckpt filter headers",
    max: MAX_CHECKPOINTS,
    make: (n) => Message.CFCheckpt.make({ filterType: 0, stopHash: hash(0), filterHeaders: Array.from({ length: n }, (_, i) => hash(i)) })
  },
  { name: "version user agent (bytes)", max: MAX_USER_AGENT, make: (n) => version("u".repeat(n)) },
  { name: "reject reason (bytes)", max: MAX_REASON, make: (n) => Message.Reject.make({ message: "tx", code: 0x10, reason: "r".repeat(n) }) },
  { name: "reject command (bytes)", max: 12, make: (n) => Message.Reject.make({ message: "c".repeat(n), code: 0x10, reason: "" }) },
  { name: "filterload filter (bytes)", max: MAX_FILTER_SIZE, make: (n) => Message.FilterLoad.make({ filter: bytesOf(n), hashFuncs: 1, tweak: 0, flags: 0 }) },
  { name: "filterload hash functions", max: MAX_HASH_FUNCS, make: (n) => Message.FilterLoad.make({ filter: bytesOf(8), hashFuncs: n, tweak: 0, flags: 0 }) },
  { name: "filteradd element (bytes)", max: MAX_ELEMENT, make: (n) => Message.FilterAdd.make({ data: bytesOf(n) }) },
  {
    name: "addrv2 address (bytes)",
    max: NetAddress.MAX_ADDRV2_ADDRESS,
    make: (n) => Message.AddrV2.make({ addresses: [{ time: 0, services: 0n, network: 99, address: bytesOf(n), port: 1 }] })
  }
]

const schemaAccepts = (m: Message.NetworkMessage): boolean => Schema.is(Message.NetworkMessage)(m)

describe("limits both ways", () => {
  for (const limit of limits) {
    describe(limit.name, () => {
      it(`at the cap (${limit.max}) encodes, decodes to the same value, and the Schema accepts it`, () => {
        const m = limit.make(limit.max)
        const payload = Message.encodePayloadEither(m)
        if (Either.isLeft(payload)) throw new Error(payload.left.message)
        const back = decodeOk(Message.commandOf(m), payload.right)
        // node's deep equality first: vitest's diffing `toEqual` is slow on 50,000 items.
        if (!isDeepStrictEqual(back, m)) expect(back).toEqual(m)
        expect(schemaAccepts(m)).toBe(true)
      })

      it("one past the cap fails with EncodeFailed, produces no frame, and the Schema refuses it", () => {
        const m = limit.make(limit.max + 1)
        const payload = Message.encodePayloadEither(m)
        expect(Either.isLeft(payload) && payload.left.reason).toBe("EncodeFailed")
        expect(Either.isLeft(payload) && payload.left.command).toBe(Message.commandOf(m))
        // Refused by the limit itself (its detail names the cap), not only by the payload cap behind it.
        expect(Either.isLeft(payload) && payload.left.detail).toContain(String(limit.max))
        const frame = Frame.encodeEither(ChainParams.mainnet.magic, m)
        expect(Either.isLeft(frame) && frame.left.reason).toBe("EncodeFailed")
        const prepared = Frame.prepare(m).frame(ChainParams.mainnet.magic, 70016)
        expect(Either.isLeft(prepared) && prepared.left.reason).toBe("EncodeFailed")
        expect(schemaAccepts(m)).toBe(false)
      })
    })
  }

  it("a user agent is capped in UTF-8 bytes, not characters", () => {
    const ok = version("é".repeat(MAX_USER_AGENT / 2))
    const over = version("é".repeat(MAX_USER_AGENT / 2) + "x")
    expect(Either.isRight(Message.encodePayloadEither(ok))).toBe(true)
    const r = Message.encodePayloadEither(over)
    expect(Either.isLeft(r) && r.left.reason).toBe("EncodeFailed")
  })

  it("a payload above the command's cap fails with EncodeFailed even when every field is within its own limit", () => {
    // A transaction's script has no limit of its own; the tx payload cap (4,000,000 bytes) still holds.
    const tx = Message.Tx.make({
      tx: {
        version: 1,
        inputs: [{ prevout: { hash: hash(0), index: 0 }, script: new Uint8Array(0), sequence: 0, witness: [] }],
        outputs: [{ value: 0n, script: new Uint8Array(4_000_001) }],
        lockTime: 0
      }
    })
    const r = Message.encodePayloadEither(tx)
    expect(Either.isLeft(r) && r.left.reason).toBe("EncodeFailed")
    expect(Either.isLeft(r) && r.left.expected).toBe(4_000_000)
  })
})
