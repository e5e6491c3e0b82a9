/**
 * Hostile peers: property-based fuzzing of the frame decoder and of every
 * message codec with random and mutated input.
 *
 * Every input must end in decoded messages, a typed `WireError` with a known
 * reason, or (a prefix of a frame) a decoder waiting for more bytes: never an
 * exception, never a hang. Decoded messages must re-encode stably, the frame
 * decoder must agree with the payload codecs, and how the stream is cut into
 * chunks must not change the outcome.
 *
 * `FUZZ_SCALE=10 npx vitest run test/hostile/fuzz.test.ts` runs ten times as
 * many cases.
 */
import { afterAll, describe, expect, it } from "@effect/vitest"
import * as Arbitrary from "effect/Arbitrary"
import * as Either from "effect/Either"
import * as fc from "effect/FastCheck"
import * as Frame from "../../src/wire/Frame.js"
import * as Hash from "../../src/wire/Hash.js"
import * as Message from "../../src/wire/Message.js"
import * as ProtocolVersion from "../../src/wire/ProtocolVersion.js"
import type { WireError } from "../../src/wire/WireError.js"
import {
  assertMessage,
  assertWireError,
  buildCorpus,
  chunkStream,
  COMMANDS,
  feed,
  hostileCompactSize,
  lossyStrings,
  MAGIC,
  mutatePayload,
  type Outcome,
  params,
  payloadMutation,
  versionArb
} from "../support/fuzz.js"
import { concat } from "../support/wire.js"

const SCALE = Math.max(0.01, Number(process.env["FUZZ_SCALE"] ?? 1))
const runs = (n: number) => Math.max(1, Math.round(n * SCALE))
/**
 * Per-test timeout, only a guard against a hang (the work is a fixed number of runs): the mutated
 * streams take ~23 s on a quiet 2-core machine and went past 60 s at load 20, so room for that,
 * and for scaled-up runs.
 */
const TIMEOUT = Math.round(150_000 * Math.max(1, SCALE))

const PER_TYPE = 12
const corpus = buildCorpus(PER_TYPE)

// Tally of what the fuzzing did, printed at the end.
let cases = 0
let framesFed = 0
/** Frames pushed through a `FrameDecoder` (each at least twice: whole and cut into chunks) and payloads fed straight to a codec. */
let frameInputs = 0
let codecInputs = 0
let systematic = 0
const outcomes = new Map<string, number>()
const tally = (key: string) => outcomes.set(key, (outcomes.get(key) ?? 0) + 1)
const tallyOutcome = (o: Outcome) => {
  framesFed += o.received.length
  for (const r of o.received) tally(`decoded:${r.message._tag}`)
  if (o.error !== undefined) tally(`error:${o.error.reason}`)
  else if (o.bufferedBytes > 0) tally("pending")
}
const started = performance.now()

/** Two outcomes of the same bytes, cut differently, must agree. */
const assertSameOutcome = (a: Outcome, b: Outcome, where: string) => {
  const same =
    a.received.length === b.received.length &&
    a.received.every((r, i) => {
      const s = b.received[i]!
      return r.command === s.command && r.payloadSize === s.payloadSize && r.message._tag === s.message._tag
    }) &&
    a.error?.message === b.error?.message &&
    (a.error !== undefined || a.bufferedBytes === b.bufferedBytes)
  if (!same) {
    throw new Error(
      `${where}: chunking changed the outcome: ${a.received.length} msgs/${a.error?.message}/${a.bufferedBytes} vs ${b.received.length} msgs/${b.error?.message}/${b.bufferedBytes}`
    )
  }
}

const checkOutcome = (o: Outcome, version: number, where: string) => {
  for (const r of o.received) assertMessage(r.command, r.message, version, where)
}

/**
 * What the frame decoder must produce for well-framed payloads: the payload
 * codec's verdict for each frame in turn, the per-command cap checked first.
 */
const expectedFor = (frames: ReadonlyArray<{ command: string; payload: Uint8Array }>, version: number) => {
  const messages: Array<Message.NetworkMessage> = []
  for (const f of frames) {
    const cap = Message.maxPayload(f.command, version)
    if (cap !== undefined && f.payload.length > cap) return { messages, reason: "OversizedPayload" }
    const d = Message.decodePayloadEither(f.command, f.payload, { version })
    if (Either.isLeft(d)) return { messages, reason: d.left.reason }
    messages.push(d.right)
  }
  return { messages, reason: undefined }
}

describe("hostile input: fuzzing the frame decoder and every codec", () => {
  afterAll(() => {
    const seconds = ((performance.now() - started) / 1000).toFixed(1)
    const top = [...outcomes.entries()].sort((a, b) => b[1] - a[1]).map(([k, v]) => `${k}=${v}`)
    console.log(
      `[hostile fuzz] ${cases} random/mutated cases: ${frameInputs} frames through the frame decoder, ${codecInputs} payloads straight into codecs` +
        ` (+${systematic} systematic payloads); ${framesFed} messages decoded, ${lossyStrings} lossy var strings; ${seconds}s\n  ${top.join(" ")}`
    )
  })

  it("corpus covers every message type and round-trips through the decoder", () => {
    const tags = new Set(corpus.map((s) => s.tag))
    for (const def of Message.definitions) expect(tags.has(def._tag)).toBe(true)
    for (const s of corpus) {
      const o = feed([Frame.encodeRaw(MAGIC, s.command, s.payload)], ProtocolVersion.CURRENT, s.command)
      expect(o.error).toBeUndefined()
      expect(o.received.length).toBe(1)
      expect(Hash.equals(assertMessage(s.command, o.received[0]!.message, ProtocolVersion.CURRENT, s.command), s.payload)).toBe(true)
    }
  })

  it("mutated streams of valid frames: typed errors only, codec-consistent, chunking-invariant", () => {
    const frameSpec = fc.record({
      seed: fc.nat({ max: corpus.length - 1 }),
      muts: fc.oneof(
        { weight: 2, arbitrary: fc.constant([]) },
        { weight: 3, arbitrary: fc.array(payloadMutation, { minLength: 1, maxLength: 3 }) }
      ),
      // Feed one type's payload to another type's codec now and then.
      command: fc.option(fc.constantFrom(...COMMANDS, "futurecmd", "x"), { freq: 6 })
    })
    const rawMutation = fc.oneof(
      fc.record({ k: fc.constant("flip" as const), frame: fc.nat(), inHeader: fc.boolean(), pos: fc.nat(), bit: fc.nat({ max: 7 }) }),
      fc.record({ k: fc.constant("length" as const), frame: fc.nat(), pick: fc.nat() }),
      fc.record({ k: fc.constant("truncate" as const), keep: fc.nat() }),
      fc.record({ k: fc.constant("extend" as const), bytes: fc.uint8Array({ minLength: 1, maxLength: 48 }) }),
      fc.record({ k: fc.constant("splice" as const), pos: fc.nat(), del: fc.nat({ max: 24 }), bytes: fc.uint8Array({ maxLength: 24 }) }),
      fc.record({ k: fc.constant("duplicate" as const), frame: fc.nat() }),
      fc.record({ k: fc.constant("command" as const), frame: fc.nat(), bytes: fc.uint8Array({ minLength: 12, maxLength: 12 }) })
    )
    const lengthPicks = fc.sample(fc.integer({ min: 0, max: 0xffff_ffff }), { numRuns: 64, seed: 7 })
    const arb = fc.record({
      frames: fc.array(frameSpec, { minLength: 1, maxLength: 4 }),
      raw: fc.oneof(
        { weight: 3, arbitrary: fc.constant([]) },
        { weight: 2, arbitrary: fc.array(rawMutation, { minLength: 1, maxLength: 3 }) }
      ),
      cuts: fc.array(fc.nat(), { maxLength: 10 }),
      bytewise: fc.integer({ min: 0, max: 5 }).map((x) => x === 0),
      version: versionArb
    })
    fc.assert(
      fc.property(arb, ({ bytewise, cuts, frames, raw, version }) => {
        cases++
        frameInputs += frames.length
        const built = frames.map((f) => {
          const seed = corpus[f.seed]!
          return { command: f.command ?? seed.command, payload: mutatePayload(seed.payload, f.muts) }
        })
        const encoded = built.map((f) => Frame.encodeRaw(MAGIC, f.command, f.payload))
        // Stream-level mutations work on the framed bytes.
        let parts: Array<Uint8Array> = encoded.map((e) => e.slice())
        let stream: Uint8Array | undefined
        for (const m of raw) {
          const i = "frame" in m ? m.frame % parts.length : 0
          switch (m.k) {
            case "flip": {
              const p = parts[i]!
              const at = (m.inHeader ? m.pos % Frame.HEADER_SIZE : m.pos) % Math.max(1, p.length)
              if (at < p.length) p[at] = p[at]! ^ (1 << m.bit)
              break
            }
            case "length": {
              const p = parts[i]!
              if (p.length < Frame.HEADER_SIZE) break
              const cap = Message.maxPayload(built[i]?.command ?? "", version) ?? params.maxMessageSize
              const candidates = [0, p.length - 25, p.length - 23, cap, cap + 1, params.maxMessageSize, params.maxMessageSize + 1, 32 << 20, 0xffff_ffff]
              const v = m.pick % 2 === 0 ? candidates[(m.pick >> 1) % candidates.length]! : lengthPicks[m.pick % lengthPicks.length]!
              new DataView(p.buffer, p.byteOffset).setUint32(16, Math.max(0, v) >>> 0, true)
              break
            }
            case "duplicate":
              parts.splice(i, 0, parts[i]!.slice())
              break
            case "command":
              if (parts[i]!.length >= 16) parts[i]!.set(m.bytes, 4)
              break
            case "truncate": {
              const s = concat(...parts)
              parts = [s.slice(0, m.keep % (s.length + 1))]
              break
            }
            case "extend":
              parts.push(m.bytes)
              break
            case "splice": {
              const s = concat(...parts)
              const p = m.pos % (s.length + 1)
              parts = [concat(s.subarray(0, p), m.bytes, s.subarray(Math.min(s.length, p + m.del)))]
              break
            }
          }
        }
        stream = concat(...parts)
        const where = `stream of ${stream.length} bytes`
        const whole = feed([stream], version, where)
        const chunked = feed(chunkStream(stream, cuts, bytewise && stream.length <= 4096), version, where)
        tallyOutcome(whole)
        assertSameOutcome(whole, chunked, where)
        checkOutcome(whole, version, where)
        if (raw.length === 0) {
          // Well-framed: the decoder must give exactly the payload codecs' verdicts.
          const expected = expectedFor(built, version)
          expect(whole.error?.reason).toBe(expected.reason)
          expect(whole.received.length).toBe(expected.messages.length)
          whole.received.forEach((r, i) => {
            const want = expected.messages[i]!
            expect(r.message._tag).toBe(want._tag)
            const got = Either.getOrThrow(Message.encodePayloadEither(r.message, { version }))
            expect(Hash.equals(got, Either.getOrThrow(Message.encodePayloadEither(want, { version })))).toBe(true)
          })
          if (expected.reason === undefined) expect(whole.bufferedBytes).toBe(0)
          if (frames.every((f) => f.muts.length === 0 && f.command === null) && version === ProtocolVersion.CURRENT) {
            // Untouched frames decode to exactly what was encoded.
            expect(whole.error).toBeUndefined()
            whole.received.forEach((r, i) => {
              expect(Hash.equals(assertMessage(r.command, r.message, version, where), corpus[frames[i]!.seed]!.payload)).toBe(true)
            })
          }
        }
      }),
      { numRuns: runs(24_000) }
    )
  }, TIMEOUT)

  it("mutated payloads straight into every codec, with huge counts in every place", () => {
    const arb = fc.record({
      seed: fc.nat({ max: corpus.length - 1 }),
      muts: fc.array(payloadMutation, { minLength: 1, maxLength: 4 }),
      command: fc.option(fc.constantFrom(...COMMANDS), { freq: 4 }),
      version: versionArb
    })
    fc.assert(
      fc.property(arb, ({ command, muts, seed, version }) => {
        cases++
        codecInputs++
        const s = corpus[seed]!
        const cmd = command ?? s.command
        const payload = mutatePayload(s.payload, muts)
        let d: Either.Either<Message.NetworkMessage, WireError>
        try {
          d = Message.decodePayloadEither(cmd, payload, { version })
        } catch (e) {
          throw new Error(`decodePayloadEither threw for ${cmd}: ${e instanceof Error ? e.stack : String(e)}`)
        }
        if (Either.isLeft(d)) tally(`codec-error:${assertWireError(d.left, cmd).reason}`)
        else {
          tally("codec-decoded")
          assertMessage(cmd, d.right, version, cmd)
        }
      }),
      { numRuns: runs(50_000) }
    )
  }, TIMEOUT)

  it("random bytes: pure garbage, garbage after a valid magic, and random headers", () => {
    const garbage = fc.uint8Array({ maxLength: 256 })
    const withMagic = fc.uint8Array({ maxLength: 200 }).map((b) => concat(MAGIC, b))
    // A well-formed header (known or random printable command, random length, random checksum) and random bytes.
    const header = fc
      .record({
        command: fc.oneof(fc.constantFrom(...COMMANDS), fc.stringMatching(/^[ -~]{1,12}$/)),
        payload: fc.uint8Array({ maxLength: 160 }),
        length: fc.option(fc.integer({ min: 0, max: 0xffff_ffff }), { freq: 3 }),
        goodSum: fc.boolean()
      })
      .map(({ command, goodSum, length, payload }) => {
        const f = Frame.encodeRaw(MAGIC, command, payload)
        if (length !== null) new DataView(f.buffer).setUint32(16, length, true)
        if (!goodSum) f[20] = f[20]! ^ 0x5a
        return f
      })
    const arb = fc.record({
      bytes: fc.oneof(garbage, withMagic, header),
      cuts: fc.array(fc.nat(), { maxLength: 6 }),
      version: versionArb
    })
    fc.assert(
      fc.property(arb, ({ bytes, cuts, version }) => {
        cases++
        frameInputs++
        const whole = feed([bytes], version, "random bytes")
        tallyOutcome(whole)
        assertSameOutcome(whole, feed(chunkStream(bytes, cuts, false), version, "random bytes"), "random bytes")
        checkOutcome(whole, version, "random bytes")
      }),
      { numRuns: runs(20_000) }
    )
  }, TIMEOUT)

  it("random payloads, rich in CompactSize prefixes, into every codec", () => {
    const byte = fc.oneof({ weight: 4, arbitrary: fc.integer({ min: 0, max: 255 }) }, fc.constantFrom(0, 0xfd, 0xfe, 0xff))
    const payload = fc.oneof(
      fc.array(byte, { maxLength: 200 }).map((b) => Uint8Array.from(b)),
      fc
        .tuple(fc.uint8Array({ maxLength: 90 }), hostileCompactSize, fc.uint8Array({ maxLength: 90 }))
        .map(([a, c, b]) => concat(a, Uint8Array.from(c), b))
    )
    fc.assert(
      fc.property(fc.constantFrom(...COMMANDS), payload, versionArb, (command, bytes, version) => {
        cases++
        codecInputs++
        let d: Either.Either<Message.NetworkMessage, WireError>
        try {
          d = Message.decodePayloadEither(command, bytes, { version })
        } catch (e) {
          throw new Error(`decodePayloadEither threw for ${command}: ${e instanceof Error ? e.stack : String(e)}`)
        }
        if (Either.isLeft(d)) tally(`codec-error:${assertWireError(d.left, command).reason}`)
        else {
          tally("codec-decoded")
          assertMessage(command, d.right, version, command)
        }
      }),
      { numRuns: runs(20_000) }
    )
  }, TIMEOUT)

  it("freshly generated messages of every type survive framing, any chunking, and a duplicate", () => {
    const arb = fc
      .constantFrom(...Message.definitions)
      .chain((def) => (Arbitrary.make(def.schema as any) as fc.Arbitrary<Message.NetworkMessage>))
      .filter((m) => Either.isRight(Message.encodePayloadEither(m)))
    fc.assert(
      fc.property(arb, fc.array(fc.nat(), { maxLength: 8 }), (message, cuts) => {
        cases++
        frameInputs += 2
        const frame = Frame.encode(MAGIC, message)
        const stream = concat(frame, frame)
        const whole = feed([stream], ProtocolVersion.CURRENT, message._tag)
        tallyOutcome(whole)
        assertSameOutcome(whole, feed(chunkStream(stream, cuts, false), ProtocolVersion.CURRENT, message._tag), message._tag)
        expect(whole.error).toBeUndefined()
        expect(whole.received.length).toBe(2)
        const payload = Either.getOrThrow(Message.encodePayloadEither(message))
        for (const r of whole.received) {
          expect(Hash.equals(assertMessage(r.command, r.message, ProtocolVersion.CURRENT, message._tag), payload)).toBe(true)
        }
      }),
      { numRuns: runs(2_000) }
    )
  }, TIMEOUT)

  it("systematically: every prefix of every corpus payload, and a huge count at every offset", () => {
    const hugeCounts = [
      Uint8Array.of(0xfe, 0xff, 0xff, 0xff, 0xff),
      Uint8Array.of(0xff, 0, 0, 0, 0, 1, 0, 0, 0)
    ]
    let n = 0
    for (const s of corpus.filter((_, i) => i % PER_TYPE === 0)) {
      for (let len = 0; len < s.payload.length; len++) {
        const d = Message.decodePayloadEither(s.command, s.payload.subarray(0, len))
        n++
        // A prefix can be a valid message (optional trailing fields); a failure says it is short.
        if (Either.isLeft(d)) {
          expect(["Truncated", "TrailingBytes", "CountTooLarge"]).toContain(assertWireError(d.left, s.command).reason)
        } else {
          assertMessage(s.command, d.right, ProtocolVersion.CURRENT, s.command)
        }
      }
      for (const huge of hugeCounts) {
        for (let at = 0; at < s.payload.length; at++) {
          const p = concat(s.payload.subarray(0, at), huge, s.payload.subarray(at + huge.length))
          const d = Message.decodePayloadEither(s.command, p)
          n++
          if (Either.isLeft(d)) assertWireError(d.left, s.command)
          else assertMessage(s.command, d.right, ProtocolVersion.CURRENT, s.command)
        }
      }
    }
    systematic += n
  })

  it(`ran at least 100,000 fuzz cases`, () => {
    expect(cases).toBeGreaterThanOrEqual(Math.min(100_000, runs(100_000)))
  })
})
