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
import { type RawMessage, Session, type SessionOptions, startsWithV1Version } from "./session.js"

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

/**
 * The v2 session as a peer's transport. A class, not an object literal with
 * getters (V8 builds such a literal on its slow path: ~3 µs, against
 * ~0.15 µs for a class instance, see `v1Transport.ts`); the getters live on
 * the prototype, the interface's functions are own properties (a wrapper
 * may take them as they are: `encode: inner.encode`).
 *
 * A responder makes its session only when the first read does not start
 * with a v1 `version` header (or when the peer sends before anything
 * arrived): a v1 remote, whose first read holds its whole `version` message,
 * is handed to v1 framing without a session ever being built. A v2
 * initiator sees the same either way: the responder's key was never sent
 * before the remote's first bytes.
 */
class V2MessageTransport implements MessageTransport {
  private readonly context: TransportContext
  private readonly options: V2Options
  // The network's wire format goes into every codec call and payload cap, as in v1.
  private readonly format: TransportContext["params"]["format"]
  private readonly acceptV1: boolean
  private ownSession: Session | undefined
  private fallback: MessageTransport | undefined
  // The payload size of the packet encoded last, for the peer's per-command counters (a ciphertext
  // does not tell): the peer asks right after encoding. One slot, not a WeakMap: a WeakMap key per
  // packet costs the garbage collector (ephemerons) on every message; cleared once read, so no
  // packet is kept alive by it.
  private lastPacket: Uint8Array | Pieces | undefined = undefined
  private lastPayloadSize = 0

  constructor(context: TransportContext, options: V2Options) {
    this.context = context
    this.options = options
    this.format = context.params.format
    this.acceptV1 = options.acceptV1 ?? true
    // An initiator writes its key first: its session is needed at once.
    this.ownSession = context.direction === "outbound" ? this.makeSession() : undefined
  }

  private makeSession(): Session {
    return new Session({
      ...this.options,
      initiating: this.context.direction === "outbound",
      magic: this.context.params.magic,
      maxMessageSize: this.context.params.maxMessageSize
    })
  }

  private get session(): Session {
    return (this.ownSession ??= this.makeSession())
  }

  get name(): string {
    return this.fallback?.name ?? "v2"
  }

  get sessionId(): Uint8Array | undefined {
    return this.fallback === undefined ? this.ownSession?.sessionId : undefined
  }

  // Our messages may flow once the keys exist (as Core, without waiting for the remote's version packet).
  get ready(): boolean {
    return this.fallback?.ready ?? this.ownSession?.canSend ?? false
  }

  get bufferedBytes(): number {
    return this.fallback?.bufferedBytes ?? this.ownSession?.bufferedBytes ?? 0
  }

  /** The v1 fallback's (a v2 session does not say). */
  get awaitingBytes(): number | undefined {
    return this.fallback?.awaitingBytes
  }

  get droppedMessages(): number {
    return this.ownSession?.droppedMessages ?? 0
  }

  readonly initial = (): Uint8Array | undefined => {
    // A responder writes nothing before the remote's first bytes.
    const session = this.ownSession
    return session !== undefined && session.initialBytes.length > 0 ? session.initialBytes : undefined
  }

  readonly receive: MessageTransport["receive"] = (chunk, out, write) => {
    if (this.fallback !== undefined) return this.fallback.receive(chunk, out, write)
    // A responder's first read that starts with a v1 `version` header: v1, no session made. (Refused
    // when v1 is not accepted: the session fails on it and answers every later read with its error.)
    if (this.ownSession === undefined && this.acceptV1 && startsWithV1Version(this.context.params.magic, chunk)) {
      return this.toV1(chunk, out, write)
    }
    const r = this.session.receive(chunk)
    if (r.v1 !== undefined) return this.toV1(r.v1, out, write)
    if (r.bytesToWrite.length > 0) write(r.bytesToWrite)
    const failed = this.deliver(r.messages, out)
    if (failed !== undefined) return failed
    return r.error === undefined ? undefined : toTransportError(r.error)
  }

  readonly encode: MessageTransport["encode"] = (message, version) => {
    if (this.fallback !== undefined) return this.fallback.encode(message, version)
    return Either.flatMap(
      Message.encodePayloadEither(message, { version, format: this.format }),
      (payload) => this.sent(payload, Message.commandOf(message))
    )
  }

  readonly encodePrepared: MessageTransport["encodePrepared"] = (prepared, version) => {
    if (this.fallback !== undefined) return this.fallback.encodePrepared(prepared, version)
    // The payload alone, encoded once for every peer: v2 has no checksum, so none is computed for it
    // (a v1 frame already prepared is reused without one more encoding).
    return Either.flatMap(prepared.payload(version, this.format), (payload) => this.sent(payload, Message.commandOf(prepared.message)))
  }

  readonly payloadSize: MessageTransport["payloadSize"] = (bytes) => {
    if (this.fallback !== undefined) return this.fallback.payloadSize(bytes)
    const size = bytes === this.lastPacket ? this.lastPayloadSize : 0
    this.lastPacket = undefined
    return size
  }

  readonly shouldReconnectV1 = (bytesSent: number): boolean =>
    this.fallback === undefined && this.ownSession !== undefined && this.ownSession.shouldReconnectV1(bytesSent)

  /** The remote speaks v1: every byte received so far goes to v1 framing, which serves the connection from now on. */
  private toV1(bytes: Uint8Array, out: Array<Frame.Received>, write: (bytes: Uint8Array) => void) {
    if (!this.acceptV1) return new MessageTransportError({ reason: "Handshake", transport: "v2", detail: "the remote speaks v1" })
    this.fallback = v1(this.context)
    return this.fallback.receive(bytes, out, write)
  }

  private deliver(raws: ReadonlyArray<RawMessage>, out: Array<Frame.Received>) {
    const version = this.context.version()
    const format = this.format
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
  private sent(payload: Uint8Array, command: string): Either.Either<Uint8Array | Pieces, WireError> {
    let bytes: Uint8Array | Pieces
    try {
      bytes = this.session.sendPieces(command, payload)
    } catch (e) {
      return Either.left(new WireError({ reason: "EncodeFailed", command, detail: String(e) }))
    }
    this.lastPacket = bytes
    this.lastPayloadSize = payload.length
    return Either.right(bytes)
  }
}

/** @internal */
export const v2 = (options: V2Options = {}) => (context: TransportContext): MessageTransport => new V2MessageTransport(context, options)
