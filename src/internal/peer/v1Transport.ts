import * as Frame from "../../wire/Frame.js"
import type { MessageTransport, TransportContext } from "../../peer/MessageTransport.js"

/**
 * v1 framing as a `MessageTransport`: the frame decoder for what arrives,
 * `Frame.encodeEither` (or the prepared frame, shared as it is) for what
 * leaves, both with the connection's `Frame.EchoChecksums` (a pong is then
 * hashed by neither side: it repeats its ping's checksum). Nothing of its
 * own to write, ready from the start.
 *
 * A class, not an object literal: a literal with a getter (`bufferedBytes`)
 * is built by V8's slow path (~3 µs a literal in a micro-benchmark, ~0.15 µs
 * for a class instance); the getter lives on the class's prototype.
 */
class V1Transport implements MessageTransport {
  readonly name = "v1"
  readonly sessionId = undefined
  readonly ready = true
  private readonly format: TransportContext["params"]["format"]
  private readonly magic: TransportContext["params"]["magic"]
  /** A pong's checksum is its ping's: the connection's decoder and encoder share what they hashed. */
  private readonly echo = Frame.makeEchoChecksums()
  private readonly decoder: Frame.FrameDecoder

  constructor(context: TransportContext) {
    // The network's wire format (header and transaction serialization) goes into every codec call.
    this.format = context.params.format
    this.magic = context.params.magic
    this.decoder = new Frame.FrameDecoder({ params: context.params, version: context.version, echo: this.echo })
  }

  get bufferedBytes(): number {
    return this.decoder.bufferedBytes
  }

  get awaitingBytes(): number {
    return this.decoder.awaitingBytes
  }

  // Own functions, not prototype methods: the interface's members are function-valued properties,
  // which a wrapper may take as they are (`encode: inner.encode`).
  readonly initial = (): undefined => undefined

  readonly receive = (chunk: Uint8Array, out: Array<Frame.Received>): ReturnType<MessageTransport["receive"]> =>
    this.decoder.push(chunk, out)

  readonly encode = (message: Parameters<MessageTransport["encode"]>[0], version: number): ReturnType<MessageTransport["encode"]> =>
    Frame.encodeEither(this.magic, message, { version, format: this.format }, this.echo)

  readonly encodePrepared = (prepared: Frame.Prepared, version: number): ReturnType<MessageTransport["encodePrepared"]> =>
    prepared.frame(this.magic, version, this.format)

  readonly payloadSize = (bytes: Parameters<MessageTransport["payloadSize"]>[0]): number => bytes.byteLength - Frame.HEADER_SIZE
}

/** @internal */
export const v1 = (context: TransportContext): MessageTransport => new V1Transport(context)
