import * as Schema from "effect/Schema"
import type { ByteReader } from "./ByteReader.js"
import type { ByteWriter } from "./ByteWriter.js"

/**
 * What a codec may depend on besides the bytes: the protocol version in force
 * on the connection (some fields exist only from a given version on).
 *
 * @internal
 */
export interface CodecContext {
  readonly version: number
}

/**
 * One protocol message: its command, its decoded shape as a Schema, its
 * per-version payload cap and its hand-written byte codec.
 *
 * @internal
 */
export interface MessageDef<Tag extends string, A extends { readonly _tag: Tag }> {
  readonly _tag: Tag
  readonly command: string
  readonly schema: Schema.Schema<A>
  /** Largest payload this message may have at `version`; checked before the payload is read. */
  readonly maxPayload: (version: number) => number
  readonly read: (r: ByteReader, ctx: CodecContext) => A
  readonly write: (w: ByteWriter, m: A, ctx: CodecContext) => void
  /** Builds the message value (no validation; use `schema` to validate untrusted input). */
  readonly make: (fields: Omit<A, "_tag">) => A
}

/** @internal */
export const define = <Tag extends string, Fields extends Schema.Struct.Fields>(def: {
  readonly tag: Tag
  readonly command: string
  readonly fields: Fields
  readonly maxPayload: (version: number) => number
  readonly read: (r: ByteReader, ctx: CodecContext) => Schema.Struct.Type<Fields>
  readonly write: (w: ByteWriter, m: Schema.Struct.Type<Fields>, ctx: CodecContext) => void
  readonly annotations?: Schema.Annotations.Schema<any>
  /** A rule across fields that the codec needs to carry a value unchanged (true, or why not). */
  readonly check?: (m: Schema.Struct.Type<Fields>) => true | string
}): MessageDef<Tag, Schema.Struct.Type<Fields> & { readonly _tag: Tag }> => {
  const struct = Schema.TaggedStruct(def.tag, def.fields)
  const check = def.check
  const schema = (check === undefined ? struct : struct.pipe(Schema.filter((m) => check(m as any))))
    .annotations({ identifier: def.tag, ...def.annotations })
  const tag = def.tag
  const read = def.read
  return {
    _tag: tag,
    command: def.command,
    schema: schema as any,
    maxPayload: def.maxPayload,
    read: (r, ctx) => {
      const m = read(r, ctx) as any
      m._tag = tag
      return m
    },
    write: def.write as any,
    make: (fields) => ({ _tag: tag, ...fields }) as any
  }
}

/** For messages without a payload. @internal */
export const defineEmpty = <Tag extends string>(tag: Tag, command: string) =>
  define({ tag, command, fields: {}, maxPayload: () => 0, read: () => ({}), write: () => {} })
