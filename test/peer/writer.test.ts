/**
 * The peer's outbound side (`internal/peer/Writer`), over both of its
 * sinks: a socket's Effect writer (a short fiber per write) and the
 * `DirectWrite` capability (no fiber). What the peer relies on: frames go
 * out in order; small frames queued together go out as one write, a large
 * one alone; each write's frames are reported once the socket took them;
 * and on a write error, every frame not known to be written (and only
 * those) is handed back, so its sender is told.
 */
import * as Socket from "@effect/platform/Socket"
import { describe, expect, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as Runtime from "effect/Runtime"
import { DirectWrite } from "../../src/internal/peer/DirectWrite.js"
import { isPieces, joined, type Pieces } from "../../src/internal/peer/pieces.js"
import { type Outgoing, Writer } from "../../src/internal/peer/Writer.js"

const frame = (n: number, fill: number): Outgoing => ({
  frame: new Uint8Array(n).fill(fill),
  command: `c${fill}`,
  payloadSize: n,
  expects: 0,
  written: undefined
})

/** A frame in pieces (as a large v2 packet): `n` bytes of `fill`, cut in three. */
const piecesFrame = (n: number, fill: number): Outgoing => {
  const bytes = new Uint8Array(n).fill(fill)
  const pieces: Pieces = { pieces: [bytes.subarray(0, 3), bytes.subarray(3, n - 16), bytes.subarray(n - 16)], byteLength: n }
  return { frame: pieces, command: `c${fill}`, payloadSize: n, expects: 0, written: undefined }
}

const tick = Effect.promise(() => new Promise<void>((r) => setImmediate(r)))

/**
 * A Writer over a socket whose only sink is `DirectWrite` (the `write` given): each write's
 * commands go to `batches`; a write error goes to `onError` (by default it fails the test).
 */
const directWriter = (
  write: (bytes: Uint8Array, done: (e?: Error | null) => void) => boolean,
  batches: Array<Array<string>> = [],
  onError: (cause: unknown) => void = (cause) => expect.fail(String(cause))
) =>
  new Writer(
    { [DirectWrite]: write } as unknown as Socket.Socket,
    () => Effect.die("the Effect writer is not used when the socket has DirectWrite"),
    (effect) => Runtime.runFork(Runtime.defaultRuntime)(effect),
    (batch) => batches.push(batch.map((o) => o.command ?? "")),
    onError
  )

type Sink = "effect writer" | "DirectWrite"

const setup = (sink: Sink, failAt = Number.POSITIVE_INFINITY) => {
  const writes: Array<Uint8Array> = []
  /** Whether each write reached the sink in pieces. */
  const inPieces: Array<boolean> = []
  const batches: Array<Array<string>> = []
  const errors: Array<unknown> = []
  const attempt = (bytes: Uint8Array | Pieces): Error | undefined => {
    if (writes.length >= failAt) return new Error("broken pipe")
    writes.push(joined(bytes))
    inPieces.push(isPieces(bytes))
    return undefined
  }
  const write = (bytes: Uint8Array) =>
    Effect.suspend(() => {
      const e = attempt(bytes)
      return e === undefined ? Effect.void : Effect.fail(new Socket.SocketGenericError({ reason: "Write", cause: e }))
    })
  const socket = (sink === "DirectWrite"
    ? {
      [DirectWrite]: (bytes: Uint8Array | Pieces, done: (e?: Error | null) => void) => {
        setImmediate(() => done(attempt(bytes)))
        return false
      }
    }
    : {}) as unknown as Socket.Socket
  const writer = new Writer(
    socket,
    write,
    (effect) => Runtime.runFork(Runtime.defaultRuntime)(effect),
    (batch) => batches.push(batch.map((o) => o.command ?? "")),
    (cause) => errors.push(cause)
  )
  return { writer, writes, inPieces, batches, errors }
}

describe.each<Sink>(["effect writer", "DirectWrite"])("Writer over the %s", (sink) => {
  it.effect("writes in order: small frames queued together as one write, a large one on its own", () =>
    Effect.gen(function*() {
      const { writer, writes, batches } = setup(sink)
      writer.push(frame(10, 1))
      writer.push(frame(20, 2))
      writer.push(frame(100_000, 3))
      writer.push(frame(30, 4))
      expect(writer.queuedBytes).toBe(100_060)
      expect(writer.queuedFrames).toBe(4)
      for (let i = 0; i < 10 && batches.length < 3; i++) yield* tick
      expect(writes.map((w) => [w.length, w[0]])).toEqual([[30, 1], [100_000, 3], [30, 4]])
      expect(Array.from(writes[0]!.subarray(9, 11))).toEqual([1, 2])
      // reported write by write: the two coalesced small frames, the large one, the last
      expect(batches).toEqual([["c1", "c2"], ["c3"], ["c4"]])
      expect(writer.queuedBytes).toBe(0)
      expect(writer.queuedFrames).toBe(0)
      // queued later: a batch of its own
      writer.push(frame(5, 5))
      for (let i = 0; i < 10 && batches.length === 3; i++) yield* tick
      expect(batches.at(-1)).toEqual(["c5"])
    }))

  it.effect("a frame in pieces: alone, DirectWrite takes the pieces as they are (the Effect writer, joined); with small frames, copied into their write", () =>
    Effect.gen(function*() {
      const { writer, writes, inPieces, batches } = setup(sink)
      writer.push(piecesFrame(100_000, 1))
      writer.push(frame(10, 2))
      writer.push(piecesFrame(40, 3))
      writer.push(frame(20, 4))
      expect(writer.queuedBytes).toBe(100_070)
      expect(writer.queuedFrames).toBe(4)
      for (let i = 0; i < 10 && batches.length < 2; i++) yield* tick
      expect(writes.map((w) => w.length)).toEqual([100_000, 70])
      expect(writes[0]!.every((b) => b === 1)).toBe(true)
      expect(Array.from(writes[1]!)).toEqual([...Array(10).fill(2), ...Array(40).fill(3), ...Array(20).fill(4)])
      expect(inPieces).toEqual([sink === "DirectWrite", false])
      expect(batches).toEqual([["c1"], ["c2", "c3", "c4"]])
      expect(writer.queuedBytes).toBe(0)
      expect(writer.queuedFrames).toBe(0)
    }))

  it.effect("a write error stops it: reported once, and stop hands back every frame not known to be written", () =>
    Effect.gen(function*() {
      const { writer, writes, batches, errors } = setup(sink, 1)
      writer.push(frame(100_000, 1))
      writer.push(frame(100_000, 2))
      for (let i = 0; i < 10 && errors.length === 0; i++) yield* tick
      writer.push(frame(10, 3))
      yield* tick
      expect(writes.length).toBe(1)
      expect(errors.length).toBe(1)
      // c1 went out before the failure: reported written, and not handed back
      expect(batches).toEqual([["c1"]])
      const left = yield* writer.stop
      expect(left.map((o) => o.command)).toEqual(["c2", "c3"])
      expect(writer.queuedBytes).toBe(0)
      expect(writer.queuedFrames).toBe(0)
    }))
})

describe("Writer over a DirectWrite that takes each write at once (done called inside the write)", () => {
  it.effect("one-frame batches and multi-write batches are each reported once, in order, and nothing is left", () =>
    Effect.gen(function*() {
      const writes: Array<Uint8Array> = []
      const batches: Array<Array<string>> = []
      const writer = directWriter((bytes, done) => {
        writes.push(bytes)
        done()
        return false
      }, batches)
      // a ping-pong shape: one frame at a time, each queued after the previous was written
      for (let i = 1; i <= 3; i++) {
        writer.push(frame(10, i))
        yield* tick
      }
      // then a batch of three writes (the next write starts from inside the previous one's callback)
      writer.push(frame(100_000, 4))
      writer.push(frame(10, 5))
      writer.push(frame(20, 6))
      writer.push(frame(100_000, 7))
      for (let i = 0; i < 10 && batches.length < 6; i++) yield* tick
      expect(writes.map((w) => [w.length, w[0]])).toEqual([[10, 1], [10, 2], [10, 3], [100_000, 4], [30, 5], [100_000, 7]])
      expect(batches).toEqual([["c1"], ["c2"], ["c3"], ["c4"], ["c5", "c6"], ["c7"]])
      expect(writer.queuedBytes).toBe(0)
      expect(writer.queuedFrames).toBe(0)
      expect(yield* writer.stop).toEqual([])
    }))
})

describe("Writer over a DirectWrite that takes some writes at once (returns true, no callback)", () => {
  it.effect("writes taken at once and writes told later are each reported once, in order; a later failure hands back only what was not taken", () =>
    Effect.gen(function*() {
      const writes: Array<Uint8Array> = []
      const batches: Array<Array<string>> = []
      const errors: Array<unknown> = []
      // Small writes are taken at once; a large one is pending until the next macrotask; the fourth write fails.
      const writer = directWriter((bytes, done) => {
        if (writes.length === 3) {
          setImmediate(() => done(new Error("broken pipe")))
          return false
        }
        writes.push(bytes)
        if (bytes.length < 1000) return true
        setImmediate(() => done())
        return false
      }, batches, (cause) => errors.push(cause))
      writer.push(frame(10, 1))
      yield* tick
      expect(batches).toEqual([["c1"]])
      writer.push(frame(10, 2))
      writer.push(frame(100_000, 3))
      writer.push(frame(10, 4))
      writer.push(frame(10, 5))
      for (let i = 0; i < 10 && errors.length === 0; i++) yield* tick
      expect(writes.map((w) => [w.length, w[0]])).toEqual([[10, 1], [10, 2], [100_000, 3]])
      expect(batches).toEqual([["c1"], ["c2"], ["c3"]])
      expect(errors.length).toBe(1)
      const left = yield* writer.stop
      expect(left.map((o) => o.command)).toEqual(["c4", "c5"])
      expect(writer.queuedBytes).toBe(0)
      expect(writer.queuedFrames).toBe(0)
    }))
})

describe("Writer: queuedFrames (what the outbound bound charges per frame besides its bytes)", () => {
  it.effect("counts every frame queued and not yet written, falls by each write's frames as the socket takes it, 0 once drained", () =>
    Effect.gen(function*() {
      /** Writes the socket has not finished: released one by one below. */
      const pending: Array<() => void> = []
      const batches: Array<Array<string>> = []
      const writer = directWriter((_bytes, done) => {
        pending.push(() => done())
        return false
      }, batches)
      const counts = () => [writer.queuedFrames, writer.queuedBytes]
      expect(counts()).toEqual([0, 0])
      writer.push(frame(10, 1))
      writer.push(frame(20, 2))
      writer.push(frame(100_000, 3))
      writer.push(frame(30, 4))
      expect(counts()).toEqual([4, 100_060])
      for (let i = 0; i < 10 && pending.length === 0; i++) yield* tick
      // The batch's first write (c1 and c2 together) is in flight: nothing is written yet.
      expect(counts()).toEqual([4, 100_060])
      // Queued while a write is pending: counted too.
      writer.push(frame(5, 5))
      expect(counts()).toEqual([5, 100_065])
      const release = Effect.gen(function*() {
        const before = batches.length
        pending.shift()!()
        for (let i = 0; i < 10 && batches.length === before; i++) yield* tick
      })
      yield* release
      expect(batches).toEqual([["c1", "c2"]])
      expect(counts()).toEqual([3, 100_035])
      yield* release
      expect(counts()).toEqual([2, 35])
      yield* release
      expect(counts()).toEqual([1, 5])
      for (let i = 0; i < 10 && pending.length === 0; i++) yield* tick
      yield* release
      expect(batches).toEqual([["c1", "c2"], ["c3"], ["c4"], ["c5"]])
      expect(counts()).toEqual([0, 0])
      expect(yield* writer.stop).toEqual([])
    }))

  it.effect("stop hands back the frames not written and zeroes the count", () =>
    Effect.gen(function*() {
      const writer = directWriter(() => false)
      writer.push(frame(10, 1))
      writer.push(frame(100_000, 2))
      yield* tick
      writer.push(frame(10, 3))
      expect(writer.queuedFrames).toBe(3)
      expect((yield* writer.stop).map((o) => o.command)).toEqual(["c1", "c2", "c3"])
      expect([writer.queuedFrames, writer.queuedBytes]).toEqual([0, 0])
    }))
})
