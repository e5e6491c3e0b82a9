/**
 * Large frames own their bytes. The encoder writes a message of known size
 * in place into a frame of its own (above 2 KiB) or cut from a shared slab,
 * and any other into a pooled scratch buffer it copies out of (or hands out
 * whole when exactly full and too large to pool); every frame must still be
 * the caller's alone: the next encode, of any size, must not write into a
 * frame handed out before.
 */
import { describe, expect, it } from "@effect/vitest"
import * as Either from "effect/Either"
import * as ChainParams from "../../src/wire/ChainParams.js"
import * as Frame from "../../src/wire/Frame.js"
import * as InvVector from "../../src/wire/InvVector.js"
import * as Message from "../../src/wire/Message.js"

const params = ChainParams.mainnet

/** `n` vectors whose hashes all hold `fill`: 10,000 of them make a 360 KB payload, above the pool's 256 KiB. */
const inv = (n: number, fill: number) =>
  Message.Inv.make({ inventory: Array.from({ length: n }, () => ({ type: InvVector.InvType.Tx, hash: new Uint8Array(32).fill(fill) })) })

/** A `headers` message of `n` headers (81 bytes each): no size function, so it is written to scratch and copied out. */
const headers = (n: number, fill: number) =>
  Message.Headers.make({
    headers: Array.from({ length: n }, (_, i) => ({
      version: 4,
      prevBlock: new Uint8Array(32).fill(fill),
      merkleRoot: new Uint8Array(32).fill(i & 0xff),
      time: 1_700_000_000 + i,
      bits: 0x1d00ffff,
      nonce: fill * 1000 + i
    }))
  })

const decodesTo = (frame: Uint8Array, message: Message.NetworkMessage) => {
  const received = Either.getOrThrow(Frame.decodeOne(frame, { params }))
  expect(received.message).toEqual(message)
}

describe("Frame.encode of large payloads", () => {
  it("hands out frames that later encodes, large or small, leave untouched", () => {
    const first = inv(10_000, 0xaa)
    const second = inv(10_000, 0xbb)
    const a = Frame.encode(params.magic, first)
    const aCopy = a.slice()
    const b = Frame.encode(params.magic, second)
    Frame.encode(params.magic, inv(10, 0xcc))
    Frame.encode(params.magic, inv(5_000, 0xdd))
    expect(a.buffer).not.toBe(b.buffer)
    expect(a).toEqual(aCopy)
    expect(a.length).toBe(Frame.HEADER_SIZE + 3 + 10_000 * InvVector.SIZE)
    decodesTo(a, first)
    decodesTo(b, second)
  })

  it("hands out mid-sized frames (cut from a shared slab) that no later encode touches", () => {
    // 65 bytes to 2 KiB share slabs of 8 KiB: enough frames to fill several, of sizes that straddle slab ends.
    const messages = Array.from({ length: 120 }, (_, i) => inv(2 + (i % 50), i))
    const frames = messages.map((m) => Frame.encode(params.magic, m))
    const copies = frames.map((f) => f.slice())
    Frame.encode(params.magic, inv(40, 0xee))
    for (let i = 0; i < frames.length; i++) {
      expect(frames[i]).toEqual(copies[i])
      decodesTo(frames[i]!, messages[i]!)
    }
    // Neighbours in one slab never overlap.
    for (let i = 1; i < frames.length; i++) {
      const [a, b] = [frames[i - 1]!, frames[i]!]
      if (a.buffer === b.buffer) expect(b.byteOffset).toBeGreaterThanOrEqual(a.byteOffset + a.length)
    }
  })

  it("copies mid-sized frames written to scratch into the slab without touching earlier ones, across slab ends", () => {
    // 1 to 20 headers: 106 to 1,645-byte frames, copied out of the scratch writer into shared slabs of 8 KiB.
    const messages = Array.from({ length: 60 }, (_, i) => headers(1 + (i % 20), i))
    const frames = messages.map((m) => Frame.encode(params.magic, m))
    const copies = frames.map((f) => f.slice())
    Frame.encode(params.magic, headers(7, 0xee))
    expect(new Set(frames.map((f) => f.buffer)).size).toBeGreaterThan(1)
    for (let i = 0; i < frames.length; i++) {
      expect(frames[i]).toEqual(copies[i])
      decodesTo(frames[i]!, messages[i]!)
    }
  })
})
