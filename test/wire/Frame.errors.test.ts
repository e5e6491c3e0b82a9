import { describe, expect, it } from "@effect/vitest"
import * as ChainParams from "../../src/wire/ChainParams.js"
import * as Frame from "../../src/wire/Frame.js"
import * as Hash from "../../src/wire/Hash.js"
import * as ProtocolVersion from "../../src/wire/ProtocolVersion.js"
import type { WireError } from "../../src/wire/WireError.js"
import { bytes, concat } from "../support/wire.js"
import { VERACK_FRAME_HEX, VERSION_WIKI_FRAME_HEX } from "./vectors/frames.js"

const MAINNET = "f9beb4d9"
const TESTNET3 = "0b110907"

const u32le = (n: number) => {
  const b = new Uint8Array(4)
  new DataView(b.buffer).setUint32(0, n, true)
  return b
}

/** A 24-byte header from raw parts; the command is 12 bytes given as hex. */
const header = (magicHex: string, commandHex: string, length: number, checksumHex = "00000000") =>
  concat(bytes(magicHex), bytes(commandHex), u32le(length), bytes(checksumHex))

/** A command as 12 NUL-padded bytes of hex. */
const cmd = (ascii: string) =>
  Array.from(ascii, (c) => c.charCodeAt(0).toString(16).padStart(2, "0")).join("").padEnd(24, "0")

const push = (chunks: ReadonlyArray<Uint8Array>, version?: number) => {
  const decoder = new Frame.FrameDecoder(
    version === undefined ? { params: ChainParams.mainnet } : { params: ChainParams.mainnet, version: () => version }
  )
  const out: Array<Frame.Received> = []
  let error: WireError | undefined
  for (const c of chunks) {
    error = decoder.push(c, out)
    if (error !== undefined) break
  }
  return { out, error, decoder }
}

const expectError = (chunks: ReadonlyArray<Uint8Array>, fields: Partial<WireError>, version?: number) => {
  const { error, out } = push(chunks, version)
  expect(out).toEqual([])
  expect(error?._tag).toBe("WireError")
  expect(error).toMatchObject(fields)
  return error!
}

describe("frame checks, in order", () => {
  const max = ChainParams.mainnet.maxMessageSize

  it("OversizedFrame: a length above the network cap, even when the magic is also wrong", () => {
    expectError([header(TESTNET3, cmd("block"), max + 1)], { reason: "OversizedFrame", expected: max, actual: max + 1 })
    expectError([header(MAINNET, cmd("block"), max + 1)], { reason: "OversizedFrame" })
    expectError([header(MAINNET, "ff".repeat(12), 0xffffffff)], { reason: "OversizedFrame", actual: 0xffffffff })
  })

  it("accepts a length of exactly the cap (and waits for the payload)", () => {
    const { error, out, decoder } = push([header(MAINNET, cmd("block"), max)])
    expect(error).toBeUndefined()
    expect(out).toEqual([])
    expect(decoder.bufferedBytes).toBe(0)
  })

  it("BadMagic: another network's frame", () => {
    const testnetVerack = bytes(TESTNET3 + VERACK_FRAME_HEX.slice(8))
    expectError([testnetVerack], { reason: "BadMagic", expected: MAINNET, actual: TESTNET3 })
    // The magic is checked before the command.
    expectError([header(TESTNET3, "81" + "00".repeat(11), 0)], { reason: "BadMagic" })
  })

  it("BadCommand: a non-printable byte (btcd's invalid UTF-8 command)", () => {
    expectError([header(MAINNET, "816f677573" + "00".repeat(7), 0)], { reason: "BadCommand" })
    expectError([header(MAINNET, cmd("ver\u007fack"), 0)], { reason: "BadCommand" })
    expectError([header(MAINNET, cmd("ver\u0001ack"), 0)], { reason: "BadCommand" })
  })

  it("BadCommand: a non-NUL byte after the NUL padding starts", () => {
    // bitcoin-protocol (npm) "invalid string padding" vector.
    expectError([bytes("f9beb4d976657261636b00ff00000000000000005df6e0e2")], { reason: "BadCommand" })
    expectError([header(MAINNET, "70696e67" + "00".repeat(7) + "01", 8)], { reason: "BadCommand" })
  })

  it("BadCommand: an empty command", () => {
    expectError([header(MAINNET, "00".repeat(12), 0)], { reason: "BadCommand" })
  })

  it("accepts a command filling all 12 bytes", () => {
    const { error, out } = push([concat(header(MAINNET, cmd("abcdefghijkl"), 0, "5df6e0e2"))])
    expect(error).toBeUndefined()
    expect(out.map((r) => r.message)).toEqual([{ _tag: "Unknown", command: "abcdefghijkl", payload: new Uint8Array(0) }])
  })

  it("OversizedPayload: above the command's cap, before any payload byte arrives", () => {
    expectError([header(MAINNET, cmd("ping"), 9)], { reason: "OversizedPayload", command: "ping", expected: 8, actual: 9 })
    expectError([header(MAINNET, cmd("version"), 1025)], { reason: "OversizedPayload", command: "version", expected: 1024, actual: 1025 })
    // btcd: a getaddr that claims a 1-byte payload.
    expectError([header(MAINNET, cmd("getaddr"), 1)], { reason: "OversizedPayload", command: "getaddr", expected: 0 })
    expectError([header(MAINNET, cmd("inv"), 3 + 50_000 * 36 + 1)], { reason: "OversizedPayload", command: "inv" })
  })

  it("OversizedPayload: the cap follows the negotiated version", () => {
    const old = ProtocolVersion.BIP0031 - 1
    expectError([header(MAINNET, cmd("ping"), 8)], { reason: "OversizedPayload", expected: 0 }, old)
    const { error } = push([header(MAINNET, cmd("ping"), 8)])
    expect(error).toBeUndefined()
  })

  it("a command this library does not know is capped only by the frame cap", () => {
    const { error } = push([header(MAINNET, cmd("bogus"), 15 * 1024)])
    expect(error).toBeUndefined()
  })

  it("BadChecksum: btcd's version frame with checksum 0xbeef", () => {
    expectError([header(MAINNET, cmd("version"), 2, "efbe0000"), bytes("0000")], { reason: "BadChecksum", command: "version" })
    // bitcoin-protocol (npm) "invalid checksum" vector.
    expectError([bytes("f9beb4d970696e67000000000000000008000000ffffffff0123456789abcdef")], { reason: "BadChecksum", command: "ping" })
  })

  it("payload errors surface with the command: btcd's addr claiming two entries", () => {
    const payload = bytes("02")
    expect(Hash.bytesToHex(Hash.checksum(payload))).toBe("1cc3adea") // btcd: checksum 0xeaadc31c
    expectError([header(MAINNET, cmd("addr"), 1, "1cc3adea"), payload], { reason: "Truncated", command: "addr" })
  })

  it("an unknown command decodes to Unknown with its raw payload", () => {
    const payload = bytes("deadbeef")
    const { out, error } = push([header(MAINNET, cmd("bogus"), 4, Hash.bytesToHex(Hash.checksum(payload))), payload])
    expect(error).toBeUndefined()
    expect(out).toEqual([{ command: "bogus", payloadSize: 4, message: { _tag: "Unknown", command: "bogus", payload } }])
    // bitcoin-protocol (npm) "invalid command" vector: "abcd" with an empty payload.
    const r = push([bytes("f9beb4d9616263640000000000000000000000005df6e0e2")])
    expect(r.out.map((x) => x.message)).toEqual([{ _tag: "Unknown", command: "abcd", payload: new Uint8Array(0) }])
  })

  it("delivers the messages before an error, then stays failed", () => {
    const verack = bytes(VERACK_FRAME_HEX)
    const bad = bytes(TESTNET3 + VERACK_FRAME_HEX.slice(8))
    const decoder = new Frame.FrameDecoder({ params: ChainParams.mainnet })
    const out: Array<Frame.Received> = []
    const error = decoder.push(concat(verack, verack, bad, verack), out)
    expect(error?.reason).toBe("BadMagic")
    expect(out.map((r) => r.command)).toEqual(["verack", "verack"])
    expect(decoder.push(bytes(VERSION_WIKI_FRAME_HEX), out)).toBe(error)
    expect(out).toHaveLength(2)
  })
})
