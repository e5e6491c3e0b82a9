import * as Frame from "../../wire/Frame.js"
import type { MessageTransport, TransportContext } from "../../peer/MessageTransport.js"

/**
 * v1 framing as a `MessageTransport`: the frame decoder for what arrives,
 * `Frame.encodeEither` (or the prepared frame, shared as it is) for what
 * leaves, both with the connection's `Frame.EchoChecksums` (a pong is then
 * hashed by neither side: it repeats its ping's checksum). Nothing of its
 * own to write, ready from the start.
 *
 * @internal
 */
export const v1 = (context: TransportContext): MessageTransport => {
  // The network's wire format (header and transaction serialization) goes into every codec call.
  const { format, magic } = context.params
  // A pong's checksum is its ping's: the connection's decoder and encoder share what they hashed.
  const echo = Frame.makeEchoChecksums()
  const decoder = new Frame.FrameDecoder({ params: context.params, version: context.version, echo })
  return {
    name: "v1",
    sessionId: undefined,
    ready: true,
    get bufferedBytes() {
      return decoder.bufferedBytes
    },
    initial: () => undefined,
    receive: (chunk, out) => decoder.push(chunk, out),
    encode: (message, version) => Frame.encodeEither(magic, message, { version, format }, echo),
    encodePrepared: (prepared, version) => prepared.frame(magic, version, format),
    payloadSize: (bytes) => bytes.byteLength - Frame.HEADER_SIZE
  }
}
