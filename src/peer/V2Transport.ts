/**
 * BIP324 v2 encrypted transport, as a sans-I/O session: bytes in, messages
 * and bytes to write out, no socket and no clock, so it runs anywhere and
 * tests without a network.
 *
 * ```ts
 * const session = V2Transport.make({ initiating: true, params: ChainParams.mainnet })
 * write(session.initialBytes)                    // our key and garbage
 * const r = session.receive(bytesFromSocket)     // { messages, bytesToWrite, error?, v1? }
 * write(r.bytesToWrite)
 * write(session.send("ping", payload))           // empty until the keys exist: queued, then in a later bytesToWrite
 * ```
 *
 * A responder tells a v1 peer by its first 16 bytes (magic + `version`):
 * `receive` then returns `v1` with every byte received, for a v1 frame
 * decoder, so one listener serves both. An initiator whose v2 attempt met a
 * v1 peer asks `shouldReconnectV1(bytesSent)` (Core's rule) before dialling
 * again over v1.
 *
 * For a `Peer`, `messageTransport()` wraps the session as its
 * `MessageTransport` (`Peer.make(socket, { transport: V2Transport.messageTransport() })`):
 * messages decoded with their per-command caps, failures as
 * `MessageTransportError`, and an inbound v1 remote served over v1.
 *
 * Crypto runs in OpenSSL through `node:crypto` when the runtime has it
 * (ChaCha20, ChaCha20-Poly1305, secp256k1 ECDH, HKDF), `@noble/*` otherwise;
 * packets of up to 640 bytes of plaintext, and every packet without
 * `node:crypto`, go through a plain-JavaScript ChaCha20-Poly1305 (a native
 * AEAD context per packet costs more than a small packet in JavaScript).
 *
 * @since 0.1.0
 */
import * as Effect from "effect/Effect"
import type { ChainParams } from "../wire/ChainParams.js"
import { bytesToHex } from "../wire/Hash.js"
import * as Message from "../wire/Message.js"
import type { WireError } from "../wire/WireError.js"
import { V2TransportError, type V2TransportErrorReason } from "../internal/peer/v2/error.js"
import * as internal from "../internal/peer/v2/session.js"
import * as internalTransport from "../internal/peer/v2/transport.js"
import type * as MessageTransport from "./MessageTransport.js"

export {
  /**
   * A typed failure of a v2 session, with its `reason`.
   *
   * @since 0.1.0
   * @category errors
   */
  V2TransportError
}

export type {
  /**
   * Why a v2 session failed.
   *
   * @since 0.1.0
   * @category errors
   */
  V2TransportErrorReason
}

/**
 * Options of a v2 session.
 *
 * @since 0.1.0
 * @category models
 */
export interface Options {
  /** Whether we opened the connection (initiator) or accepted it (responder). */
  readonly initiating: boolean
  /** The network: its magic salts the keys; its `maxMessageSize` caps packets. */
  readonly params: Pick<ChainParams, "magic" | "maxMessageSize">
  /** Contents sizes of decoy packets sent before the version packet (none by default). */
  readonly decoys?: ReadonlyArray<number> | undefined
  /** Our garbage (0–4095 bytes); random of random length by default. For tests. */
  readonly garbage?: Uint8Array | undefined
}

/**
 * A message as a packet carries it: command and raw payload.
 *
 * @since 0.1.0
 * @category models
 */
export type RawMessage = internal.RawMessage

/**
 * What one `receive` produced: messages, bytes to write, and a failure or a
 * v1 handover when either happened.
 *
 * @since 0.1.0
 * @category models
 */
export type ReceiveResult = internal.ReceiveResult

/**
 * One v2 connection's state.
 *
 * @since 0.1.0
 * @category models
 */
export interface V2Session {
  readonly initiating: boolean
  /** Bytes to write when the connection opens: our key and garbage (initiator), nothing (responder). */
  readonly initialBytes: Uint8Array
  /** The 32-byte session id, once the keys exist (compare out of band against a man in the middle). */
  readonly sessionId: Uint8Array | undefined
  /** True once the remote's version packet arrived. */
  readonly ready: boolean
  /** Authentic packets with an unknown one-byte message id, dropped without failing (as Bitcoin Core). */
  readonly droppedMessages: number
  /** True once `send` frames at once (before that it queues). */
  readonly canSend: boolean
  /** Takes bytes read from the socket. */
  receive(chunk: Uint8Array): ReceiveResult
  /** Frames a message (empty result: queued until the keys exist, then written by a `receive`). */
  send(command: string, payload: Uint8Array): Uint8Array
  /** A decoy packet of `size` bytes, discarded by the remote. */
  decoy(size: number): Uint8Array
  /** The connection closed: the failure if it closed inside a key, garbage or packet. */
  end(): V2TransportError | undefined
  /** Core's rule for retrying over v1 (initiator only; `bytesSent` = bytes of `initialBytes` written). */
  shouldReconnectV1(bytesSent: number): boolean
}

/**
 * A new v2 session.
 *
 * @since 0.1.0
 * @category constructors
 */
export const make = (options: Options): V2Session =>
  new internal.Session({
    initiating: options.initiating,
    magic: options.params.magic,
    maxMessageSize: options.params.maxMessageSize,
    garbage: options.garbage,
    decoys: options.decoys
  })

/**
 * Frames a `NetworkMessage` (payload encoded by `wire/Message`).
 *
 * @since 0.1.0
 * @category framing
 */
export const sendMessage = (
  session: V2Session,
  message: Message.NetworkMessage,
  ctx: Message.CodecContext = Message.defaultContext
): Effect.Effect<Uint8Array, WireError> =>
  Effect.map(Message.encodePayload(message, ctx), (payload) => session.send(Message.commandOf(message), payload))

/**
 * Decodes a received packet's payload into a `NetworkMessage`.
 *
 * @since 0.1.0
 * @category framing
 */
export const decodeMessage = (
  raw: RawMessage,
  ctx: Message.CodecContext = Message.defaultContext
): Effect.Effect<Message.NetworkMessage, WireError> => Message.decodePayload(raw.command, raw.payload, ctx)

/**
 * The session id as hex, for display and out-of-band comparison.
 *
 * @since 0.1.0
 * @category getters
 */
export const sessionIdHex = (session: V2Session): string | undefined =>
  session.sessionId === undefined ? undefined : bytesToHex(session.sessionId)

/**
 * Options of the v2 `MessageTransport`.
 *
 * @since 0.2.0
 * @category models
 */
export interface TransportOptions {
  /** Contents sizes of decoy packets sent before the version packet. */
  readonly decoys?: ReadonlyArray<number> | undefined
  /** Inbound: a remote that speaks v1 is served over v1 instead of refused (default true). */
  readonly acceptV1?: boolean | undefined
  /**
   * Inbound: asked once when the remote's whole 64-byte key has arrived,
   * before our key is sent or any ECDH is done; false refuses it
   * (`MessageTransportError` with reason `Refused`), closed unanswered. A
   * remote that stalls short of a whole key is never asked about: the
   * handshake deadline ends it. The connector's admission control. Admits by
   * default.
   */
  readonly admit?: (() => boolean) | undefined
}

/**
 * The v2 transport for a `Peer` (`PeerOptions.transport`): the outbound side
 * initiates, the inbound side responds. Its `name` is `"v2"` (or `"v1"` once
 * an inbound v1 remote was detected) and its `sessionId` the session's.
 * These, `ready`, `bufferedBytes` and `droppedMessages` are getters on the
 * transport's prototype: a wrapper forwards each member explicitly (a copy
 * made by spreading it, `{ ...transport }`, reads them as `undefined`).
 *
 * @since 0.2.0
 * @category constructors
 */
export const messageTransport = (options: TransportOptions = {}): MessageTransport.Factory =>
  internalTransport.v2({ decoys: options.decoys, acceptV1: options.acceptV1, admit: options.admit })
