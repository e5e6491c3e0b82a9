/**
 * What a peer's reader decodes through: the transport, with the bytes read
 * counted and frames held for a transport that was not ready released once
 * it is. A class, not an object literal: a literal with a getter
 * (`bufferedBytes`) is built by V8's slow path, microseconds per peer.
 * Used by `make.ts` and by the bench prototype `bench/plainPeer.ts`.
 */
import type * as MessageTransport from "../../peer/MessageTransport.js"
import type { Counters } from "./core/Counters.js"
import type { Outbound } from "./Outbound.js"
import type { Decoder } from "./Reader.js"

export class ReadSide implements Decoder {
  constructor(
    private readonly transport: MessageTransport.MessageTransport,
    private readonly counters: Counters,
    private readonly outbound: Outbound
  ) {}

  push(chunk: Uint8Array, out: Parameters<Decoder["push"]>[1]): ReturnType<Decoder["push"]> {
    this.counters.onRead(chunk.length)
    const error = this.transport.receive(chunk, out, this.outbound.writeTransportBytes)
    this.outbound.releaseIfReady()
    return error
  }

  get bufferedBytes(): number {
    return this.transport.bufferedBytes
  }

  get awaitingBytes(): number | undefined {
    return this.transport.awaitingBytes
  }
}
