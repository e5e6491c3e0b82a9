import * as Schema from "effect/Schema"
import type { CodecContext, MessageDef } from "../../wire/Message.js"
import type { WireFormat } from "../../wire/WireFormat.js"
import type { ByteReader } from "./ByteReader.js"
import type { ByteWriter } from "./ByteWriter.js"

/**
 * The byte codec of one message, kept out of the public `MessageDef`: the
 * reader and writer it works on are implementation details.
 *
 * @internal
 */
export interface MessageCodec<A> {
  readonly read: (r: ByteReader, ctx: CodecContext) => A
  readonly write: (w: ByteWriter, m: A, ctx: CodecContext) => void
  /**
   * The exact payload size `write` produces, or -1 when it is not cheap to
   * know (the encoder then writes into a scratch buffer and copies out).
   * Lets the encoder allocate the frame once, at its size, and write in place.
   */
  readonly size: ((m: A, ctx: CodecContext) => number) | undefined
}

/** The codec of every definition made by `define`, by tag. */
const codecs = new Map<string, MessageCodec<any>>()

/** The byte codec of a definition. @internal */
export const codecOf = <A extends { readonly _tag: string }>(def: MessageDef<A["_tag"], A>): MessageCodec<A> => {
  const codec = codecs.get(def._tag)
  if (codec === undefined) throw new Error(`no codec for ${def._tag}`)
  return codec
}

/** @internal */
export const define = <Tag extends string, Fields extends Schema.Struct.Fields>(def: {
  readonly tag: Tag
  readonly command: string
  readonly fields: Fields
  readonly maxPayload: (version: number, format?: WireFormat) => number
  readonly read: (r: ByteReader, ctx: CodecContext) => Schema.Struct.Type<Fields>
  readonly write: (w: ByteWriter, m: Schema.Struct.Type<Fields>, ctx: CodecContext) => void
  /** The exact size `write` produces, or -1 (see `MessageCodec.size`). */
  readonly size?: (m: Schema.Struct.Type<Fields>, ctx: CodecContext) => number
  readonly annotations?: Schema.Annotations.Schema<any>
}): MessageDef<Tag, Schema.Struct.Type<Fields> & { readonly _tag: Tag }> => {
  const schema = Schema.TaggedStruct(def.tag, def.fields).annotations({ identifier: def.tag, ...def.annotations })
  const tag = def.tag
  const read = def.read
  if (codecs.has(tag)) throw new Error(`message ${tag} defined twice`)
  codecs.set(tag, {
    read: (r, ctx) => {
      const m = read(r, ctx) as any
      m._tag = tag
      return m
    },
    write: def.write as any,
    size: def.size as any
  })
  return {
    _tag: tag,
    command: def.command,
    schema: schema as any,
    maxPayload: def.maxPayload,
    make: (fields) => ({ _tag: tag, ...fields }) as any
  }
}

/** For messages without a payload. @internal */
export const defineEmpty = <Tag extends string>(tag: Tag, command: string) =>
  define({ tag, command, fields: {}, maxPayload: () => 0, read: () => ({}), write: () => {}, size: () => 0 })
