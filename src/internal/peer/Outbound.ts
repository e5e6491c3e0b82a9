import * as Either from "effect/Either"
import { DisconnectReason } from "../../peer/DisconnectReason.js"
import type * as MessageTransport from "../../peer/MessageTransport.js"
import type { PeerConfigShape } from "../../peer/PeerConfig.js"
import { PeerError } from "../../peer/PeerError.js"
import * as Frame from "../../wire/Frame.js"
import * as Message from "../../wire/Message.js"
import type { StallHandle } from "./core/Requests.js"
import type { Writer } from "./Writer.js"

type Written = ((error?: PeerError) => void) | undefined

/**
 * What one queued frame costs beyond its bytes, charged against
 * `maxQueuedBytes`: its queue entry and its array, ~180 bytes of heap per
 * queued 32-byte pong (measured). Counting bytes alone, a remote that sent
 * pings and never read our pongs made a peer hold ~7 bytes of memory per
 * byte counted: ~86 MB at 12.6 MB of queued pongs, towards ~110 MB per peer
 * at the default 16 MiB.
 *
 * @internal
 */
export const FRAME_OVERHEAD = 192

/**
 * Messages on their way to the writer: encoded by the connection's
 * `MessageTransport` at the version in force, held (in order) while the
 * transport's own handshake runs, and refused past the outbound queue's byte
 * bound (`maxQueuedBytes`, with the `queueOverflow` policy). Synchronous, so
 * the protocol core and the reader can send from anywhere.
 *
 * @internal
 */
export class Outbound {
  /** Messages queued while the transport's own handshake runs (none for v1). */
  private held: Array<{ readonly sendable: Frame.Sendable; readonly written: Written; readonly stall: StallHandle | undefined }> = []

  constructor(
    private readonly transport: MessageTransport.MessageTransport,
    private readonly writer: Writer,
    private readonly config: PeerConfigShape,
    /** The version messages are encoded at. */
    private readonly version: () => number,
    /** Why the peer ended, if it did. */
    private readonly ended: () => DisconnectReason | undefined,
    /** Ends the peer. */
    private readonly end: (reason: DisconnectReason) => void
  ) {}

  /** Encodes and queues `sendable`; returns why not (rather than failing, so synchronous callers can use it). */
  enqueue(sendable: Frame.Sendable, written: Written, stall?: StallHandle): PeerError | undefined {
    const reason = this.ended()
    if (reason !== undefined) return disconnectedError(reason)
    if (!this.transport.ready) {
      this.held.push({ sendable, written, stall })
      return undefined
    }
    const prepared = Frame.isPrepared(sendable)
    const message = prepared ? sendable.message : sendable
    const encoded = prepared
      ? this.transport.encodePrepared(sendable, this.version())
      : this.transport.encode(message, this.version())
    if (Either.isLeft(encoded)) {
      return new PeerError({ reason: "EncodeFailed", command: encoded.left.command, detail: encoded.left.message })
    }
    const frame = encoded.right
    const queued = this.writer.queuedBytes + this.writer.queuedFrames * FRAME_OVERHEAD
    const charged = queued + frame.byteLength + FRAME_OVERHEAD
    if (charged > this.config.maxQueuedBytes) {
      if (this.config.queueOverflow === "disconnect") {
        const overflow = DisconnectReason.QueueOverflow({ queuedBytes: charged, limit: this.config.maxQueuedBytes })
        this.end(overflow)
        return disconnectedError(this.ended() ?? overflow)
      }
      return new PeerError({ reason: "QueueFull", command: Message.commandOf(message), detail: `${charged} charged of ${this.config.maxQueuedBytes} (bytes queued with this one, each frame's bookkeeping counted)` })
    }
    const expects = message._tag === "GetData" ? message.inventory.length : 1
    this.writer.push({ frame, command: Message.commandOf(message), payloadSize: this.transport.payloadSize(frame), expects, written, stall })
    return undefined
  }

  /** Bytes of the transport's own protocol (its handshake): written in order with the frames, counted as no command. */
  readonly writeTransportBytes = (bytes: Uint8Array): void => {
    if (this.ended() === undefined) this.writer.push({ frame: bytes, command: undefined, payloadSize: 0, expects: 0, written: undefined })
  }

  /** Called after the transport took received bytes: once it is ready, what waited for it goes out, in order. */
  releaseIfReady(): void {
    if (this.held.length === 0 || !this.transport.ready) return
    const waiting = this.held
    this.held = []
    for (const h of waiting) {
      const error = this.enqueue(h.sendable, h.written, h.stall)
      if (error === undefined) continue
      if (h.written !== undefined) h.written(error)
      else if (this.ended() === undefined) {
        this.end(DisconnectReason.LocalRequest({ detail: `could not send ${Message.commandOf(Frame.messageOf(h.sendable))}: ${error.message}` }))
      }
    }
  }

  /** The peer ended: what was held is handed back (to fail its waiters). */
  drainHeld(): Array<{ readonly written: Written }> {
    const held = this.held
    this.held = []
    return held
  }
}

/** @internal */
export const disconnectedError = (reason: DisconnectReason): PeerError => new PeerError({ reason: "Disconnected", disconnect: reason })
