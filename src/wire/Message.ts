/**
 * Every protocol message as one union, `NetworkMessage`, discriminated by
 * `_tag`, and the payload codecs that turn bytes into messages and back.
 *
 * A command this library does not know decodes to `Unknown` with its command
 * and raw payload: new protocol messages never break a peer. Each message
 * definition knows its command, its payload cap for a protocol version and
 * its byte codec; `payloadSchema` bridges any of them into an Effect `Schema`
 * over bytes.
 *
 * @since 0.1.0
 */
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as ParseResult from "effect/ParseResult"
import * as Schema from "effect/Schema"
import * as internal from "../internal/wire/definitions.js"
import { decodeWith, encodeAfter } from "../internal/wire/messageCodec.js"
import { Addr } from "./messages/Addr.js"
import { AddrV2 } from "./messages/AddrV2.js"
import { BlockMessage } from "./messages/Block.js"
import { BlockTxn } from "./messages/BlockTxn.js"
import { CFCheckpt } from "./messages/CFCheckpt.js"
import { CFHeaders } from "./messages/CFHeaders.js"
import { CFilter } from "./messages/CFilter.js"
import { CmpctBlock } from "./messages/CmpctBlock.js"
import { FeeFilter } from "./messages/FeeFilter.js"
import { FilterAdd } from "./messages/FilterAdd.js"
import { FilterClear } from "./messages/FilterClear.js"
import { FilterLoad } from "./messages/FilterLoad.js"
import { GetAddr } from "./messages/GetAddr.js"
import { GetBlocks } from "./messages/GetBlocks.js"
import { GetBlockTxn } from "./messages/GetBlockTxn.js"
import { GetCFCheckpt } from "./messages/GetCFCheckpt.js"
import { GetCFHeaders } from "./messages/GetCFHeaders.js"
import { GetCFilters } from "./messages/GetCFilters.js"
import { GetData } from "./messages/GetData.js"
import { GetHeaders } from "./messages/GetHeaders.js"
import { Headers } from "./messages/Headers.js"
import { Inv } from "./messages/Inv.js"
import { Mempool } from "./messages/Mempool.js"
import { MerkleBlock } from "./messages/MerkleBlock.js"
import { NotFound } from "./messages/NotFound.js"
import { Ping } from "./messages/Ping.js"
import { Pong } from "./messages/Pong.js"
import { Reject } from "./messages/Reject.js"
import { SendAddrV2 } from "./messages/SendAddrV2.js"
import { SendCmpct } from "./messages/SendCmpct.js"
import { SendHeaders } from "./messages/SendHeaders.js"
import { Tx } from "./messages/Tx.js"
import { Verack } from "./messages/Verack.js"
import { Version } from "./messages/Version.js"
import { WtxidRelay } from "./messages/WtxidRelay.js"
import * as ProtocolVersion from "./ProtocolVersion.js"
import type { WireError } from "./WireError.js"
import type { WireFormat } from "./WireFormat.js"

/**
 * What a codec may depend on besides the bytes: the protocol version in force
 * on the connection (some fields exist only from a given version on), and the
 * network's wire format (header and transaction serialization, block payload
 * cap; Bitcoin's when absent).
 *
 * @since 0.1.0
 * @category models
 */
export interface CodecContext {
  readonly version: number
  readonly format?: WireFormat | undefined
}

/**
 * One protocol message: its tag, its command, its decoded shape as a Schema,
 * its payload cap at a protocol version, and a constructor. The byte codec
 * behind it is reached through `decodePayload` / `encodePayload`,
 * `payloadSchema` and `Frame`.
 *
 * @since 0.1.0
 * @category models
 */
export interface MessageDef<Tag extends string, A extends { readonly _tag: Tag }> {
  readonly _tag: Tag
  readonly command: string
  /** The decoded message; it accepts exactly what the codec decodes and re-encodes. */
  readonly schema: Schema.Schema<A>
  /**
   * Largest payload this message may have at `version` on a network of
   * `format` (Bitcoin's when absent); checked before a payload is read and
   * after one is written.
   */
  readonly maxPayload: (version: number, format?: WireFormat) => number
  /** Builds the message value (no validation; use `schema` to validate untrusted input). */
  readonly make: (fields: Omit<A, "_tag">) => A
}

/**
 * A message whose command this library does not know: kept, never fatal.
 *
 * @since 0.1.0
 * @category schemas
 */
export const Unknown = Schema.TaggedStruct("Unknown", { command: Schema.String, payload: Schema.Uint8ArrayFromSelf })

/**
 * @since 0.1.0
 * @category models
 */
export type Unknown = typeof Unknown.Type

/**
 * Every known message definition, in one list.
 *
 * @since 0.1.0
 * @category utils
 */
export const definitions = internal.definitions

type Definitions = typeof definitions
type Known = ReturnType<Definitions[number]["make"]>

/**
 * Any protocol message, discriminated by `_tag` (`"Version"`, `"Ping"`, …, `"Unknown"`).
 *
 * @since 0.1.0
 * @category models
 */
export type NetworkMessage = Known | Unknown

/**
 * The tag of a message type.
 *
 * @since 0.1.0
 * @category models
 */
export type Tag = NetworkMessage["_tag"]

/**
 * The message type for a tag: `MessageOf<"Headers">` is the `headers` message.
 *
 * @since 0.1.0
 * @category models
 */
export type MessageOf<T extends Tag> = Extract<NetworkMessage, { readonly _tag: T }>

/**
 * Schema of the whole union (decoded values), for validation and arbitraries.
 *
 * @since 0.1.0
 * @category schemas
 */
export const NetworkMessage: Schema.Schema<NetworkMessage> = Schema.Union(
  ...definitions.map((d) => d.schema as Schema.Schema<any>),
  Unknown
) as any

const byCommand = internal.byCommand
const byTag = internal.byTag

/**
 * The definition for a command, if the command is known.
 *
 * @since 0.1.0
 * @category utils
 */
export const definitionForCommand = (command: string): MessageDef<string, NetworkMessage> | undefined =>
  byCommand.get(command)?.def

/**
 * The command string of a message (`"version"`, …; an unknown message's own command).
 *
 * @since 0.1.0
 * @category utils
 */
export const commandOf = (m: NetworkMessage): string =>
  m._tag === "Unknown" ? m.command : byTag.get(m._tag)!.def.command

/**
 * The command string for a tag.
 *
 * @since 0.1.0
 * @category utils
 */
export const commandForTag = (tag: Exclude<Tag, "Unknown">): string => byTag.get(tag)!.def.command

/**
 * The payload cap for a command at a protocol version, on a network of
 * `format` (Bitcoin's when absent); `undefined` for unknown commands, which
 * only the frame cap bounds.
 *
 * @since 0.1.0
 * @category utils
 */
export const maxPayload = (command: string, version: number, format?: WireFormat): number | undefined =>
  byCommand.get(command)?.def.maxPayload(version, format)

/**
 * Default codec context: the current protocol version.
 *
 * @since 0.1.0
 * @category utils
 */
export const defaultContext: CodecContext = { version: ProtocolVersion.CURRENT }

/**
 * Decodes a payload for `command` without throwing. Unknown commands give `Unknown`.
 * The decoded value holds views into `payload`.
 *
 * @since 0.1.0
 * @category decoding
 */
export const decodePayloadEither = (
  command: string,
  payload: Uint8Array,
  ctx: CodecContext = defaultContext
): Either.Either<NetworkMessage, WireError> => {
  const e = byCommand.get(command)
  if (e === undefined) return Either.right({ _tag: "Unknown", command, payload })
  return decodeWith(e, payload, ctx)
}

/**
 * Decodes a payload for `command` as an Effect.
 *
 * @since 0.1.0
 * @category decoding
 */
export const decodePayload = (
  command: string,
  payload: Uint8Array,
  ctx: CodecContext = defaultContext
): Effect.Effect<NetworkMessage, WireError> => decodePayloadEither(command, payload, ctx)

/**
 * Encodes a message's payload; fails with `EncodeFailed` for out-of-range values
 * (e.g. a Tor address in a legacy `addr`).
 *
 * @since 0.1.0
 * @category encoding
 */
export const encodePayloadEither = (
  m: NetworkMessage,
  ctx: CodecContext = defaultContext
): Either.Either<Uint8Array, WireError> => {
  if (m._tag === "Unknown") return Either.right(m.payload)
  return encodeAfter(byTag.get(m._tag)!, m, ctx, 0)
}

/**
 * Encodes a message's payload as an Effect.
 *
 * @since 0.1.0
 * @category encoding
 */
export const encodePayload = (m: NetworkMessage, ctx: CodecContext = defaultContext): Effect.Effect<Uint8Array, WireError> =>
  encodePayloadEither(m, ctx)

/**
 * A `Schema` from payload bytes to the message of one definition, for use with
 * `Schema.decode` / `Schema.encode` and anywhere else Schema composes.
 *
 * @since 0.1.0
 * @category utils
 */
export const payloadSchema = <T extends string, A extends { readonly _tag: T }>(
  def: MessageDef<T, A>,
  ctx: CodecContext = defaultContext
): Schema.Schema<A, Uint8Array> =>
  Schema.transformOrFail(Schema.Uint8ArrayFromSelf, Schema.typeSchema(def.schema), {
    strict: true,
    decode: (bytes, _, ast) =>
      Either.mapLeft(decodePayloadEither(def.command, bytes, ctx), (e) => new ParseResult.Type(ast, bytes, e.message)) as
        Either.Either<A, ParseResult.ParseIssue>,
    encode: (m, _, ast) =>
      Either.mapLeft(encodePayloadEither(m as NetworkMessage, ctx), (e) => new ParseResult.Type(ast, m, e.message))
  })

export {
  /**
   * The `addr` message definition (a `MessageDef`: command, schema, payload limit, constructor).
   *
   * @since 0.1.0
   * @category messages
   */
  Addr,
  /**
   * The `addrv2` message definition (a `MessageDef`: command, schema, payload limit, constructor).
   *
   * @since 0.1.0
   * @category messages
   */
  AddrV2,
  /**
   * The `block` message definition (a `MessageDef`: command, schema, payload limit, constructor).
   *
   * @since 0.1.0
   * @category messages
   */
  BlockMessage,
  /**
   * The `blocktxn` message definition (a `MessageDef`: command, schema, payload limit, constructor).
   *
   * @since 0.1.0
   * @category messages
   */
  BlockTxn,
  /**
   * The `cfcheckpt` message definition (a `MessageDef`: command, schema, payload limit, constructor).
   *
   * @since 0.1.0
   * @category messages
   */
  CFCheckpt,
  /**
   * The `cfheaders` message definition (a `MessageDef`: command, schema, payload limit, constructor).
   *
   * @since 0.1.0
   * @category messages
   */
  CFHeaders,
  /**
   * The `cfilter` message definition (a `MessageDef`: command, schema, payload limit, constructor).
   *
   * @since 0.1.0
   * @category messages
   */
  CFilter,
  /**
   * The `cmpctblock` message definition (a `MessageDef`: command, schema, payload limit, constructor).
   *
   * @since 0.1.0
   * @category messages
   */
  CmpctBlock,
  /**
   * The `feefilter` message definition (a `MessageDef`: command, schema, payload limit, constructor).
   *
   * @since 0.1.0
   * @category messages
   */
  FeeFilter,
  /**
   * The `filteradd` message definition (a `MessageDef`: command, schema, payload limit, constructor).
   *
   * @since 0.1.0
   * @category messages
   */
  FilterAdd,
  /**
   * The `filterclear` message definition (a `MessageDef`: command, schema, payload limit, constructor).
   *
   * @since 0.1.0
   * @category messages
   */
  FilterClear,
  /**
   * The `filterload` message definition (a `MessageDef`: command, schema, payload limit, constructor).
   *
   * @since 0.1.0
   * @category messages
   */
  FilterLoad,
  /**
   * The `getaddr` message definition (a `MessageDef`: command, schema, payload limit, constructor).
   *
   * @since 0.1.0
   * @category messages
   */
  GetAddr,
  /**
   * The `getblocks` message definition (a `MessageDef`: command, schema, payload limit, constructor).
   *
   * @since 0.1.0
   * @category messages
   */
  GetBlocks,
  /**
   * The `getblocktxn` message definition (a `MessageDef`: command, schema, payload limit, constructor).
   *
   * @since 0.1.0
   * @category messages
   */
  GetBlockTxn,
  /**
   * The `getcfcheckpt` message definition (a `MessageDef`: command, schema, payload limit, constructor).
   *
   * @since 0.1.0
   * @category messages
   */
  GetCFCheckpt,
  /**
   * The `getcfheaders` message definition (a `MessageDef`: command, schema, payload limit, constructor).
   *
   * @since 0.1.0
   * @category messages
   */
  GetCFHeaders,
  /**
   * The `getcfilters` message definition (a `MessageDef`: command, schema, payload limit, constructor).
   *
   * @since 0.1.0
   * @category messages
   */
  GetCFilters,
  /**
   * The `getdata` message definition (a `MessageDef`: command, schema, payload limit, constructor).
   *
   * @since 0.1.0
   * @category messages
   */
  GetData,
  /**
   * The `getheaders` message definition (a `MessageDef`: command, schema, payload limit, constructor).
   *
   * @since 0.1.0
   * @category messages
   */
  GetHeaders,
  /**
   * The `headers` message definition (a `MessageDef`: command, schema, payload limit, constructor).
   *
   * @since 0.1.0
   * @category messages
   */
  Headers,
  /**
   * The `inv` message definition (a `MessageDef`: command, schema, payload limit, constructor).
   *
   * @since 0.1.0
   * @category messages
   */
  Inv,
  /**
   * The `mempool` message definition (a `MessageDef`: command, schema, payload limit, constructor).
   *
   * @since 0.1.0
   * @category messages
   */
  Mempool,
  /**
   * The `merkleblock` message definition (a `MessageDef`: command, schema, payload limit, constructor).
   *
   * @since 0.1.0
   * @category messages
   */
  MerkleBlock,
  /**
   * The `notfound` message definition (a `MessageDef`: command, schema, payload limit, constructor).
   *
   * @since 0.1.0
   * @category messages
   */
  NotFound,
  /**
   * The `ping` message definition (a `MessageDef`: command, schema, payload limit, constructor).
   *
   * @since 0.1.0
   * @category messages
   */
  Ping,
  /**
   * The `pong` message definition (a `MessageDef`: command, schema, payload limit, constructor).
   *
   * @since 0.1.0
   * @category messages
   */
  Pong,
  /**
   * The `reject` message definition (a `MessageDef`: command, schema, payload limit, constructor).
   *
   * @since 0.1.0
   * @category messages
   */
  Reject,
  /**
   * The `sendaddrv2` message definition (a `MessageDef`: command, schema, payload limit, constructor).
   *
   * @since 0.1.0
   * @category messages
   */
  SendAddrV2,
  /**
   * The `sendcmpct` message definition (a `MessageDef`: command, schema, payload limit, constructor).
   *
   * @since 0.1.0
   * @category messages
   */
  SendCmpct,
  /**
   * The `sendheaders` message definition (a `MessageDef`: command, schema, payload limit, constructor).
   *
   * @since 0.1.0
   * @category messages
   */
  SendHeaders,
  /**
   * The `tx` message definition (a `MessageDef`: command, schema, payload limit, constructor).
   *
   * @since 0.1.0
   * @category messages
   */
  Tx,
  /**
   * The `verack` message definition (a `MessageDef`: command, schema, payload limit, constructor).
   *
   * @since 0.1.0
   * @category messages
   */
  Verack,
  /**
   * The `version` message definition (a `MessageDef`: command, schema, payload limit, constructor).
   *
   * @since 0.1.0
   * @category messages
   */
  Version,
  /**
   * The `wtxidrelay` message definition (a `MessageDef`: command, schema, payload limit, constructor).
   *
   * @since 0.1.0
   * @category messages
   */
  WtxidRelay
}
