/**
 * Hostile peers: nothing a peer announces makes us allocate beyond the caps,
 * trickled bytes cost bytes (not objects, not quadratic work), and a failed
 * decoder stays failed.
 *
 * Regressions kept here (all in `FrameDecoder`, found by these tests):
 * - a payload spanning many chunks was assembled with one `Array#shift` per
 *   chunk: header for 3.9 MB, 200,000 one-byte pushes, then the rest took
 *   ~38 s (quadratic) instead of milliseconds (it needed a chunk per push,
 *   which the retained-bytes check below refuses; copies are counted, not
 *   timed);
 * - every pushed chunk was kept as its own view: 200,000 one-byte pushes
 *   retained ~43 MB (about 200 bytes per byte) against a 4 MB frame cap;
 * - a failed decoder kept everything buffered before the error (a 1 MB chunk
 *   behind a refused 4 GB header stayed referenced, `bufferedBytes` 1 MB).
 */
import { describe, expect, it } from "@effect/vitest"
import * as Chunk from "effect/Chunk"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as Stream from "effect/Stream"
import * as v8 from "node:v8"
import * as vm from "node:vm"
import * as Frame from "../../src/wire/Frame.js"
import * as Message from "../../src/wire/Message.js"
import * as ProtocolVersion from "../../src/wire/ProtocolVersion.js"
import { WireError } from "../../src/wire/WireError.js"
import { concat } from "../support/wire.js"
import { assertWireError, buildCorpus, MAGIC, params, VERACK_FRAME } from "../support/fuzz.js"

const gc: () => void = (() => {
  const g = (globalThis as { gc?: () => void }).gc
  if (typeof g === "function") return g
  v8.setFlagsFromString("--expose-gc")
  return vm.runInNewContext("gc") as () => void
})()

/** Heap plus array buffers, after a full collection. */
const retained = (): number => {
  gc()
  gc()
  const m = process.memoryUsage()
  return m.heapUsed + m.arrayBuffers
}

const MB = 1024 * 1024

/** A header announcing `length` bytes of `command` (checksum of nothing in particular). */
const header = (command: string, length: number, magic: Uint8Array = MAGIC): Uint8Array => {
  const h = Frame.encodeRaw(magic, command, new Uint8Array(0))
  new DataView(h.buffer, h.byteOffset).setUint32(16, length, true)
  return h
}

const decoder = (version = ProtocolVersion.CURRENT) => new Frame.FrameDecoder({ params, version: () => version })

describe("hostile input: caps hold before anything is allocated", () => {
  it("a header announcing 4 GB, 32 MB or one byte over the frame cap is refused on the header alone", () => {
    for (const length of [0xffff_ffff, 0x8000_0000, 32 * MB, params.maxMessageSize + 1]) {
      for (const command of ["block", "tx", "futurecmd"]) {
        const h = header(command, length)
        // Byte by byte: nothing until the 24th byte, then the error, with no payload byte sent.
        const d = decoder()
        const out: Array<Frame.Received> = []
        for (let i = 0; i < Frame.HEADER_SIZE - 1; i++) {
          expect(d.push(h.subarray(i, i + 1), out)).toBeUndefined()
          expect(d.bufferedBytes).toBe(i + 1)
        }
        const e = d.push(h.subarray(Frame.HEADER_SIZE - 1), out)
        expect(e).toBeInstanceOf(WireError)
        expect(e).toMatchObject({ reason: "OversizedFrame", expected: params.maxMessageSize, actual: length })
        expect(d.bufferedBytes).toBe(0)
        expect(out).toEqual([])
        // Payload bytes that follow change nothing and are not kept.
        expect(d.push(new Uint8Array(64 * 1024), out)).toBe(e)
        expect(d.bufferedBytes).toBe(0)
      }
    }
  })

  it("the header and the first payload bytes in one chunk: refused, and the chunk is not kept", () => {
    const d = decoder()
    const out: Array<Frame.Received> = []
    const e = d.push(concat(header("block", 0xffff_ffff), new Uint8Array(MB)), out)
    expect(e).toMatchObject({ reason: "OversizedFrame" })
    expect(d.bufferedBytes).toBe(0)
  })

  it("every command's own cap is checked on the header alone, at each protocol version", () => {
    for (const version of [ProtocolVersion.CURRENT, ProtocolVersion.BIP0037, 60000, ProtocolVersion.ADDR_TIME, 209]) {
      for (const def of Message.definitions) {
        const cap = def.maxPayload(version)
        expect(cap).toBeLessThanOrEqual(params.maxMessageSize)
        // Exactly the cap: accepted, waiting for the payload.
        const ok = decoder(version)
        expect(ok.push(header(def.command, cap), [])).toBeUndefined()
        expect(ok.bufferedBytes).toBe(0)
        // One over: refused before any payload byte (by the frame cap when the command's cap is the frame cap).
        const d = decoder(version)
        const e = d.push(header(def.command, cap + 1), [])
        expect(e).toMatchObject(
          cap + 1 > params.maxMessageSize
            ? { reason: "OversizedFrame", expected: params.maxMessageSize, actual: cap + 1 }
            : { reason: "OversizedPayload", command: def.command, expected: cap, actual: cap + 1 }
        )
        expect(d.bufferedBytes).toBe(0)
      }
    }
  })

  it("a CompactSize claiming 2^32 (or 2^32 - 1) items fails on the count, before any item is read", () => {
    const corpus = buildCorpus(1, 99)
    const sample = (command: string) => corpus.find((s) => s.command === command)!.payload
    const huge = [
      { bytes: Uint8Array.of(0xff, 0, 0, 0, 0, 1, 0, 0, 0), shows: "exceeds 2^32" },
      { bytes: Uint8Array.of(0xfe, 0xff, 0xff, 0xff, 0xff), shows: "4294967295" }
    ]
    // Where each list or byte-string count sits: after the fixed fields in front of it.
    const counts: Array<[command: string, offset: number]> = [
      ["inv", 0], ["getdata", 0], ["notfound", 0], ["addr", 0], ["addrv2", 0], ["headers", 0],
      ["getblocks", 4], ["getheaders", 4], ["block", 80], ["tx", 4], ["blocktxn", 32], ["getblocktxn", 32],
      ["cmpctblock", 88], ["merkleblock", 84], ["cfheaders", 65], ["cfcheckpt", 33], ["cfilter", 33],
      ["filterload", 0], ["filteradd", 0], ["version", 80], ["reject", 0]
    ]
    const before = retained()
    for (const [command, offset] of counts) {
      for (const { bytes, shows } of huge) {
        const valid = sample(command)
        const payload = concat(valid.subarray(0, offset), bytes, new Uint8Array(64))
        const d = Message.decodePayloadEither(command, payload)
        expect(Either.isLeft(d), command).toBe(true)
        const e = assertWireError(Either.isLeft(d) ? d.left : undefined, command)
        expect(["CountTooLarge", "Truncated"], `${command}: ${e.message}`).toContain(e.reason)
        expect(e.detail, command).toContain(shows)
        // Through the frame decoder too.
        const f = decoder().push(Frame.encodeRaw(MAGIC, command, payload), [])
        expect(f?.reason, command).toBe(e.reason)
      }
    }
    expect(retained() - before).toBeLessThan(16 * MB)
  })

  it("10,000 hostile headers on fresh decoders and 32 MB of garbage keep memory flat", () => {
    const lengths = [0xffff_ffff, 32 * MB, params.maxMessageSize + 1, 0x8000_0000]
    const warm = decoder()
    warm.push(header("block", 0xffff_ffff), [])
    const before = retained()
    // Keep every decoder alive, as a node with 10,000 not-yet-reaped connections would.
    const decoders: Array<Frame.FrameDecoder> = []
    for (let i = 0; i < 10_000; i++) {
      const d = decoder()
      const chunk = new Uint8Array(Frame.HEADER_SIZE + 1024)
      chunk.set(header(i % 2 === 0 ? "block" : "futurecmd", lengths[i % lengths.length]!))
      expect(d.push(chunk, [])?.reason).toBe("OversizedFrame")
      expect(d.push(new Uint8Array(1024), [])?.reason).toBe("OversizedFrame")
      decoders.push(d)
    }
    // Garbage: bad magic, bad commands, random bytes, in chunks of 64 KiB.
    let seed = 1
    const rand = () => (seed = (seed * 1103515245 + 12345) >>> 0) >>> 24
    for (let i = 0; i < 512; i++) {
      const g = new Uint8Array(64 * 1024)
      for (let j = 0; j < g.length; j += 7) g[j] = rand()
      if (i % 2 === 0) g.set(MAGIC)
      const d = decoder()
      const e = d.push(g, [])
      if (e !== undefined) assertWireError(e, "garbage")
      decoders.push(d)
    }
    const growth = retained() - before
    expect(decoders.every((d) => d.bufferedBytes === 0 || d.bufferedBytes < Frame.HEADER_SIZE)).toBe(true)
    expect(growth).toBeLessThan(50 * MB)
  })
})

describe("hostile input: trickled bytes", () => {
  const LENGTH = 3_900_000

  /**
   * Bytes copied by typed-array copies while `f` runs (`set`, `slice`, `Buffer.concat`): a
   * decoder whose work per push grew with what it holds would copy ~n²/2 bytes for n pushes.
   * Counted, not timed, so a loaded machine cannot fail it; each test also asserts the count
   * saw the decoder's own copies, so a decoder copying some other way fails rather than passes.
   */
  const bytesCopied = <A>(f: () => A): { result: A; copied: number } => {
    const set = Uint8Array.prototype.set
    const slice = Uint8Array.prototype.slice
    const bufferConcat = Buffer.concat
    let copied = 0
    Uint8Array.prototype.set = function(this: Uint8Array, source: ArrayLike<number>, offset?: number) {
      copied += source.length
      return set.call(this, source, offset)
    }
    Uint8Array.prototype.slice = function(this: Uint8Array, start?: number, end?: number) {
      const out = slice.call(this, start, end)
      copied += out.length
      return out
    }
    Buffer.concat = (list, totalLength) => {
      const out = bufferConcat(list, totalLength)
      copied += out.length
      return out
    }
    try {
      return { result: f(), copied }
    } finally {
      Uint8Array.prototype.set = set
      Uint8Array.prototype.slice = slice
      Buffer.concat = bufferConcat
    }
  }

  /** Header for a 3.9 MB payload of an unknown command, then `n` one-byte pushes, each a fresh buffer like a socket read. */
  const trickle = (n: number) => {
    const d = decoder()
    const out: Array<Frame.Received> = []
    expect(d.push(header("futurecmd", LENGTH), out)).toBeUndefined()
    const { copied } = bytesCopied(() => {
      for (let i = 0; i < n; i++) {
        const b = new Uint8Array(1)
        b[0] = i
        if (d.push(b, out) !== undefined) throw new Error("unexpected error")
      }
    })
    return { d, out, copied }
  }

  it("200,000 one-byte pushes: linear bytes copied and held, no per-push copies of the buffer", () => {
    const n = 200_000
    const { copied } = trickle(n)
    // Each byte after the first is copied once into the decoder's spare buffer (that the count
    // sees it shows the count measures this decoder); re-copying what is held per push would be
    // ~2·10^10 bytes.
    expect(copied).toBeGreaterThanOrEqual(n - 1)
    expect(copied).toBeLessThan(4 * n)
    const before = retained()
    const { d, out } = trickle(n)
    const growth = retained() - before
    expect(out).toEqual([])
    expect(d.bufferedBytes).toBe(n)
    // 200,000 bytes held must not cost 200,000 retained objects (~40 MB).
    expect(growth).toBeLessThan(8 * MB)
  })

  it("a 3.9 MB payload trickled in 200,000 one-byte pushes then the rest completes with one copy of the payload", () => {
    const payload = new Uint8Array(LENGTH)
    for (let i = 0; i < payload.length; i += 997) payload[i] = i & 0xff
    const frame = Frame.encodeRaw(MAGIC, "futurecmd", payload)
    const d = decoder()
    const out: Array<Frame.Received> = []
    expect(d.push(frame.subarray(0, Frame.HEADER_SIZE), out)).toBeUndefined()
    const trickled = Frame.HEADER_SIZE + 200_000
    for (let i = Frame.HEADER_SIZE; i < trickled; i++) {
      if (d.push(frame.slice(i, i + 1), out) !== undefined) throw new Error("unexpected error")
    }
    expect(d.bufferedBytes).toBe(200_000)
    const { copied } = bytesCopied(() => {
      for (let i = trickled; i < frame.length; i += 64 * 1024) {
        expect(d.push(frame.subarray(i, Math.min(frame.length, i + 64 * 1024)), out)).toBeUndefined()
      }
    })
    expect(out.length).toBe(1)
    const m = out[0]!.message
    expect(m._tag === "Unknown" && m.payload.length === LENGTH && m.payload[997] === (997 & 0xff)).toBe(true)
    expect(d.bufferedBytes).toBe(0)
    // Completing assembles the payload once (the count sees that copy); copying what is held
    // again on each of the ~60 pushes would be ~120 MB.
    expect(copied).toBeGreaterThanOrEqual(LENGTH)
    expect(copied).toBeLessThan(2 * LENGTH)
  })

  it("frames split into small chunks around each other decode exactly as when whole", () => {
    const corpus = buildCorpus(3, 5)
    const stream = concat(...corpus.map((s) => Frame.encodeRaw(MAGIC, s.command, s.payload)))
    for (const size of [1, 3, 24, 25, 100, 1023, 1024, 1500, 4096]) {
      const d = decoder()
      const out: Array<Frame.Received> = []
      for (let i = 0; i < stream.length; i += size) expect(d.push(stream.slice(i, i + size), out)).toBeUndefined()
      expect(d.bufferedBytes).toBe(0)
      expect(out.map((r) => r.command)).toEqual(corpus.map((s) => s.command))
      out.forEach((r, i) => {
        const payload = r.message._tag === "Unknown" ? r.message.payload : Either.getOrThrow(Message.encodePayloadEither(r.message))
        expect(payload).toEqual(corpus[i]!.payload)
      })
    }
  })
})

describe("hostile input: a failed decoder stays failed", () => {
  const ping = Frame.encodeRaw(MAGIC, "ping", new Uint8Array(8))
  const bad: Array<[string, Uint8Array]> = [
    ["OversizedFrame", header("block", 0xffff_ffff)],
    ["BadMagic", Frame.encodeRaw(Uint8Array.of(1, 2, 3, 4), "ping", new Uint8Array(8))],
    ["BadCommand", (() => { const f = ping.slice(); f[5] = 0x07; return f })()],
    ["OversizedPayload", Frame.encodeRaw(MAGIC, "ping", new Uint8Array(9))],
    ["BadChecksum", (() => { const f = ping.slice(); f[23] = f[23]! ^ 1; return f })()],
    ["Truncated", Frame.encodeRaw(MAGIC, "ping", new Uint8Array(7))],
    ["TrailingBytes", Frame.encodeRaw(MAGIC, "inv", Uint8Array.of(0, 0))],
    ["CountTooLarge", Frame.encodeRaw(MAGIC, "inv", Uint8Array.of(0xfe, 0xff, 0xff, 0xff, 0xff))],
    ["NonCanonicalCompactSize", Frame.encodeRaw(MAGIC, "inv", Uint8Array.of(0xfd, 0x01, 0x00))],
    ["InvalidValue", Frame.encodeRaw(MAGIC, "filterload", Uint8Array.of(0, 51, 0, 0, 0, 0, 0, 0, 0, 0))]
  ]

  for (const [reason, frame] of bad) {
    it(`after ${reason}, every push returns the same error and yields nothing`, () => {
      const d = decoder()
      const out: Array<Frame.Received> = []
      const e = d.push(concat(VERACK_FRAME, frame, ping), out)
      expect(e).toBeInstanceOf(WireError)
      expect(e?.reason).toBe(reason)
      expect(out.map((r) => r.command)).toEqual(["verack"])
      for (const more of [ping, VERACK_FRAME, new Uint8Array(0), frame, new Uint8Array(MB)]) {
        expect(d.push(more, out)).toBe(e)
      }
      expect(out.length).toBe(1)
      expect(d.bufferedBytes).toBe(0)
    })
  }

  it.effect("decodeStream emits what came before the bad frame, then fails with its error and reads no further", () =>
    Effect.gen(function* () {
      let pulled = 0
      const chunks = [VERACK_FRAME, header("block", 0xffff_ffff), ping, ping]
      const result = yield* Stream.fromIterable(chunks).pipe(
        Stream.tap(() => Effect.sync(() => pulled++)),
        Stream.rechunk(1),
        Frame.decodeStream({ params }),
        Stream.runCollect,
        Effect.either
      )
      expect(Either.isLeft(result)).toBe(true)
      if (Either.isLeft(result)) expect(result.left).toMatchObject({ reason: "OversizedFrame" })
      expect(pulled).toBeLessThanOrEqual(3)
      const ok = yield* Stream.fromIterable([VERACK_FRAME]).pipe(Frame.decodeStream({ params }), Stream.runCollect)
      expect(Chunk.size(ok)).toBe(1)
    }))
})
