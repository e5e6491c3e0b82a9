/**
 * Shared pieces of the hostile-input tests: a corpus of valid frames of every
 * message type, mutation arbitraries, and the oracles every decoded input must
 * satisfy (a typed `WireError` with a known reason, or messages that re-encode
 * to themselves; never an exception).
 */
import * as Arbitrary from "effect/Arbitrary"
import * as Either from "effect/Either"
import * as fc from "effect/FastCheck"
import * as ChainParams from "../../src/wire/ChainParams.js"
import * as Frame from "../../src/wire/Frame.js"
import * as Hash from "../../src/wire/Hash.js"
import * as Message from "../../src/wire/Message.js"
import * as ProtocolVersion from "../../src/wire/ProtocolVersion.js"
import { WireError, type WireErrorReason } from "../../src/wire/WireError.js"
import { concat } from "./wire.js"

export const params = ChainParams.regtest
export const MAGIC = params.magic

/** Every reason a decode may fail with (`EncodeFailed` is for encoding only). */
export const DECODE_REASONS: ReadonlySet<WireErrorReason> = new Set<WireErrorReason>([
  "OversizedFrame",
  "BadMagic",
  "BadCommand",
  "OversizedPayload",
  "BadChecksum",
  "Truncated",
  "NonCanonicalCompactSize",
  "CountTooLarge",
  "InvalidValue",
  "TrailingBytes"
])

/**
 * `Message.toWireError` turns any exception that is not a `DecodeFailure`
 * into `InvalidValue` with `String(e)` as detail. A detail that reads like a
 * JavaScript exception (`RangeError: …`, `TypeError: …`) means a codec
 * crashed and the crash was masked: that is a bug, not a typed failure.
 */
const MASKED_EXCEPTION = /^(?:[A-Z][A-Za-z]*)?Error\b/

/** Asserts a typed decode failure; throws (failing the property) otherwise. */
export const assertWireError = (e: unknown, where: string): WireError => {
  if (!(e instanceof WireError)) throw new Error(`${where}: expected a WireError, got ${String(e)}`)
  if (!DECODE_REASONS.has(e.reason)) throw new Error(`${where}: unexpected reason ${e.reason} (${e.message})`)
  if (e.reason === "InvalidValue" && MASKED_EXCEPTION.test(e.detail ?? "")) {
    throw new Error(`${where}: a JavaScript exception was masked as InvalidValue: ${e.detail}`)
  }
  return e
}

/** Decoded messages whose var strings held invalid UTF-8 and grew past their cap on re-encoding. */
export let lossyStrings = 0

const hasReplacementChar = (m: object): boolean =>
  Object.values(m).some((v) => typeof v === "string" && v.includes("\uFFFD"))

/**
 * A decoded message must be what its command says and must survive
 * encode → decode → encode unchanged (the codec and its inverse agree on
 * everything the decoder accepts). Returns the re-encoded payload.
 */
export const assertMessage = (command: string, m: Message.NetworkMessage, version: number, where: string): Uint8Array => {
  const def = Message.definitionForCommand(command)
  if (def === undefined) {
    if (m._tag !== "Unknown" || m.command !== command) throw new Error(`${where}: ${command} should decode to Unknown`)
  } else if (m._tag !== def._tag) {
    throw new Error(`${where}: ${command} decoded to ${m._tag}`)
  }
  const ctx = { version }
  const e1 = Message.encodePayloadEither(m, ctx)
  if (Either.isLeft(e1)) throw new Error(`${where}: a decoded ${command} does not re-encode: ${e1.left.message}`)
  const d2 = Message.decodePayloadEither(command, e1.right, ctx)
  if (Either.isLeft(d2) && d2.left.reason === "CountTooLarge" && hasReplacementChar(m)) {
    // Known and accepted: var strings decode lossily (invalid UTF-8 becomes
    // U+FFFD, 3 bytes), so a string at its byte cap can re-encode past it.
    lossyStrings++
    return e1.right
  }
  if (Either.isLeft(d2)) throw new Error(`${where}: a re-encoded ${command} does not decode: ${d2.left.message}`)
  const e2 = Message.encodePayloadEither(d2.right, ctx)
  if (Either.isLeft(e2) || !Hash.equals(e2.right, e1.right)) throw new Error(`${where}: ${command} is not stable under re-encoding`)
  return e1.right
}

// ---------------------------------------------------------------------------
// Corpus: valid messages of every type, built from their schemas' arbitraries

/**
 * Older codecs could not write `addrv2` service flags past 2^32 although the
 * schema admits 64 bits; mask them only if this codec refuses them.
 */
const encodable = (m: any): Message.NetworkMessage =>
  m._tag === "AddrV2" && Either.isLeft(Message.encodePayloadEither(m))
    ? { ...m, addresses: m.addresses.map((a: any) => ({ ...a, services: a.services & 0xffff_ffffn })) }
    : m

export interface Seed {
  readonly command: string
  readonly tag: string
  readonly message: Message.NetworkMessage
  readonly payload: Uint8Array
}

export const buildCorpus = (perType: number, seed = 0x5eed): ReadonlyArray<Seed> => {
  const out: Array<Seed> = []
  Message.definitions.forEach((def, i) => {
    const arb = Arbitrary.make(def.schema as any) as fc.Arbitrary<any>
    for (const m of fc.sample(arb, { numRuns: perType, seed: seed + i })) {
      const message = encodable(m)
      const payload = Either.getOrThrow(Message.encodePayloadEither(message))
      out.push({ command: def.command, tag: def._tag, message, payload })
    }
  })
  // A command this library does not know: kept as Unknown, never fatal.
  for (const payload of fc.sample(fc.uint8Array({ maxLength: 64 }), { numRuns: 4, seed })) {
    out.push({ command: "futurecmd", tag: "Unknown", message: { _tag: "Unknown", command: "futurecmd", payload }, payload })
  }
  return out
}

export const COMMANDS: ReadonlyArray<string> = Message.definitions.map((d) => d.command)

/** Versions a connection may be at: the current one most of the time. */
export const versionArb = fc.constantFrom(
  ProtocolVersion.CURRENT,
  ProtocolVersion.CURRENT,
  ProtocolVersion.CURRENT,
  ProtocolVersion.CURRENT,
  209,
  ProtocolVersion.ADDR_TIME,
  60000,
  ProtocolVersion.BIP0037
)

// ---------------------------------------------------------------------------
// Mutations

const u16le = (v: number) => [v & 0xff, (v >>> 8) & 0xff]
const u32le = (v: number) => [v & 0xff, (v >>> 8) & 0xff, (v >>> 16) & 0xff, (v >>> 24) & 0xff]
const u64le = (v: bigint) => Array.from({ length: 8 }, (_, i) => Number((v >> BigInt(8 * i)) & 0xffn))

/** CompactSize encodings of huge, boundary and non-canonical counts. */
export const hostileCompactSize: fc.Arbitrary<ReadonlyArray<number>> = fc.oneof(
  fc.constantFrom<ReadonlyArray<number>>(
    [0xfe, ...u32le(0xffff_ffff)], // 2^32 - 1
    [0xff, ...u64le(2n ** 32n)], // 2^32: past anything countable
    [0xff, ...u64le(2n ** 64n - 1n)],
    [0xff, ...u64le(2n ** 53n + 1n)],
    [0xfe, ...u32le(0x8000_0000)],
    [0xfe, ...u32le(0x0100_0000)],
    [0xfe, ...u32le(0x0001_0000)], // smallest canonical 0xfe
    [0xfd, ...u16le(0xffff)],
    [0xfd, ...u16le(0x00fd)], // smallest canonical 0xfd
    [0xfd, ...u16le(0x00fc)], // non-canonical
    [0xfe, ...u32le(0xffff)], // non-canonical
    [0xff, ...u64le(0xffff_ffffn)] // non-canonical
  ),
  fc.integer({ min: 0, max: 0xffff }).map((v) => [0xfd, ...u16le(v)]),
  fc.integer({ min: 0, max: 0xffff_ffff }).map((v) => [0xfe, ...u32le(v)]),
  fc.bigUint(2n ** 64n - 1n).map((v) => [0xff, ...u64le(v)])
)

/** Where counts and lengths sit in common payloads (start, after a hash, after a header, …). */
const countOffset = fc.oneof(
  { weight: 2, arbitrary: fc.nat({ max: 4096 }) },
  { weight: 1, arbitrary: fc.constantFrom(0, 1, 4, 5, 8, 9, 32, 33, 36, 37, 41, 45, 65, 66, 80, 81, 84, 88, 89, 95) }
)

export type PayloadMutation =
  | { readonly k: "flip"; readonly pos: number; readonly bit: number }
  | { readonly k: "set"; readonly pos: number; readonly byte: number }
  | { readonly k: "truncate"; readonly keep: number }
  | { readonly k: "extend"; readonly bytes: Uint8Array }
  | { readonly k: "splice"; readonly pos: number; readonly del: number; readonly bytes: Uint8Array }
  | { readonly k: "count"; readonly pos: number; readonly bytes: ReadonlyArray<number>; readonly insert: boolean }
  | { readonly k: "repeat"; readonly pos: number; readonly len: number }

export const payloadMutation: fc.Arbitrary<PayloadMutation> = fc.oneof(
  fc.record({ k: fc.constant("flip" as const), pos: fc.nat(), bit: fc.nat({ max: 7 }) }),
  fc.record({ k: fc.constant("set" as const), pos: fc.nat(), byte: fc.constantFrom(0, 0xfd, 0xfe, 0xff, 0x80, 1) }),
  fc.record({ k: fc.constant("truncate" as const), keep: fc.nat() }),
  fc.record({ k: fc.constant("extend" as const), bytes: fc.uint8Array({ minLength: 1, maxLength: 40 }) }),
  fc.record({
    k: fc.constant("splice" as const),
    pos: fc.nat(),
    del: fc.nat({ max: 16 }),
    bytes: fc.uint8Array({ maxLength: 16 })
  }),
  { weight: 3, arbitrary: fc.record({ k: fc.constant("count" as const), pos: countOffset, bytes: hostileCompactSize, insert: fc.boolean() }) },
  fc.record({ k: fc.constant("repeat" as const), pos: fc.nat(), len: fc.nat({ max: 64 }) })
)

/** Applies mutations to a copy; positions wrap around the current length. */
export const mutatePayload = (payload: Uint8Array, muts: ReadonlyArray<PayloadMutation>): Uint8Array => {
  let b: Uint8Array = payload.slice()
  for (const m of muts) {
    const n = b.length
    switch (m.k) {
      case "flip":
        if (n > 0) b[m.pos % n] = b[m.pos % n]! ^ (1 << m.bit)
        break
      case "set":
        if (n > 0) b[m.pos % n] = m.byte
        break
      case "truncate":
        b = b.slice(0, m.keep % (n + 1))
        break
      case "extend":
        b = concat(b, m.bytes)
        break
      case "splice": {
        const p = m.pos % (n + 1)
        b = concat(b.subarray(0, p), m.bytes, b.subarray(Math.min(n, p + m.del)))
        break
      }
      case "count": {
        const p = m.pos % (n + 1)
        const cs = Uint8Array.from(m.bytes)
        b = m.insert
          ? concat(b.subarray(0, p), cs, b.subarray(p))
          : concat(b.subarray(0, p), cs, b.subarray(Math.min(n, p + cs.length)))
        break
      }
      case "repeat": {
        const p = m.pos % (n + 1)
        const e = Math.min(n, p + m.len)
        b = concat(b.subarray(0, e), b.subarray(p, e), b.subarray(e))
        break
      }
    }
  }
  return b
}

/** Random chunk boundaries (duplicates give empty pushes). */
export const chunkStream = (bytes: Uint8Array, cuts: ReadonlyArray<number>, bytewise: boolean): Array<Uint8Array> => {
  if (bytewise) return Array.from({ length: bytes.length }, (_, i) => bytes.subarray(i, i + 1))
  const at = cuts.map((c) => c % (bytes.length + 1)).sort((a, b) => a - b)
  const out: Array<Uint8Array> = []
  let prev = 0
  for (const c of at) {
    out.push(bytes.subarray(prev, c))
    prev = c
  }
  out.push(bytes.subarray(prev))
  return out
}

// ---------------------------------------------------------------------------
// Running a decoder

export interface Outcome {
  readonly received: ReadonlyArray<Frame.Received>
  readonly error: WireError | undefined
  readonly bufferedBytes: number
}

/**
 * Pushes the chunks through a fresh decoder. Any exception out of `push` is a
 * failure. After the first error, every further push (the rest of the chunks
 * and a valid frame) must return the very same error and yield nothing.
 */
export const feed = (chunks: ReadonlyArray<Uint8Array>, version: number, where: string): Outcome => {
  const decoder = new Frame.FrameDecoder({ params, version: () => version })
  const received: Array<Frame.Received> = []
  let error: WireError | undefined
  const push = (c: Uint8Array): WireError | undefined => {
    try {
      return decoder.push(c, received)
    } catch (e) {
      throw new Error(`${where}: push threw ${e instanceof Error ? e.stack : String(e)}`)
    }
  }
  for (const c of chunks) {
    const r = push(c)
    if (error !== undefined) {
      if (r !== error) throw new Error(`${where}: a failed decoder returned ${String(r)} instead of its error`)
    } else if (r !== undefined) {
      error = assertWireError(r, where)
    }
  }
  if (error !== undefined) {
    const n = received.length
    if (push(VERACK_FRAME) !== error || push(new Uint8Array(0)) !== error || received.length !== n) {
      throw new Error(`${where}: a failed decoder did not stay failed`)
    }
  }
  return { received, error, bufferedBytes: decoder.bufferedBytes }
}

export const VERACK_FRAME = Frame.encodeRaw(MAGIC, "verack", new Uint8Array(0))
