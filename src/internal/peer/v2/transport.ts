/**
 * The v2 session as a peer's `MessageTransport`: what the peer engine needs
 * on top of the sans-I/O session, namely `Message` decoding with the
 * per-command caps at the negotiated version on the network's wire format
 * (header and transaction serialization, block cap), typed errors in the peer's
 * terms, and (inbound) the switch to v1 framing when the remote turns out to
 * be a v1 node, so one listener serves both.
 *
 * @internal
 */
import * as Either from "effect/Either"
import * as Frame from "../../../wire/Frame.js"
import * as Message from "../../../wire/Message.js"
import { WireError } from "../../../wire/WireError.js"
import { MessageTransportError, type MessageTransport, type TransportContext } from "../../../peer/MessageTransport.js"
import type { Pieces } from "../pieces.js"
import { v1 } from "../v1Transport.js"
import type { V2TransportError } from "./error.js"
import { Session, type SessionOptions } from "./session.js"

/** Options of the v2 transport besides the connection's context. @internal */
export type V2Options = Omit<SessionOptions, "initiating" | "magic" | "maxMessageSize"> & {
  /** Inbound: serve a remote that speaks v1 over v1 instead of failing (default true). */
  readonly acceptV1?: boolean | undefined
}

const errorReason = (e: V2TransportError): MessageTransportError["reason"] => {
  switch (e.reason) {
    case "NoGarbageTerminator":
    case "TruncatedKey":
    case "V1WrongNetwork":
    case "V1Remote":
      return "Handshake"
    case "HandshakeRefused":
      return "Refused"
    case "BadTag":
      return "Decrypt"
    case "OversizedPacket":
      return "TooLarge"
    default:
      return "Other"
  }
}

const toTransportError = (e: V2TransportError): MessageTransportError =>
  new MessageTransportError({ reason: errorReason(e), transport: "v2", detail: e.message, cause: e })

/** @internal */
export const v2 = (options: V2Options = {}) => (context: TransportContext): MessageTransport => {
  const session = new Session({
    ...options,
    initiating: context.direction === "outbound",
    magic: context.params.magic,
    maxMessageSize: context.params.maxMessageSize
  })
  // The network's wire format goes into every codec call and payload cap, as in v1.
  const format = context.params.format
  const acceptV1 = options.acceptV1 ?? true
  // The payload size of the packet encoded last, for the peer's per-command counters (a ciphertext
  // does not tell): the peer asks right after encoding. One slot, not a WeakMap: a WeakMap key per
  // packet costs the garbage collector (ephemerons) on every message; cleared once read, so no
  // packet is kept alive by it.
  let lastPacket: Uint8Array | Pieces | undefined
  let lastPayloadSize = 0
  let fallback: MessageTransport | undefined

  const deliver = (raws: ReadonlyArray<{ command: string; payload: Uint8Array }>, out: Array<Frame.Received>) => {
    const version = context.version()
    for (const { command, payload } of raws) {
      const cap = Message.maxPayload(command, version, format)
      if (cap !== undefined && payload.length > cap) {
        return new WireError({ reason: "OversizedPayload", command, expected: cap, actual: payload.length })
      }
      const decoded = Message.decodePayloadEither(command, payload, { version, format })
      if (Either.isLeft(decoded)) return decoded.left
      out.push({ command, payloadSize: payload.length, message: decoded.right })
    }
    return undefined
  }

  // The session refuses (throws) a command it cannot carry or contents over the cap: a typed error
  // for the sender, as v1's framing gives, and nothing is written.
  const sent = (payload: Uint8Array, command: string): Either.Either<Uint8Array | Pieces, WireError> => {
    let bytes: Uint8Array | Pieces
    try {
      bytes = session.sendPieces(command, payload)
    } catch (e) {
      return Either.left(new WireError({ reason: "EncodeFailed", command, detail: String(e) }))
    }
    lastPacket = bytes
    lastPayloadSize = payload.length
    return Either.right(bytes)
  }

  const transport: MessageTransport = {
    get name() {
      return fallback?.name ?? "v2"
    },
    get sessionId() {
      return fallback === undefined ? session.sessionId : undefined
    },
    // Our messages may flow once the keys exist (as Core, without waiting for the remote's version packet).
    get ready() {
      return fallback?.ready ?? session.canSend
    },
    get bufferedBytes() {
      return fallback?.bufferedBytes ?? session.bufferedBytes
    },
    initial: () => (session.initialBytes.length > 0 ? session.initialBytes : undefined),
    receive: (chunk, out, write) => {
      if (fallback !== undefined) return fallback.receive(chunk, out, write)
      const r = session.receive(chunk)
      if (r.v1 !== undefined) {
        if (!acceptV1) return new MessageTransportError({ reason: "Handshake", transport: "v2", detail: "the remote speaks v1" })
        fallback = v1(context)
        return fallback.receive(r.v1, out, write)
      }
      if (r.bytesToWrite.length > 0) write(r.bytesToWrite)
      const failed = deliver(r.messages, out)
      if (failed !== undefined) return failed
      return r.error === undefined ? undefined : toTransportError(r.error)
    },
    encode: (message, version) => {
      if (fallback !== undefined) return fallback.encode(message, version)
      return Either.flatMap(Message.encodePayloadEither(message, { version, format }), (payload) => sent(payload, Message.commandOf(message)))
    },
    encodePrepared: (prepared, version) => {
      if (fallback !== undefined) return fallback.encodePrepared(prepared, version)
      // The payload alone, encoded once for every peer: v2 has no checksum, so none is computed for it
      // (a v1 frame already prepared is reused without one more encoding).
      return Either.flatMap(prepared.payload(version, format), (payload) => sent(payload, Message.commandOf(prepared.message)))
    },
    payloadSize: (bytes) => {
      if (fallback !== undefined) return fallback.payloadSize(bytes)
      const size = bytes === lastPacket ? lastPayloadSize : 0
      lastPacket = undefined
      return size
    },
    get droppedMessages() {
      return session.droppedMessages
    },
    shouldReconnectV1: (bytesSent) => fallback === undefined && session.shouldReconnectV1(bytesSent)
  }
  return transport
}
