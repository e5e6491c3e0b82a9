/**
 * `Frame.prepare`: a message encoded once for many sends. The frame must be
 * byte-for-byte what `Frame.encode` gives for the same network and version,
 * kept per (magic, version), so a broadcast to peers of different versions
 * still sends each the encoding its version calls for.
 */
import { describe, expect, it } from "@effect/vitest"
import * as Either from "effect/Either"
import * as ChainParams from "../../src/wire/ChainParams.js"
import * as Frame from "../../src/wire/Frame.js"
import * as Message from "../../src/wire/Message.js"
import * as NetAddress from "../../src/wire/NetAddress.js"
import { toHex } from "../support/wire.js"

const addr = Message.Addr.make({
  addresses: [{ ...NetAddress.fromHost("203.0.113.7", 8333)!, services: 1n, time: 1_700_000_000 }]
})

describe("Frame.prepare", () => {
  it("gives the frame Frame.encode gives, for each network and version", () => {
    const prepared = Frame.prepare(addr)
    for (const params of [ChainParams.mainnet, ChainParams.regtest]) {
      for (const version of [31_401, 70_016]) {
        const frame = Either.getOrThrow(prepared.frame(params.magic, version))
        expect(toHex(frame)).toBe(toHex(Frame.encode(params.magic, addr, { version })))
      }
    }
    // addr carries no timestamp before 31402: the two versions really differ.
    const old = Either.getOrThrow(prepared.frame(ChainParams.mainnet.magic, 31_401))
    const current = Either.getOrThrow(prepared.frame(ChainParams.mainnet.magic, 70_016))
    expect(current.length - old.length).toBe(4)
  })

  it("encodes once per (magic, version) and hands out the same bytes after that", () => {
    const prepared = Frame.prepare(addr)
    const a = Either.getOrThrow(prepared.frame(ChainParams.mainnet.magic, 70_016))
    const b = Either.getOrThrow(prepared.frame(Uint8Array.from(ChainParams.mainnet.magic), 70_016))
    expect(b).toBe(a)
    expect(Either.getOrThrow(prepared.frame(ChainParams.regtest.magic, 70_016))).not.toBe(a)
  })

  it("payload: the frame's payload without v1's header, per version, encoded once, reusing a frame already made", () => {
    for (const frameFirst of [false, true]) {
      const prepared = Frame.prepare(addr)
      if (frameFirst) Either.getOrThrow(prepared.frame(ChainParams.regtest.magic, 70_016))
      for (const version of [31_401, 70_016]) {
        const payload = Either.getOrThrow(prepared.payload(version))
        expect(toHex(payload)).toBe(toHex(Frame.encode(ChainParams.mainnet.magic, addr, { version }).subarray(Frame.HEADER_SIZE)))
        expect(prepared.payload(version)).toStrictEqual(Either.right(payload))
        expect(Either.getOrThrow(prepared.payload(version))).toBe(payload)
      }
    }
    const bad = Frame.prepare(Message.Unknown.make({ command: "far-too-long-command", payload: new Uint8Array(1) }))
    // No header, so no command to refuse: the payload is the unknown message's bytes.
    expect(toHex(Either.getOrThrow(bad.payload(70_016)))).toBe("00")
  })

  it("carries its message, and says what it is", () => {
    const prepared = Frame.prepare(addr)
    expect(prepared.message).toBe(addr)
    expect(Frame.messageOf(prepared)).toBe(addr)
    expect(Frame.messageOf(addr)).toBe(addr)
    expect(Frame.isPrepared(prepared)).toBe(true)
    expect(Frame.isPrepared(addr)).toBe(false)
  })

  it("reports a message that cannot be encoded as a typed error, every time", () => {
    const prepared = Frame.prepare(Message.Unknown.make({ command: "far-too-long-command", payload: new Uint8Array(0) }))
    const r = prepared.frame(ChainParams.mainnet.magic, 70_016)
    expect(Either.isLeft(r) && r.left.reason).toBe("EncodeFailed")
    expect(Either.isLeft(prepared.frame(ChainParams.mainnet.magic, 70_016))).toBe(true)
  })
})
