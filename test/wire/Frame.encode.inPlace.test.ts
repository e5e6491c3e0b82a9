/**
 * Frames written in place. Messages whose codec states its payload size up
 * front are encoded into one frame of exactly that size (a view of a shared
 * slab, or, above 2 KiB, a buffer of its own that under Node starts out
 * uninitialised), with no scratch buffer. These tests pin what that relies
 * on: each size function agrees with its writer for every value and
 * protocol version, the bytes are exact, and a frame never carries bytes of
 * an earlier one.
 */
import { describe, expect, it } from "@effect/vitest"
import * as Arbitrary from "effect/Arbitrary"
import * as Either from "effect/Either"
import * as FastCheck from "effect/FastCheck"
import type * as Schema from "effect/Schema"
import { ByteWriter } from "../../src/internal/wire/ByteWriter.js"
import { codecOf } from "../../src/internal/wire/MessageDef.js"
import * as ChainParams from "../../src/wire/ChainParams.js"
import * as Frame from "../../src/wire/Frame.js"
import * as Message from "../../src/wire/Message.js"
import { NetworkId } from "../../src/wire/NetAddress.js"
import * as ProtocolVersion from "../../src/wire/ProtocolVersion.js"
import { bytes } from "../support/wire.js"

const params = ChainParams.mainnet
const hex = (b: Uint8Array) => Buffer.from(b).toString("hex")

/** Versions either side of every gate the sized codecs read (addr time, pong nonce, relay byte). */
const VERSIONS = [209, 31401, 31402, 60000, 60001, 70000, ProtocolVersion.BIP0037, Message.defaultContext.version]

/** The byte codec of any definition (`codecOf` is typed per definition). */
const codec = (def: Message.MessageDef<string, any>) => codecOf(def as Message.MessageDef<string, any> & any)

/** What the writer alone writes, in a scratch writer (not the in-place path). */
const written = (def: Message.MessageDef<string, any>, m: Message.NetworkMessage, version: number): number | undefined => {
  const w = new ByteWriter()
  try {
    codec(def).write(w, m, { version })
  } catch {
    return undefined // a value the encoder refuses: no size to agree with
  }
  return w.offset
}

describe("Frame.encode in place", () => {
  const sized = Message.definitions.filter((def) => codec(def).size !== undefined)

  it("covers the relay messages and the handshake", () => {
    expect(sized.map((d) => d.command)).toEqual(
      expect.arrayContaining(["version", "verack", "ping", "pong", "inv", "getdata", "notfound", "tx", "addr", "getheaders"])
    )
  })

  for (const def of sized) {
    it(`${def.command}: the size function states exactly what the writer writes, at every version`, () => {
      const arb = Arbitrary.make(def.schema as Schema.Schema<Message.NetworkMessage>)
      const size = codec(def).size!
      FastCheck.assert(
        FastCheck.property(arb, FastCheck.constantFrom(...VERSIONS), (m, version) => {
          const n = written(def, m, version)
          const stated = size(m, { version })
          // -1: not known up front (a non-ASCII user agent); the encoder then writes into scratch.
          if (n !== undefined && stated !== -1) expect(stated).toBe(n)
        }),
        { numRuns: 150 }
      )
    })
  }

  it("addr: exact bytes for IPv4, IPv6 and CJDNS entries whose services change from entry to entry", () => {
    const ipv6 = bytes("20010db8000000000000000000000001")
    const cjdns = bytes("fc000000000000000000000000000001")
    const message = Message.Addr.make({
      addresses: [
        { time: 0x495fab29, services: 1n, network: NetworkId.IPv4, address: bytes("7f000001"), port: 8333 },
        { time: 0x495fab2a, services: 0x1_0000_0409n, network: NetworkId.IPv6, address: ipv6, port: 8334 },
        { time: 0xffff_ffff, services: 0xffff_ffff_ffff_ffffn, network: NetworkId.CJDNS, address: cjdns, port: 0xfffe },
        { time: 0, services: 1n, network: NetworkId.IPv4, address: bytes("c0a80001"), port: 1 }
      ]
    })
    // Each entry: its time, then services, the 16-byte IP and the big-endian port.
    const entries: ReadonlyArray<readonly [string, string]> = [
      ["29ab5f49", "0100000000000000" + "00000000000000000000ffff7f000001" + "208d"],
      ["2aab5f49", "0904000001000000" + "20010db8000000000000000000000001" + "208e"],
      ["ffffffff", "ffffffffffffffff" + "fc000000000000000000000000000001" + "fffe"],
      ["00000000", "0100000000000000" + "00000000000000000000ffffc0a80001" + "0001"]
    ]
    const payload = "04" + entries.map(([time, rest]) => time + rest).join("")
    const frame = Frame.encode(params.magic, message)
    expect(hex(frame.subarray(Frame.HEADER_SIZE))).toBe(payload)
    expect(hex(Frame.encodeRaw(params.magic, "addr", bytes(payload)))).toBe(hex(frame))
    // Before protocol 31402 the entries carry no time.
    const old = Either.getOrThrow(Message.encodePayloadEither(message, { version: 31401 }))
    expect(hex(old)).toBe("04" + entries.map(([, rest]) => rest).join(""))
  })

  it("addr: an entry no legacy address can carry fails with EncodeFailed", () => {
    const message = Message.Addr.make({
      addresses: [{ time: 0, services: 1n, network: NetworkId.TorV3, address: new Uint8Array(32), port: 1 }]
    })
    const result = Frame.encodeEither(params.magic, message)
    expect(Either.isLeft(result) && result.left.reason).toBe("EncodeFailed")
  })

  it("version: a user agent of 253 bytes takes a 3-byte length; a non-ASCII one is written as UTF-8", () => {
    const base = Frame.decodeOne(Frame.encode(params.magic, Message.Version.make({
      version: 70016,
      services: 0x409n,
      timestamp: 1_700_000_000n,
      addrRecv: { services: 0n, network: NetworkId.IPv4, address: bytes("7f000001"), port: 8333 },
      addrFrom: { services: 0x409n, network: NetworkId.IPv6, address: bytes("00000000000000000000000000000001"), port: 18333 },
      nonce: 0x0102030405060708n,
      userAgent: "/x:1/",
      startHeight: 840_000,
      relay: true
    })), { params })
    const version = Either.getOrThrow(base).message as Message.Version
    const long = { ...version, userAgent: "a".repeat(253) }
    const longFrame = Frame.encode(params.magic, long)
    expect(longFrame.length).toBe(Frame.HEADER_SIZE + 4 + 8 + 8 + 26 + 26 + 8 + 3 + 253 + 4 + 1)
    expect(hex(longFrame.subarray(Frame.HEADER_SIZE + 80, Frame.HEADER_SIZE + 83))).toBe("fdfd00")
    const utf8 = { ...version, userAgent: "/Satoshi:27.0.0(ünïcode)/" }
    const utf8Frame = Frame.encode(params.magic, utf8)
    const agent = Buffer.from(utf8.userAgent, "utf8")
    expect(hex(utf8Frame.subarray(Frame.HEADER_SIZE + 80, Frame.HEADER_SIZE + 81 + agent.length))).toBe(
      hex(bytes(agent.length.toString(16).padStart(2, "0"))) + agent.toString("hex")
    )
    for (const m of [long, utf8]) {
      expect(Either.getOrThrow(Frame.decodeOne(Frame.encode(params.magic, m), { params })).message).toEqual(m)
    }
  })

  it("hands out large frames that carry no byte of an earlier frame", () => {
    // Frames above 2 KiB get a buffer of their own, uninitialised under Node: freed memory is reused, so a byte
    // the writer skipped would show an earlier frame's content. Each frame is checked against bytes built apart.
    const addrOf = (n: number, seed: number) =>
      Message.Addr.make({
        addresses: Array.from({ length: n }, (_, i) => ({
          time: (seed * 7919 + i) >>> 0,
          services: BigInt(seed + (i % 3)),
          network: i % 2 === 0 ? NetworkId.IPv4 : NetworkId.IPv6,
          address: new Uint8Array(i % 2 === 0 ? 4 : 16).fill((seed + i) & 0xff),
          port: (seed + i) & 0xffff
        }))
      })
    const expected = (m: Message.Addr) => {
      const w = new ByteWriter()
      w.compactSize(m.addresses.length)
      for (const a of m.addresses) {
        w.u32le(a.time).u64le(a.services)
        if (a.address.length === 4) w.zeros(10).u8(0xff).u8(0xff)
        w.bytes(a.address).u16be(a.port)
      }
      return hex(w.finish())
    }
    for (let round = 0; round < 20; round++) {
      const m = addrOf(100 + ((round * 37) % 900), round)
      const frame = Frame.encode(params.magic, m)
      expect(hex(frame.subarray(Frame.HEADER_SIZE))).toBe(expected(m))
      expect(Either.getOrThrow(Frame.decodeOne(frame, { params })).message).toEqual(m)
    }
  })
})
