/**
 * Framing: the 24-byte header (magic, NUL-padded command, payload length,
 * checksum) in front of every payload, and a streaming decoder from arbitrary
 * byte chunks to messages.
 *
 * The decoder is "sans-I/O": `FrameDecoder.push` takes bytes and yields
 * zero or more messages; `decodeStream` lifts it over an Effect `Stream`.
 * Checks run cheapest first and before any allocation sized by the peer:
 * frame length cap, magic, command well-formed, per-command cap (at the
 * negotiated version), checksum, payload decode, no trailing bytes. A payload
 * that arrives in one chunk is decoded in place (views, no copy); one that
 * spans chunks is copied once into a buffer of its (already bounded) length.
 * Small chunks that extend buffered data are copied into an owned buffer, so
 * a peer trickling bytes costs bytes, not one retained object per push.
 *
 * @since 0.1.0
 */
import * as Channel from "effect/Channel"
import * as Chunk from "effect/Chunk"
import * as Either from "effect/Either"
import * as Stream from "effect/Stream"
import type { ChainParams } from "./ChainParams.js"
import { ownBuffer } from "../internal/wire/ByteWriter.js"
import { checksumWord, checksumWordFrom } from "../internal/wire/checksum.js"
import { ECHO_SIZE, EchoChecksums as EchoMemory } from "../internal/wire/echoChecksums.js"
import { equals as sameBytes } from "./Hash.js"
import { byCommand, byTag } from "../internal/wire/definitions.js"
import { decodeWithOrError, encodeAfterOrError, type Entry } from "../internal/wire/messageCodec.js"
import * as Message from "./Message.js"
import { WireError } from "./WireError.js"
import type { WireFormat } from "./WireFormat.js"

/**
 * Size of the frame header.
 *
 * @since 0.1.0
 * @category constants
 */
export const HEADER_SIZE = 24
/**
 * Width of the command field.
 *
 * @since 0.1.0
 * @category constants
 */
export const COMMAND_SIZE = 12

/**
 * A decoded frame: the message, its command and its payload size in bytes.
 *
 * @since 0.1.0
 * @category models
 */
export interface Received {
  readonly command: string
  readonly payloadSize: number
  readonly message: Message.NetworkMessage
}

const EchoChecksumsTypeId: unique symbol = Symbol.for("effect-bitcoin-p2p/Frame/EchoChecksums")

/**
 * One connection's memory of its last 8-byte payloads' checksums, one sent
 * and one received, for its `FrameDecoder` (option `echo`) and its
 * `encodeEither` calls to share. A pong echoes its ping's nonce (BIP-0031),
 * so its checksum is the ping's: the peer that answers reuses the checksum
 * it has just verified, and the peer that pinged the one it has just
 * written, instead of hashing the same 8 bytes again. The encoder only uses
 * what the decoder verified, and the decoder only what the encoder wrote:
 * a payload the connection did not send is always hashed when received. A
 * reused checksum is exactly the one hashing gives (all 8 bytes must be
 * equal). One per connection; never shared between connections.
 *
 * @since 0.1.0
 * @category models
 */
export interface EchoChecksums {
  readonly [EchoChecksumsTypeId]: typeof EchoChecksumsTypeId
}

class EchoChecksumsImpl extends EchoMemory implements EchoChecksums {
  readonly [EchoChecksumsTypeId]: typeof EchoChecksumsTypeId = EchoChecksumsTypeId
}

/**
 * A new, empty `EchoChecksums` for one connection.
 *
 * @since 0.1.0
 * @category constructors
 */
export const makeEchoChecksums = (): EchoChecksums => new EchoChecksumsImpl()

/** The memory behind an `EchoChecksums` made by `makeEchoChecksums` (anything else is ignored). */
const echoMemory = (echo: EchoChecksums | undefined): EchoMemory | undefined =>
  echo instanceof EchoChecksumsImpl ? echo : undefined

/**
 * Options of a frame decoder.
 *
 * @since 0.1.0
 * @category models
 */
export interface DecoderOptions {
  /** The network's magic and frame cap, and its wire format (Bitcoin's when absent). */
  readonly params: Pick<ChainParams, "magic" | "maxMessageSize"> & { readonly format?: WireFormat | undefined }
  /**
   * The protocol version in force, read before each message: it gates fields
   * and per-command caps and changes once the handshake completes.
   * Defaults to the current version.
   */
  readonly version?: () => number
  /** The connection's `EchoChecksums`, shared with its encoder (see there). */
  readonly echo?: EchoChecksums | undefined
}

/**
 * The 12 command bytes of the header (NUL-padded): the known commands' from a
 * table, others checked (1 to 12 printable ASCII characters) and built.
 * Throws on a command that cannot be framed.
 */
const commandBytesOf = (command: string): Uint8Array => {
  const known = knownCommandBytes.get(command)
  if (known !== undefined) return known
  if (command.length === 0 || command.length > COMMAND_SIZE) throw new Error(`bad command length: ${command}`)
  const out = new Uint8Array(COMMAND_SIZE)
  for (let i = 0; i < command.length; i++) {
    const c = command.charCodeAt(i)
    if (c < 0x20 || c > 0x7e) throw new Error(`bad command: ${command}`)
    out[i] = c
  }
  return out
}

/**
 * Fills in the header in front of the payload that `frame` already holds:
 * magic, command, length, checksum; every byte of it (the frame may be
 * uninitialised memory). The header is `magic.length + 20` bytes: 24 for
 * every real network.
 */
const writeHeader = (frame: Uint8Array, magic: Uint8Array, command: Uint8Array, echo?: EchoMemory): void => {
  const at = magic.length
  const start = at + COMMAND_SIZE + 8
  for (let i = 0; i < at; i++) frame[i] = magic[i]!
  for (let i = 0; i < COMMAND_SIZE; i++) frame[at + i] = command[i]!
  const length = frame.length - start
  frame[at + 12] = length
  frame[at + 13] = length >>> 8
  frame[at + 14] = length >>> 16
  frame[at + 15] = length >>> 24
  const sum = length === 0
    ? EMPTY_CHECKSUM
    : length === ECHO_SIZE && echo !== undefined
    ? echo.framed(frame, start)
    : checksumWordFrom(frame, start)
  frame[at + 16] = sum >>> 24
  frame[at + 17] = sum >>> 16
  frame[at + 18] = sum >>> 8
  frame[at + 19] = sum
}

/**
 * Frames a raw payload under a command.
 *
 * @since 0.1.0
 * @category encoding
 */
export const encodeRaw = (magic: Uint8Array, command: string, payload: Uint8Array): Uint8Array => {
  const headerSize = magic.length + COMMAND_SIZE + 8
  const frame = new Uint8Array(headerSize + payload.length)
  frame.set(payload, headerSize)
  writeHeader(frame, magic, commandBytesOf(command))
  return frame
}

/**
 * A message's complete frame, or the `EncodeFailed` error: one result
 * object fewer than an `Either` per frame on the hot path.
 */
const frameOrError = (
  magic: Uint8Array,
  message: Message.NetworkMessage,
  ctx: Message.CodecContext,
  echo?: EchoMemory
): Uint8Array | WireError => {
  if (message._tag === "Unknown") {
    try {
      return encodeRaw(magic, message.command, message.payload)
    } catch (e) {
      return new WireError({ reason: "EncodeFailed", command: message.command, detail: String(e) })
    }
  }
  // One lookup for the codec and the command bytes.
  const known = knownByTag.get(message._tag)
  if (known === undefined) {
    const command = Message.commandOf(message)
    return new WireError({ reason: "EncodeFailed", command, detail: `bad command: ${command}` })
  }
  // Written straight after room for the header, in one buffer: no separate payload to copy.
  const frame = encodeAfterOrError(known.entry, message, ctx, magic.length + COMMAND_SIZE + 8)
  if (!(frame instanceof Uint8Array)) return frame
  writeHeader(frame, magic, known.commandBytes, echo)
  return frame
}

/**
 * Encodes a message into a complete frame. Fails with `EncodeFailed` when a
 * value cannot be represented on the wire. `echo`: the connection's
 * `EchoChecksums`, when the frame is for a connection that has one.
 *
 * @since 0.1.0
 * @category encoding
 */
export const encodeEither = (
  magic: Uint8Array,
  message: Message.NetworkMessage,
  ctx: Message.CodecContext = Message.defaultContext,
  echo?: EchoChecksums
): Either.Either<Uint8Array, WireError> => {
  const frame = frameOrError(magic, message, ctx, echoMemory(echo))
  return frame instanceof Uint8Array ? Either.right(frame) : Either.left(frame)
}

/**
 * Encodes a message into a frame, throwing on values that cannot be encoded.
 * Convenient for tests and fixtures; use `encodeEither` for untrusted values.
 *
 * @since 0.1.0
 * @category encoding
 */
export const encode = (
  magic: Uint8Array,
  message: Message.NetworkMessage,
  ctx: Message.CodecContext = Message.defaultContext
): Uint8Array => {
  const frame = frameOrError(magic, message, ctx)
  // Thrown as `Either.getOrThrow` throws it, as before.
  return frame instanceof Uint8Array ? frame : Either.getOrThrow(Either.left(frame))
}

const PreparedTypeId: unique symbol = Symbol.for("effect-bitcoin-p2p/Frame/Prepared")

/**
 * A message to be encoded once and sent many times: to many peers (a
 * broadcast) or again and again. `Peer.send`, `Peer.sendAndAwait` and the
 * dispatcher's sends take it wherever they take a message; each peer uses
 * the frame for its network and negotiated version, so the message is
 * encoded at most once per (magic, version) however many peers it goes to.
 * Frames are shared, never copied or changed.
 *
 * @since 0.1.0
 * @category models
 */
export interface Prepared {
  readonly [PreparedTypeId]: typeof PreparedTypeId
  readonly message: Message.NetworkMessage
  /**
   * The frame for `magic` at protocol `version` in wire `format` (Bitcoin's
   * when absent; encoded on first use, then kept).
   */
  readonly frame: (magic: Uint8Array, version: number, format?: WireFormat) => Either.Either<Uint8Array, WireError>
  /**
   * The payload alone, for transports without v1's header (BIP324 v2): no
   * checksum is computed for it. A view of a frame already encoded for this
   * version and format, else encoded on first use, then kept.
   */
  readonly payload: (version: number, format?: WireFormat) => Either.Either<Uint8Array, WireError>
}

/**
 * A message or a prepared one: what a peer can send.
 *
 * @since 0.1.0
 * @category models
 */
export type Sendable = Message.NetworkMessage | Prepared

/**
 * Prepares `message` for sending many times (see `Prepared`).
 *
 * @since 0.1.0
 * @category constructors
 */
export const prepare = (message: Message.NetworkMessage): Prepared => {
  // Usually one entry: every peer of a network speaks the same version.
  const frames: Array<{
    readonly magic: Uint8Array
    readonly version: number
    readonly format: WireFormat | undefined
    readonly frame: Either.Either<Uint8Array, WireError>
  }> = []
  const payloads: Array<{
    readonly version: number
    readonly format: WireFormat | undefined
    readonly payload: Either.Either<Uint8Array, WireError>
  }> = []
  return {
    [PreparedTypeId]: PreparedTypeId,
    message,
    frame: (magic, version, format) => {
      for (const f of frames) {
        if (f.version === version && f.format === format && sameBytes(f.magic, magic)) return f.frame
      }
      const frame = encodeEither(magic, message, { version, format })
      frames.push({ magic, version, format, frame })
      return frame
    },
    payload: (version, format) => {
      for (const p of payloads) {
        if (p.version === version && p.format === format) return p.payload
      }
      // A v1 frame of any network holds the same payload after its header: no second encoding.
      const framed = frames.find((f) => f.version === version && f.format === format)
      const payload = framed !== undefined
        ? Either.map(framed.frame, (frame) => frame.subarray(framed.magic.length + COMMAND_SIZE + 8))
        : Message.encodePayloadEither(message, { version, format })
      payloads.push({ version, format, payload })
      return payload
    }
  }
}

/**
 * Whether `u` is a `Prepared` message.
 *
 * @since 0.1.0
 * @category predicates
 */
export const isPrepared = (u: unknown): u is Prepared => typeof u === "object" && u !== null && PreparedTypeId in u

/**
 * The message a `Sendable` carries.
 *
 * @since 0.1.0
 * @category utils
 */
export const messageOf = (s: Sendable): Message.NetworkMessage => (isPrepared(s) ? s.message : s)

/**
 * The push-based frame decoder. Feed it chunks; it returns the messages they
 * complete. After an error it stays failed: a byte stream cannot be
 * resynchronised once a frame is wrong.
 *
 * @since 0.1.0
 * @category models
 */
export class FrameDecoder {
  private readonly magic: Uint8Array
  private readonly maxMessageSize: number
  private readonly format: WireFormat | undefined
  private readonly version: () => number
  private readonly echo: EchoMemory | undefined
  private chunks: Array<Uint8Array> = []
  private head = 0
  private buffered = 0
  /** Owned buffer small chunks are copied into; `spare[spareStart, spareEnd)` is the last chunk while `spareStart >= 0`. */
  private spare: Uint8Array = EMPTY
  private spareStart = -1
  private spareEnd = 0
  private command: string | undefined = undefined
  /** The codec of `command` when it is known (found with the command, in one lookup). */
  private entry: Entry | undefined = undefined
  /** The ArrayBuffer and byte offset of the payload `take` last returned as a view, for its reader; cleared after. */
  private takenBuffer: ArrayBufferLike | undefined = undefined
  private takenBase = 0
  /** The context of the last message decoded, kept while the version stays: not one object per message. */
  private context: Message.CodecContext
  private length = 0
  /** The header's checksum as a big-endian int32, as `checksumWord` gives it. */
  private checksum = 0
  private failed: WireError | undefined = undefined

  constructor(options: DecoderOptions) {
    this.magic = options.params.magic
    this.maxMessageSize = options.params.maxMessageSize
    this.format = options.params.format
    this.version = options.version ?? (() => Message.defaultContext.version)
    this.echo = echoMemory(options.echo)
    // Replaced at the first message (no version is negative); the callback is not called before then.
    this.context = { version: -1, format: this.format }
  }

  /** Bytes received but not yet part of a decoded message. */
  get bufferedBytes(): number {
    return this.buffered
  }

  /**
   * Bytes still to arrive before the message being received is complete,
   * once its header has been read and passed its checks; 0 between messages,
   * before a header is whole, and after an error. A chunk shorter than this
   * only extends that message: `push` holds it (within the frame's checked
   * length) and completes nothing.
   *
   * @since 0.2.0
   */
  get awaitingBytes(): number {
    return this.command === undefined || this.failed !== undefined ? 0 : this.length - this.buffered
  }

  /**
   * Adds a chunk; appends every completed message to `out`. Returns the error
   * that ends the stream, if any (messages completed before it are in `out`).
   *
   * @since 0.1.0
   */
  push(chunk: Uint8Array, out: Array<Received>): WireError | undefined {
    if (this.failed !== undefined) return this.failed
    if (chunk.length > 0) {
      this.append(chunk)
      this.buffered += chunk.length
    }
    for (;;) {
      if (this.command === undefined) {
        if (this.buffered < HEADER_SIZE) return undefined
        const error = this.readHeader()
        if (error !== undefined) return this.fail(error)
      }
      if (this.buffered < this.length) return undefined
      const command = this.command!
      const entry = this.entry
      const payload = this.take(this.length)
      // Handed to the payload's reader below, and not kept: the decoder holds no chunk it has finished with.
      const buffer = this.takenBuffer
      this.takenBuffer = undefined
      this.command = undefined
      this.entry = undefined
      const sum = payload.length === 0
        ? EMPTY_CHECKSUM
        : payload.length === ECHO_SIZE && this.echo !== undefined
        ? this.echo.received(payload)
        : checksumWord(payload)
      if (sum !== this.checksum) {
        return this.fail(new WireError({ reason: "BadChecksum", command, detail: `payload of ${payload.length} bytes` }))
      }
      // What `Message.decodePayloadEither` does, without looking the command up again or an `Either` per message.
      let message: Message.NetworkMessage | WireError
      if (entry === undefined) {
        message = { _tag: "Unknown", command, payload }
      } else {
        const version = this.version()
        if (version !== this.context.version) this.context = { version, format: this.format }
        message = decodeWithOrError(entry, payload, this.context, buffer, this.takenBase)
        if (message instanceof WireError) return this.fail(message)
      }
      out.push({ command, payloadSize: payload.length, message })
    }
  }

  /**
   * Ends the stream: keeps the error, drops whatever was buffered.
   *
   * @internal
   */
  private fail(error: WireError): WireError {
    this.failed = error
    this.chunks = []
    this.head = 0
    this.buffered = 0
    this.spare = EMPTY
    this.spareStart = -1
    return error
  }

  /**
   * Buffers a chunk. One that is small and extends buffered data is copied
   * into the spare buffer (growing the last chunk) rather than kept as one
   * more view, so one-byte pushes cost one byte each.
   *
   * @internal
   */
  private append(chunk: Uint8Array): void {
    const n = chunk.length
    if (n >= COALESCE_BELOW || this.buffered === 0) {
      this.chunks.push(chunk)
      this.spareStart = -1
      return
    }
    if (this.spareEnd + n > this.spare.length) {
      this.spare = new Uint8Array(SPARE_SIZE)
      this.spareEnd = 0
      this.spareStart = -1
    }
    this.spare.set(chunk, this.spareEnd)
    if (this.spareStart < 0) {
      this.spareStart = this.spareEnd
      this.spareEnd += n
      this.chunks.push(this.spare.subarray(this.spareStart, this.spareEnd))
    } else {
      this.spareEnd += n
      this.chunks[this.chunks.length - 1] = this.spare.subarray(this.spareStart, this.spareEnd)
    }
  }

  /**
   * Consumes the buffered header (at least `HEADER_SIZE` bytes are buffered).
   *
   * @internal
   */
  private readHeader(): WireError | undefined {
    // The header nearly always sits in one chunk: read it in place, no view, no reader.
    let h = this.chunks[0]!
    let o = this.head
    if (h.length - o >= HEADER_SIZE) {
      this.skip(HEADER_SIZE)
    } else {
      h = this.take(HEADER_SIZE)
      o = 0
    }
    const length = (h[o + 16]! | (h[o + 17]! << 8) | (h[o + 18]! << 16) | (h[o + 19]! << 24)) >>> 0
    if (length > this.maxMessageSize) {
      return new WireError({ reason: "OversizedFrame", expected: this.maxMessageSize, actual: length })
    }
    const m = this.magic
    if (h[o] !== m[0] || h[o + 1] !== m[1] || h[o + 2] !== m[2] || h[o + 3] !== m[3]) {
      return new WireError({ reason: "BadMagic", expected: hex(m), actual: hex(h.subarray(o, o + 4)) })
    }
    const parsed = parseCommand(h, o + 4)
    if (parsed === undefined) return new WireError({ reason: "BadCommand", actual: hex(h.subarray(o + 4, o + 4 + COMMAND_SIZE)) })
    const command = typeof parsed === "string" ? parsed : parsed.command
    const entry = typeof parsed === "string" ? byCommand.get(command) : parsed.entry
    if (entry !== undefined) {
      const cap = entry.def.maxPayload(this.version(), this.format)
      if (length > cap) return new WireError({ reason: "OversizedPayload", command, expected: cap, actual: length })
    }
    this.command = command
    this.entry = entry
    this.length = length
    this.checksum = (h[o + 20]! << 24) | (h[o + 21]! << 16) | (h[o + 22]! << 8) | h[o + 23]!
    return undefined
  }

  /**
   * Drops `n` buffered bytes that sit in the first chunk.
   *
   * @internal
   */
  private skip(n: number): void {
    this.buffered -= n
    this.head += n
    if (this.head === this.chunks[0]!.length) {
      this.chunks.shift()
      this.head = 0
    }
  }

  /**
   * Takes `n` buffered bytes: a view when they sit in one chunk, else one copy.
   * Either way a plain `Uint8Array`, even when the chunks are `Buffer`s (as
   * sockets give them): so the payload readers only ever see one kind of
   * array (one map at every element load: no deoptimisation when a process
   * meets the other kind later, no polymorphic loads), and the view is made
   * by the constructor, not by `Buffer#subarray`'s species lookup.
   *
   * @internal
   */
  private take(n: number): Uint8Array {
    this.takenBuffer = undefined
    if (n === 0) return EMPTY
    const first = this.chunks[0]!
    const head = this.head
    if (first.length - head >= n) {
      this.skip(n)
      const buffer = first.buffer
      const base = first.byteOffset + head
      this.takenBuffer = buffer
      this.takenBase = base
      return new Uint8Array(buffer, base, n)
    }
    this.buffered -= n
    // Every byte of it is copied in below: a large one (a block) need not be zeroed first (~5% of copying it).
    const out = n >= UNZEROED_FROM ? ownBuffer(n) : new Uint8Array(n)
    let filled = 0
    let used = 0
    while (filled < n) {
      const c = this.chunks[used]!
      const take = Math.min(c.length - this.head, n - filled)
      out.set(c.subarray(this.head, this.head + take), filled)
      filled += take
      this.head += take
      if (this.head === c.length) {
        used++
        this.head = 0
      }
    }
    // One splice, not a shift per chunk: a payload trickled in many chunks stays linear.
    this.chunks.splice(0, used)
    return out
  }
}

const EMPTY = new Uint8Array(0)
/**
 * The checksum of an empty payload (`verack`, `getaddr`, `sendheaders`, …),
 * computed once: hashing nothing is most of the cost of framing or checking
 * an empty message.
 */
const EMPTY_CHECKSUM = checksumWord(EMPTY)
/**
 * A payload spanning chunks of at least this many bytes is copied into
 * uninitialised memory (`ownBuffer`); smaller ones into `new Uint8Array`,
 * which V8 allocates cheaply and zeroes in no time at that size.
 */
const UNZEROED_FROM = 4096
/** Chunks shorter than this that extend buffered data are copied into the spare buffer. */
const COALESCE_BELOW = 1024
const SPARE_SIZE = 16 * 1024

const hex = (b: Uint8Array): string => Array.from(b, (x) => x.toString(16).padStart(2, "0")).join("")

/** A known command: its interned string and its codec. */
interface KnownCommand {
  readonly command: string
  readonly entry: Entry
}

/**
 * The known commands by a hash of their bytes, so that parsing one returns the
 * same interned string every time, with its codec: no string is built per
 * frame (building one costs more than the rest of the header), and no `Map`
 * is searched by it afterwards. Unknown commands are built each time, never
 * cached, so a peer cannot grow this table.
 */
const knownCommands = new Map<number, KnownCommand>()

const commandHash = (b: Uint8Array, start: number, end: number): number => {
  let h = 0
  for (let i = start; i < end; i++) h = (Math.imul(h, 31) + b[i]!) | 0
  return h
}

/**
 * The command in `b[o, o + COMMAND_SIZE)`: printable ASCII then NUL padding
 * only; at least one character. A known one comes with its codec; any other
 * is built as a string.
 */
const parseCommand = (b: Uint8Array, o: number): KnownCommand | string | undefined => {
  const last = o + COMMAND_SIZE
  let end = o
  while (end < last && b[end] !== 0) {
    const c = b[end]!
    if (c < 0x20 || c > 0x7e) return undefined
    end++
  }
  if (end === o) return undefined
  for (let i = end; i < last; i++) if (b[i] !== 0) return undefined
  const known = knownCommands.get(commandHash(b, o, end))
  if (known !== undefined && known.command.length === end - o) {
    const command = known.command
    let same = true
    for (let i = 0; i < command.length; i++) if (command.charCodeAt(i) !== b[o + i]) same = false
    if (same) return known
  }
  return String.fromCharCode.apply(null, b.subarray(o, end) as unknown as Array<number>)
}

/** The known commands' 12 header bytes (NUL-padded), checked once here rather than at every encode. */
const knownCommandBytes = new Map<string, Uint8Array>()

const padded = (command: Uint8Array): Uint8Array => {
  const out = new Uint8Array(COMMAND_SIZE)
  out.set(command.subarray(0, COMMAND_SIZE))
  return out
}

/** Each known message's codec and header command bytes, by tag: what encoding a frame looks up. */
const knownByTag = new Map<string, { readonly entry: Entry; readonly commandBytes: Uint8Array }>()

for (const def of Message.definitions) {
  const bytes = Uint8Array.from(def.command, (ch) => ch.charCodeAt(0))
  const known: KnownCommand = { command: def.command, entry: byCommand.get(def.command)! }
  knownCommands.set(commandHash(bytes, 0, bytes.length), known)
  const commandBytes = padded(bytes)
  if (parseCommand(commandBytes, 0) === known) {
    knownCommandBytes.set(def.command, commandBytes)
    knownByTag.set(def._tag, { entry: byTag.get(def._tag)!, commandBytes })
  }
}

/**
 * Decodes a whole buffer that holds exactly one frame.
 *
 * @since 0.1.0
 * @category decoding
 */
export const decodeOne = (
  bytes: Uint8Array,
  options: DecoderOptions
): Either.Either<Received, WireError> => {
  const out: Array<Received> = []
  const decoder = new FrameDecoder(options)
  const error = decoder.push(bytes, out)
  if (error !== undefined) return Either.left(error)
  if (out.length === 0) {
    return Either.left(new WireError({ reason: "Truncated", detail: `no whole frame in ${bytes.length} bytes` }))
  }
  if (out.length > 1 || decoder.bufferedBytes !== 0) {
    return Either.left(
      new WireError({ reason: "TrailingBytes", command: out[0]!.command, detail: `bytes after the first frame (${out.length} frames, ${decoder.bufferedBytes} more bytes)` })
    )
  }
  return Either.right(out[0]!)
}

/**
 * Lifts the frame decoder over a byte stream: chunks of any size in,
 * messages out. The stream fails with `WireError` at the first bad frame,
 * after emitting every message before it.
 *
 * @since 0.1.0
 * @category decoding
 */
export const decodeStream = (options: DecoderOptions) =>
<E, R>(self: Stream.Stream<Uint8Array, E, R>): Stream.Stream<Received, E | WireError, R> =>
  Stream.pipeThroughChannel(
    self,
    Channel.suspend(() => {
      const decoder = new FrameDecoder(options)
      const loop: Channel.Channel<Chunk.Chunk<Received>, Chunk.Chunk<Uint8Array>, E | WireError, E, void, unknown> =
        Channel.readWithCause({
          onInput: (input: Chunk.Chunk<Uint8Array>) => {
            const out: Array<Received> = []
            let error: WireError | undefined
            for (const chunk of input) {
              error = decoder.push(chunk, out)
              if (error !== undefined) break
            }
            const next = error === undefined ? loop : Channel.fail(error)
            return out.length === 0 ? next : Channel.zipRight(Channel.write(Chunk.unsafeFromArray(out)), next)
          },
          onFailure: Channel.failCause,
          onDone: () => Channel.void
        })
      return loop
    })
  )
