import { describe, expect, it } from "@effect/vitest"
import { isDeepStrictEqual } from "node:util"
import * as Chunk from "effect/Chunk"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as Stream from "effect/Stream"
import * as ChainParams from "../../src/wire/ChainParams.js"
import * as Frame from "../../src/wire/Frame.js"
import * as Message from "../../src/wire/Message.js"
import { bytes, concat } from "../support/wire.js"
import { BLOCK_ONE_HEX, HEADERS_ONE_HEX } from "./vectors/blocks.js"
import { MULTI_WITNESS_TX_HEX } from "./vectors/fixtures.js"
import { ADDR_WIKI_FRAME_HEX, PING_FRAME_HEX, VERACK_FRAME_HEX, VERSION_WIKI_FRAME_HEX } from "./vectors/frames.js"
import { MULTI_INV_HEX } from "./vectors/inventory.js"

const options = { params: ChainParams.mainnet }
const magic = ChainParams.mainnet.magic

const payloadFrame = (command: string, payloadHex: string) => Frame.encodeRaw(magic, command, bytes(payloadHex))

/** Eight mixed frames: published ones, payload vectors framed, and an unknown command. */
const frames = [
  bytes(VERSION_WIKI_FRAME_HEX),
  bytes(VERACK_FRAME_HEX),
  bytes(PING_FRAME_HEX),
  bytes(ADDR_WIKI_FRAME_HEX),
  payloadFrame("inv", MULTI_INV_HEX),
  payloadFrame("tx", MULTI_WITNESS_TX_HEX),
  payloadFrame("headers", HEADERS_ONE_HEX),
  payloadFrame("block", BLOCK_ONE_HEX),
  payloadFrame("bogus", "00ff00ff")
]
const stream = concat(...frames)

const expected: ReadonlyArray<Frame.Received> = frames.map((f) => {
  const r = Frame.decodeOne(f, options)
  if (Either.isLeft(r)) throw new Error(r.left.message)
  return r.right
})

const decodeChunks = (chunks: ReadonlyArray<Uint8Array>) => {
  const decoder = new Frame.FrameDecoder(options)
  const out: Array<Frame.Received> = []
  for (const c of chunks) {
    const error = decoder.push(c, out)
    if (error !== undefined) throw new Error(error.message)
  }
  return { out, buffered: decoder.bufferedBytes }
}

describe("FrameDecoder over split input", () => {
  it("the fixture stream holds the expected commands", () => {
    expect(expected.map((r) => r.command)).toEqual([
      "version", "verack", "ping", "addr", "inv", "tx", "headers", "block", "bogus"
    ])
    expect(expected.map((r) => Message.commandOf(r.message))).toEqual(expected.map((r) => r.command))
  })

  it("gives the same messages for every split point into two chunks", () => {
    for (let at = 0; at <= stream.length; at++) {
      const { out, buffered } = decodeChunks([stream.subarray(0, at), stream.subarray(at)])
      expect(buffered).toBe(0)
      // isDeepStrictEqual is fast enough for ~900 runs; toEqual reports the difference if any.
      if (!isDeepStrictEqual(out, expected)) expect(out, `split at ${at}`).toEqual(expected)
    }
  })

  it("gives the same messages fed one byte at a time", () => {
    const chunks = Array.from({ length: stream.length }, (_, i) => stream.subarray(i, i + 1))
    const { out, buffered } = decodeChunks(chunks)
    expect(buffered).toBe(0)
    expect(out).toEqual(expected)
  })

  it("messages already delivered are not changed by later input (decoded fields are views)", () => {
    const decoder = new Frame.FrameDecoder(options)
    const first: Array<Frame.Received> = []
    for (let i = 0; i < stream.length; i++) decoder.push(stream.subarray(i, i + 1), first)
    expect(first).toEqual(expected)
    const snapshot = structuredClone(first)
    // Enough further small chunks to fill and replace any internal buffer several times.
    const later: Array<Frame.Received> = []
    for (let round = 0; round < 40; round++) {
      for (let i = 0; i < stream.length; i += 3) decoder.push(stream.slice(i, i + 3), later)
    }
    expect(later).toHaveLength(40 * expected.length)
    expect(isDeepStrictEqual(first, snapshot)).toBe(true)
    expect(decoder.bufferedBytes).toBe(0)
  })

  it("awaitingBytes: what the message being received still lacks, once its header passed; a shorter chunk completes nothing", () => {
    const decoder = new Frame.FrameDecoder(options)
    const out: Array<Frame.Received> = []
    const block = frames[7]!
    const payload = block.length - Frame.HEADER_SIZE
    expect(decoder.awaitingBytes).toBe(0)
    decoder.push(block.subarray(0, 10), out) // half a header: nothing known yet
    expect(decoder.awaitingBytes).toBe(0)
    decoder.push(block.subarray(10, Frame.HEADER_SIZE + 5), out)
    expect(decoder.awaitingBytes).toBe(payload - 5)
    // Every chunk shorter than that is held; the one that reaches the end completes the message.
    let at = Frame.HEADER_SIZE + 5
    while (decoder.awaitingBytes > 1) {
      const n = Math.min(7, decoder.awaitingBytes - 1)
      expect(decoder.push(block.subarray(at, at + n), out)).toBeUndefined()
      at += n
      expect(out).toEqual([])
      expect(decoder.awaitingBytes).toBe(block.length - at)
    }
    decoder.push(block.subarray(at), out)
    expect(out).toEqual([expected[7]])
    expect(decoder.awaitingBytes).toBe(0)
    // After an error: 0 (a failed decoder takes nothing more).
    const bad = Uint8Array.from(block.subarray(0, Frame.HEADER_SIZE + 5))
    bad[0] = 0
    const failed = new Frame.FrameDecoder(options)
    expect(failed.push(bad, out)?.reason).toBe("BadMagic")
    expect(failed.awaitingBytes).toBe(0)
  })

  it("a large payload spanning chunks decodes to exactly its bytes, whatever the chunk size", () => {
    // 20,000 bytes of an unknown command: its payload is the decoder's copy itself, every byte
    // compared, at chunk sizes that cut it at different places. (The copy goes to memory that is
    // not zeroed first; a missed range would show only as stale bytes, which a test cannot force
    // to be non-zero, since freed memory is reused only after a GC: what this checks is the bytes.)
    const payload = Uint8Array.from({ length: 20_000 }, (_, i) => (i * 131 + 7) & 0xff)
    const frame = Frame.encodeRaw(magic, "bulk", payload)
    for (const size of [1500, 4096, 7001, 16384]) {
      const chunks: Array<Uint8Array> = []
      for (let o = 0; o < frame.length; o += size) chunks.push(frame.subarray(o, o + size))
      const { out } = decodeChunks(chunks)
      expect(out).toHaveLength(1)
      const message = out[0]!.message as Message.Unknown
      expect(message.command).toBe("bulk")
      expect(Object.getPrototypeOf(message.payload)).toBe(Uint8Array.prototype)
      expect(Buffer.from(message.payload).equals(Buffer.from(payload)), `chunks of ${size}`).toBe(true)
    }
  })

  it("a frame cut at any byte is incomplete, not an error, and completes with the rest", () => {
    for (const frame of frames) {
      for (let cut = 0; cut < frame.length; cut++) {
        const decoder = new Frame.FrameDecoder(options)
        const out: Array<Frame.Received> = []
        expect(decoder.push(frame.subarray(0, cut), out)).toBeUndefined()
        if (out.length !== 0) throw new Error(`a message from ${cut} of ${frame.length} bytes`)
        expect(decoder.push(frame.subarray(cut), out)).toBeUndefined()
        expect(out).toHaveLength(1)
      }
    }
  })

  it("decodeOne reports a truncated frame as Truncated", () => {
    const r = Frame.decodeOne(frames[0]!.subarray(0, 30), options)
    expect(Either.isLeft(r) && r.left.reason).toBe("Truncated")
  })

  it("decodeOne reports bytes after a whole frame as TrailingBytes, not Truncated", () => {
    const extra = new Uint8Array(frames[0]!.length + 5)
    extra.set(frames[0]!)
    const r = Frame.decodeOne(extra, options)
    expect(Either.isLeft(r) && r.left.reason).toBe("TrailingBytes")
    const two = new Uint8Array(frames[0]!.length + frames[1]!.length)
    two.set(frames[0]!)
    two.set(frames[1]!, frames[0]!.length)
    const r2 = Frame.decodeOne(two, options)
    expect(Either.isLeft(r2) && r2.left.reason).toBe("TrailingBytes")
  })
})

describe("Frame.decodeStream", () => {
  const splits = (sizes: ReadonlyArray<number>): Array<Uint8Array> => {
    const out: Array<Uint8Array> = []
    let at = 0
    for (let i = 0; at < stream.length; i++) {
      const n = sizes[i % sizes.length]!
      out.push(stream.subarray(at, at + n))
      at += n
    }
    return out
  }

  it.effect("emits the same messages for uneven chunks", () =>
    Effect.gen(function*() {
      for (const sizes of [[1], [3, 1, 200], [24], [stream.length], [0, 5, 0, 91]]) {
        const got = yield* Stream.fromIterable(splits(sizes)).pipe(Frame.decodeStream(options), Stream.runCollect)
        expect(Chunk.toReadonlyArray(got)).toEqual(expected)
      }
    }))

  it.effect("fails with the WireError after emitting the messages before it", () =>
    Effect.gen(function*() {
      const bad = bytes("0b110907" + VERACK_FRAME_HEX.slice(8))
      const chunks = [frames[1]!, frames[2]!, bad, frames[1]!]
      const emitted: Array<string> = []
      const result = yield* Stream.fromIterable(chunks).pipe(
        Frame.decodeStream(options),
        Stream.runForEach((r) => Effect.sync(() => emitted.push(r.command))),
        Effect.either
      )
      expect(emitted).toEqual(["verack", "ping"])
      expect(Either.isLeft(result) && result.left.reason).toBe("BadMagic")
    }))

  it.effect("passes an upstream failure through", () =>
    Effect.gen(function*() {
      const upstream = Stream.concat(Stream.make(frames[1]!), Stream.fail("socket closed" as const))
      const result = yield* upstream.pipe(Frame.decodeStream(options), Stream.runCollect, Effect.either)
      expect(result).toEqual(Either.left("socket closed"))
    }))
})
