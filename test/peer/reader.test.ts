/**
 * The peer's inbound side (`internal/peer/Reader`), driven directly: bytes
 * pushed as a socket would push them, synchronously. What the peer relies
 * on: a flood is handled at most 256 KiB per turn of the event loop (other
 * sockets and timers get theirs; a large message counts once it completes),
 * a burst of small messages gives subscribers a microtask turn every
 * `messageSlice` messages, order is kept
 * across turns, a decode error comes after the messages before it, an
 * exception in handling stops the reader without escaping into the socket's
 * callback, and the end of the socket is reported once everything received
 * before it was handled.
 */
import { describe, expect, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as Runtime from "effect/Runtime"
import * as ChainParams from "../../src/wire/ChainParams.js"
import * as Frame from "../../src/wire/Frame.js"
import { type Decoder, MAX_UNREAD_BYTES, Reader } from "../../src/internal/peer/Reader.js"
import * as Message from "../../src/wire/Message.js"
import type { ReceiveError } from "../../src/peer/MessageTransport.js"

const params = ChainParams.regtest
const macrotask = () => new Promise<void>((resolve) => setImmediate(resolve))

/** `n` chunks of 64 KiB, each full of 24-byte verack-sized ping frames (32 bytes: header + nonce). */
const pingChunks = (n: number, perChunk = 2048): { chunks: Array<Uint8Array>; frames: number } => {
  const frame = Frame.encode(params.magic, Message.Ping.make({ nonce: 1n }))
  const chunks: Array<Uint8Array> = []
  for (let c = 0; c < n; c++) {
    const chunk = new Uint8Array(frame.length * perChunk)
    for (let i = 0; i < perChunk; i++) chunk.set(frame, i * frame.length)
    chunks.push(chunk)
  }
  return { chunks, frames: n * perChunk }
}

const makeReader = (options: {
  readonly messageSlice?: number
  readonly onMessage?: (m: Message.NetworkMessage) => boolean | void
  readonly decoder?: Decoder
} = {}) => {
  const seen: Array<Message.NetworkMessage> = []
  const events: Array<string> = []
  const runFork = Runtime.runFork(Runtime.defaultRuntime)
  const reader = new Reader(
    options.decoder ?? new Frame.FrameDecoder({ params }),
    options.messageSlice ?? 1_000_000,
    () => performance.now(),
    (r) => {
      seen.push(r.message)
      return options.onMessage?.(r.message) ?? true
    },
    () => {},
    (error: ReceiveError) => events.push(`error:${error.reason}`),
    (cause) => events.push(`defect:${String(cause)}`),
    (effect) => runFork(effect, { immediate: false }),
    (unread) => events.push(`overflow:${unread}`)
  )
  return { reader, seen, events }
}

/** The frame of a 1 MiB message. */
const BLOB_FRAME = 1024 * 1024 + Frame.HEADER_SIZE

/** `count` 1 MiB messages (payload bytes 1, 2, …) back to back, in 64 KiB reads as a socket gives them. */
const blobChunks = (count: number): Array<Uint8Array> => {
  const stream = new Uint8Array(count * BLOB_FRAME)
  for (let i = 0; i < count; i++) stream.set(Frame.encodeRaw(params.magic, "blob", new Uint8Array(1024 * 1024).fill(i + 1)), i * BLOB_FRAME)
  const chunks: Array<Uint8Array> = []
  for (let at = 0; at < stream.length; at += 64 * 1024) chunks.push(stream.subarray(at, at + 64 * 1024))
  return chunks
}

describe("Reader", () => {
  it.each([
    ["no message budget", 1_000_000],
    ["a message budget that runs out inside every chunk", 1000]
  ])("decodes a flood at most 256 KiB per macrotask turn and takes the rest on later turns (%s)", async (_, messageSlice) => {
    const { reader, seen } = makeReader({ messageSlice })
    const { chunks, frames } = pingChunks(16) // 16 x 64 KiB = 1 MiB, all arriving in one turn
    for (const c of chunks) reader.onChunk(c)
    const first = seen.length
    expect(first * 32).toBeLessThanOrEqual(256 * 1024)
    expect(first).toBeGreaterThan(0)
    let turns = 0
    while (seen.length < frames && turns < 100) {
      const before = seen.length
      await macrotask()
      turns++
      expect((seen.length - before) * 32).toBeLessThanOrEqual(256 * 1024 + 64 * 1024)
    }
    expect(seen.length).toBe(frames)
    expect(turns).toBeGreaterThanOrEqual(3)
  })

  it("counts a large message against the turn's budget when it completes: its chunks are not held back before that", async () => {
    const { reader, seen } = makeReader()
    const frame = Frame.encodeRaw(params.magic, "blob", new Uint8Array(1024 * 1024).fill(7))
    const chunks: Array<Uint8Array> = []
    for (let at = 0; at < frame.length; at += 64 * 1024) chunks.push(frame.subarray(at, at + 64 * 1024))
    // 17 chunks arriving in one turn, over 256 KiB: the message is handled as its last byte arrives.
    for (const c of chunks) reader.onChunk(c)
    expect(seen.length).toBe(1)
    expect(reader.unreadBytes).toBe(0)
    // It spent the turn's budget: what comes next in this turn waits for the next one.
    reader.onChunk(Frame.encode(params.magic, Message.Ping.make({ nonce: 3n })))
    expect(seen.length).toBe(1)
    await macrotask()
    expect(seen.length).toBe(2)
  })

  it("out of budget, takes the chunks that only extend the next large message at once (not unread); the chunk completing it waits for a turn", async () => {
    const { reader, seen } = makeReader()
    const chunks = blobChunks(2)
    // Two 1 MiB messages in one turn (a fast sender's burst): the first spends the budget.
    const waits: Array<unknown> = []
    let unread = 0
    for (const c of chunks) {
      const w = reader.onChunk(c)
      if (w !== undefined) waits.push(w)
      unread = Math.max(unread, reader.unreadBytes)
    }
    expect(seen.length).toBe(1)
    // The second one's chunks went to the decoder as they came; only the chunk that completes it is unread.
    expect(unread).toBeGreaterThan(0)
    expect(unread).toBeLessThanOrEqual(64 * 1024)
    expect(waits).toEqual([])
    await macrotask()
    expect(seen.map((m) => (m._tag === "Unknown" ? m.payload[0] : -1))).toEqual([1, 2])
    expect(reader.unreadBytes).toBe(0)
  })

  it("on its turn, takes the queued chunk completing a large message, then the queued chunks only extending the next one, in that same turn", async () => {
    const { reader, seen } = makeReader()
    const chunks = blobChunks(3)
    const last = chunks.pop()!
    // One turn: the first message spends the budget; the chunk completing the second is queued,
    // and every chunk after it queues behind it (the third message, all but its last chunk).
    for (const c of chunks) reader.onChunk(c)
    expect(seen.length).toBe(1)
    expect(reader.unreadBytes).toBeGreaterThan(BLOB_FRAME / 2)
    await macrotask()
    // The second completed (spending the new turn's budget), and the third's chunks went to the decoder with it.
    expect(seen.length).toBe(2)
    expect(reader.unreadBytes).toBe(0)
    reader.onChunk(last)
    await macrotask()
    expect(seen.map((m) => (m._tag === "Unknown" ? m.payload[0] : -1))).toEqual([1, 2, 3])
  })

  it("keeps order with a transport that overstates awaitingBytes: a chunk arriving while frames wait for their turn waits behind them", async () => {
    // A transport that claims every chunk only extends a message still arriving (it never does here).
    const frames = new Frame.FrameDecoder({ params })
    const overstating: Decoder = {
      push: (chunk, out) => frames.push(chunk, out),
      get bufferedBytes() {
        return frames.bufferedBytes
      },
      awaitingBytes: Number.MAX_SAFE_INTEGER
    }
    const { reader, seen } = makeReader({ decoder: overstating, messageSlice: 2 })
    const pings = (from: number, n: number) => {
      const encoded = Array.from({ length: n }, (_, i) => Frame.encode(params.magic, Message.Ping.make({ nonce: BigInt(from + i) })))
      const chunk = new Uint8Array(encoded.reduce((total, f) => total + f.length, 0))
      encoded.reduce((at, f) => (chunk.set(f, at), at + f.length), 0)
      return chunk
    }
    // The first chunk outruns the message budget: frames wait for a microtask turn. The next two come meanwhile.
    reader.onChunk(pings(0, 5))
    reader.onChunk(pings(5, 5))
    reader.onChunk(pings(10, 5))
    for (let i = 0; i < 100 && seen.length < 15; i++) await Promise.resolve()
    for (let i = 0; i < 10 && seen.length < 15; i++) await macrotask()
    expect(seen.map((m) => (m._tag === "Ping" ? Number(m.nonce) : -1))).toEqual(Array.from({ length: 15 }, (_, i) => i))
  })

  it("counts bytes a transport works on without completing a message (v2 decoys): a flood of them still waits for later turns", async () => {
    // A transport that decrypts and drops every byte (as v2 does a decoy packet): nothing held, no message.
    let worked = 0
    const swallow: Decoder = { push: (chunk) => void (worked += chunk.length), bufferedBytes: 0 }
    const { reader } = makeReader({ decoder: swallow })
    for (let i = 0; i < 16; i++) reader.onChunk(new Uint8Array(64 * 1024)) // 1 MiB in one turn
    expect(worked).toBeLessThanOrEqual(256 * 1024 + 64 * 1024)
    expect(reader.unreadBytes).toBeGreaterThan(0)
    let turns = 0
    while (worked < 1024 * 1024 && turns < 100) {
      const before = worked
      await macrotask()
      turns++
      expect(worked - before).toBeLessThanOrEqual(256 * 1024 + 64 * 1024)
    }
    expect(worked).toBe(1024 * 1024)
    expect(turns).toBeGreaterThanOrEqual(3)
  })

  it("gives a microtask turn every messageSlice messages within one chunk, without waiting for I/O", async () => {
    const { reader, seen } = makeReader({ messageSlice: 100 })
    const { chunks, frames } = pingChunks(1, 1000)
    reader.onChunk(chunks[0]!)
    expect(seen.length).toBe(100)
    // microtasks only (no macrotask turn): the rest arrives in slices
    for (let i = 0; i < 200 && seen.length < frames; i++) await Promise.resolve()
    expect(seen.length).toBe(frames)
  })

  it("reports a decode error after the messages that came before it, and stops", async () => {
    const { reader, seen, events } = makeReader()
    const ok = Frame.encode(params.magic, Message.Ping.make({ nonce: 2n }))
    const bad = Uint8Array.from(ok)
    bad[0] = 0 // wrong magic
    const chunk = new Uint8Array(ok.length * 2 + bad.length)
    chunk.set(ok, 0)
    chunk.set(ok, ok.length)
    chunk.set(bad, ok.length * 2)
    reader.onChunk(chunk)
    expect(seen.length).toBe(2)
    expect(events).toEqual(["error:BadMagic"])
    reader.onChunk(ok)
    expect(seen.length).toBe(2)
  })

  it("an exception while handling stops the reader and is reported, not thrown into the socket's callback", () => {
    const { reader, seen, events } = makeReader({
      onMessage: () => {
        throw new Error("boom")
      }
    })
    const { chunks } = pingChunks(1, 3)
    expect(() => reader.onChunk(chunks[0]!)).not.toThrow()
    expect(events).toEqual(["defect:Error: boom"])
    reader.onChunk(chunks[0]!)
    expect(seen.length).toBe(1)
  })

  it("says the socket's end was drained only once everything received before it was handled", async () => {
    const { reader, seen } = makeReader()
    const { chunks, frames } = pingChunks(8)
    for (const c of chunks) reader.onChunk(c)
    let drainedAt = -1
    reader.whenDrained(() => {
      drainedAt = seen.length
    })
    expect(drainedAt).toBe(-1)
    for (let i = 0; i < 100 && drainedAt < 0; i++) await macrotask()
    expect(drainedAt).toBe(frames)
  })

  it("near the read bound (4 MiB) waiting, asks the socket to wait (an effect that completes once half of it was handled)", async () => {
    const { reader, seen, events } = makeReader()
    const { chunks, frames } = pingChunks(MAX_UNREAD_BYTES / (64 * 1024) + 8)
    // A socket that honours the request: it stops delivering until the effect completes.
    let i = 0
    let wait: Effect.Effect<void> | void = undefined
    while (i < chunks.length && wait === undefined) wait = reader.onChunk(chunks[i++]!)
    expect(wait).toBeDefined()
    expect(MAX_UNREAD_BYTES).toBe(4 * 1024 * 1024)
    expect(reader.unreadBytes).toBeLessThanOrEqual(MAX_UNREAD_BYTES)
    await Effect.runPromise(wait as Effect.Effect<void>)
    expect(reader.unreadBytes).toBeLessThanOrEqual(MAX_UNREAD_BYTES / 2)
    while (i < chunks.length) {
      const w = reader.onChunk(chunks[i++]!)
      if (w !== undefined) await Effect.runPromise(w)
    }
    for (let t = 0; t < 100 && seen.length < frames; t++) await macrotask()
    expect(seen.length).toBe(frames)
    expect(events).toEqual([])
  })

  it("a socket that reads on past the read bound (4 MiB) regardless ends the reader with an overflow, holding no more than that", async () => {
    const { reader, seen, events } = makeReader()
    const { chunks, frames } = pingChunks(MAX_UNREAD_BYTES / (64 * 1024) + 8) // 72 x 64 KiB, all at once, every request to wait ignored
    for (const c of chunks) reader.onChunk(c)
    expect(events).toHaveLength(1)
    const unread = Number(events[0]!.split(":")[1])
    expect(unread).toBeGreaterThan(MAX_UNREAD_BYTES)
    expect(unread).toBeLessThanOrEqual(MAX_UNREAD_BYTES + 64 * 1024)
    for (let t = 0; t < 10; t++) await macrotask()
    // Stopped: what was unread is dropped, nothing more is handled.
    expect(reader.unreadBytes).toBe(0)
    expect(seen.length).toBeLessThan(frames)
  })
})
