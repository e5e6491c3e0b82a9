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

/** Decodes a known command's payload; the whole payload must be consumed. @internal */
export const decodeWith = (e: Entry, payload: Uint8Array, ctx: CodecContext): Either.Either<NetworkMessage, WireError> => {
  try {
    const r = new ByteReader(payload)
    const m = e.codec.read(r, ctx)
    r.done()
    return Either.right(m)
  } catch (error) {
    return Either.left(toWireError(e.def.command, error))
  }
}

/**
 * Encodes a known message's payload into a new, exactly sized array, after
 * `room` zero bytes left for the caller (the frame header). Writes into a
 * pooled scratch writer, so encoding allocates nothing but the result. Fails
 * with `EncodeFailed`, having produced nothing, for a value the decoder would
 * refuse: a limit exceeded, a value out of range, a payload above the
 * command's cap.
 *
 * @internal
 */
export const encodeAfter = (
  e: Entry,
  m: Exclude<NetworkMessage, Unknown>,
  ctx: CodecContext,
  room: number
): Either.Either<Uint8Array, WireError> => {
  const def = e.def
  const w = ByteWriter.acquire()
  try {
    w.zeros(room)
    e.codec.write(w, m, ctx)
    // The cap the decoder checks first: never emit a payload our own decoder (or a strict peer) refuses.
    const size = w.offset - room
    const max = def.maxPayload(ctx.version, ctx.format)
    if (size > max) {
      return Either.left(
        new WireError({ reason: "EncodeFailed", command: def.command, expected: max, actual: size, detail: "payload above the command's cap" })
      )
    }
    return Either.right(w.take())
  } catch (error) {
    return Either.left(
      new WireError({ reason: "EncodeFailed", command: def.command, detail: String(error instanceof Error ? error.message : error) })
    )
  } finally {
    ByteWriter.release(w)
  }
}
