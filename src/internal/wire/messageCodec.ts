import * as Either from "effect/Either"
import type { CodecContext, NetworkMessage, Unknown } from "../../wire/Message.js"
import { WireError } from "../../wire/WireError.js"
import { ByteReader } from "./ByteReader.js"
import { ByteWriter } from "./ByteWriter.js"
import { DecodeFailure } from "./DecodeFailure.js"
import type { MessageDef } from "../../wire/Message.js"
import { codecOf, type MessageCodec } from "./MessageDef.js"

/** A definition with its codec, looked up once per message. @internal */
export interface Entry {
  readonly def: MessageDef<string, any>
  readonly codec: MessageCodec<any>
}

/** @internal */
export const entry = (def: MessageDef<string, any>): Entry => ({ def, codec: codecOf(def) })

/** A thrown codec failure as the typed wire error. @internal */
export const toWireError = (command: string, e: unknown): WireError => {
  if (e instanceof DecodeFailure) {
    return new WireError({ reason: e.rule === "LengthTooLarge" ? "CountTooLarge" : e.rule, command, detail: e.detail })
  }
  return new WireError({ reason: "InvalidValue", command, detail: String(e) })
}

/**
 * Decodes a known command's payload; the whole payload must be consumed.
 * The message or the error as a union, not an `Either`: the frame decoder
 * takes it as it is (one object fewer per message).
 *
 * @internal
 */
export const decodeWithOrError = (
  e: Entry,
  payload: Uint8Array,
  ctx: CodecContext,
  buffer?: ArrayBufferLike,
  base = 0
): NetworkMessage | WireError => {
  try {
    // `buffer` and `base`: the payload's ArrayBuffer and offset there, when the caller has them (see `ByteReader`).
    const r = new ByteReader(payload, 0, payload.length, buffer, base)
    const m = e.codec.read(r, ctx)
    r.done()
    return m
  } catch (error) {
    return toWireError(e.def.command, error)
  }
}

/** `decodeWithOrError` as an `Either`. @internal */
export const decodeWith = (e: Entry, payload: Uint8Array, ctx: CodecContext): Either.Either<NetworkMessage, WireError> => {
  const m = decodeWithOrError(e, payload, ctx)
  return m instanceof WireError ? Either.left(m) : Either.right(m)
}

/**
 * Encodes a known message's payload into a new, exactly sized array, after
 * `room` bytes left for the caller (the frame header, which the caller
 * writes in full). When the codec knows its size up front the array is
 * allocated once at that size and written in place; otherwise the payload
 * is written into a pooled scratch writer and copied out. Returns a
 * `WireError` (`EncodeFailed`), having produced nothing, for a value the
 * decoder would refuse: a limit exceeded, a value out of range, a payload
 * above the command's cap. A union, not an `Either`: the frame encoder
 * wraps the result once.
 *
 * @internal
 */
export const encodeAfterOrError = (
  e: Entry,
  m: Exclude<NetworkMessage, Unknown>,
  ctx: CodecContext,
  room: number
): Uint8Array | WireError => {
  const def = e.def
  const codec = e.codec
  let out: Uint8Array
  let size: number
  try {
    const known = codec.size === undefined ? -1 : codec.size(m, ctx)
    if (known >= 0) {
      const w = ByteWriter.frame(room + known)
      w.offset += room
      codec.write(w, m, ctx)
      out = ByteWriter.endFrame(w)
    } else {
      const w = ByteWriter.acquire()
      try {
        w.zeros(room)
        codec.write(w, m, ctx)
        out = w.take()
      } finally {
        ByteWriter.release(w)
      }
    }
    size = out.length - room
  } catch (error) {
    return new WireError({ reason: "EncodeFailed", command: def.command, detail: String(error instanceof Error ? error.message : error) })
  }
  // The cap the decoder checks first: never emit a payload our own decoder (or a strict peer) refuses.
  const max = def.maxPayload(ctx.version, ctx.format)
  if (size > max) {
    return new WireError({ reason: "EncodeFailed", command: def.command, expected: max, actual: size, detail: "payload above the command's cap" })
  }
  return out
}

/** `encodeAfterOrError` as an `Either`. @internal */
export const encodeAfter = (
  e: Entry,
  m: Exclude<NetworkMessage, Unknown>,
  ctx: CodecContext,
  room: number
): Either.Either<Uint8Array, WireError> => {
  const out = encodeAfterOrError(e, m, ctx, room)
  return out instanceof Uint8Array ? Either.right(out) : Either.left(out)
}
