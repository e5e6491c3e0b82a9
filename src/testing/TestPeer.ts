/**
 * A scripted remote node, after Bitcoin Core's `P2PInterface`: the other end
 * of a `MemorySocket` pair, playing a peer the way a test wants it to.
 *
 * It completes the handshake (answering our `version` or, with
 * `speaksFirst`, opening with its own), or breaks it on purpose: a `version`
 * with any fields, a delay, no `verack`, no answer at all, or garbage bytes.
 * It records every message it receives; `expect(tag, predicate?)` waits for
 * the next one that matches, `send` writes messages, `respond(tag, handler)`
 * installs a reply rule (answer `getheaders` from a `TestChain`, `getdata`
 * with blocks…), `disconnect` hangs up.
 *
 * ```ts
 * it.scoped("asks for headers", () =>
 *   Effect.gen(function*() {
 *     const chain = TestChain.make({ length: 20 })
 *     const { peer, remote } = yield* TestPeer.connect({ version: { startHeight: 20 } })
 *     yield* remote.respond("GetHeaders", chain.answerGetHeaders)
 *     const { headers } = yield* peer.getHeaders(chain.locator(0))
 *     expect(headers.length).toBe(20)
 *   }))
 * ```
 *
 * Time: every wait (`expect`'s timeout, handshake `delay`) sleeps on Effect's
 * `Clock`. Under `TestClock` it elapses only when the test moves the clock,
 * so "nothing arrives within a minute" is a `TestClock.adjust("1 minute")`
 * and runs in microseconds.
 *
 * @since 0.1.0
 */
import type * as Socket from "@effect/platform/Socket"
import * as Data from "effect/Data"
import type * as Duration from "effect/Duration"
import type * as Effect from "effect/Effect"
import type * as Option from "effect/Option"
import type * as Scope from "effect/Scope"
import * as internal from "../internal/testing/peer.js"
import type * as Transport from "../network/Transport.js"
import type * as Peer from "../peer/Peer.js"
import type * as PeerConfig from "../peer/PeerConfig.js"
import type { PeerError } from "../peer/DisconnectReason.js"
import type * as ChainParams from "../wire/ChainParams.js"
import type * as Message from "../wire/Message.js"
import type * as NetAddress from "../wire/NetAddress.js"
import type { WireError } from "../wire/WireError.js"

/**
 * Why a `TestPeer` expectation failed.
 *
 * @since 0.1.0
 * @category errors
 */
export class TestPeerError extends Data.TaggedError("TestPeerError")<{
  readonly reason: "Timeout" | "Closed"
  /** The tag that was awaited. */
  readonly expected: string
  /** Tags received and not taken by an earlier `expect`, oldest first: what came instead. */
  readonly pending: ReadonlyArray<string>
}> {
  override get message(): string {
    const what = this.reason === "Timeout" ? "no" : "connection closed before any"
    return `${what} ${this.expected} (received and not expected: ${this.pending.join(", ") || "nothing"})`
  }
}

/**
 * How the scripted peer plays the handshake.
 *
 * - `"complete"`: `version`, then `verack` once it has the other side's `version`.
 * - `"no-verack"`: its `version`, never a `verack` (the other side must time out).
 * - `"silent"`: sends nothing at all.
 * - `"manual"`: nothing automatic; the test writes the handshake with `send`.
 * - `{ garbage }`: writes these bytes instead of a `version`.
 *
 * @since 0.1.0
 * @category models
 */
export type Handshake = "complete" | "no-verack" | "silent" | "manual" | { readonly garbage: Uint8Array }

/**
 * What a reply rule returns: nothing, one message, or several sent in order.
 *
 * @since 0.1.0
 * @category models
 */
export type Reply = Message.NetworkMessage | ReadonlyArray<Message.NetworkMessage> | void

/**
 * How to build a scripted peer.
 *
 * @since 0.1.0
 * @category models
 */
export interface Options {
  /** Network of its frames. Default regtest. */
  readonly params?: ChainParams.ChainParams
  /**
   * Fields of its `version` (protocol version, services, user agent, start
   * height, relay, nonce…). Defaults: 70016, no services, "/TestPeer:0.1.0/",
   * height 0, relay, a nonce of its own, the clock's time.
   */
  readonly version?: Partial<Message.MessageOf<"Version">>
  /** Default `"complete"`. */
  readonly handshake?: Handshake
  /** Sends its `version` at once instead of waiting for the other side's (play the dialing side). Default false. */
  readonly speaksFirst?: boolean
  /** Waits this long (on the `Clock`) before sending its `version`. */
  readonly delay?: Duration.DurationInput
  /** Sent between its `version` and `verack`, e.g. `wtxidrelay`, `sendaddrv2`. */
  readonly beforeVerack?: ReadonlyArray<Message.NetworkMessage>
  /** Answers `ping` with `pong` (a reply rule `respond` can replace). Default true. */
  readonly answerPings?: boolean
  /** Default timeout of `expect`. Default 10 seconds. */
  readonly timeout?: Duration.DurationInput
  /** Chunks the memory socket holds each way before a writer waits (default 64). */
  readonly capacity?: number
}

/**
 * The scripted peer.
 *
 * @since 0.1.0
 * @category models
 */
export interface TestPeer {
  /** The end the code under test uses (hand it to `Peer.make`). */
  readonly socket: Socket.Socket
  /** The `version` it sends (or would send). */
  readonly version: Message.MessageOf<"Version">
  /** Completes with the other side's `version` once both `verack`s went through. */
  readonly handshake: Effect.Effect<Message.MessageOf<"Version">, TestPeerError>
  /** Every message received so far, oldest first (taken by `expect` or not). */
  readonly received: Effect.Effect<ReadonlyArray<Message.NetworkMessage>>
  /**
   * The oldest received message with this tag (matching `predicate`) that no
   * earlier `expect` returned, waiting for it up to `timeout`. Fails with
   * `Closed` if the connection ends first.
   */
  readonly expect: <T extends Message.Tag>(
    tag: T,
    predicate?: (message: Message.MessageOf<T>) => boolean,
    options?: { readonly timeout?: Duration.DurationInput }
  ) => Effect.Effect<Message.MessageOf<T>, TestPeerError>
  /** Writes one message. Fails with `Closed` once the connection ended. */
  readonly send: (message: Message.NetworkMessage) => Effect.Effect<void, TestPeerError>
  /** Writes bytes as they are (half a frame, a bad checksum…). */
  readonly sendBytes: (bytes: Uint8Array) => Effect.Effect<void, TestPeerError>
  /** Installs (or replaces) the reply rule for `tag`; it runs for every later `tag` received. */
  readonly respond: <T extends Message.Tag>(
    tag: T,
    handler: (message: Message.MessageOf<T>) => Reply | Effect.Effect<Reply>
  ) => Effect.Effect<void>
  /** Hangs up (both directions). */
  readonly disconnect: Effect.Effect<void>
  /** Completes when the connection ended, whichever side ended it. */
  readonly closed: Effect.Effect<void>
  /** Whether the connection ended. */
  readonly isClosed: Effect.Effect<boolean>
  /** The error that stopped it decoding what the other side sent, if any. */
  readonly decodeError: Effect.Effect<Option.Option<WireError>>
}

/**
 * A scripted peer over a fresh `MemorySocket` pair; hand `socket` to the code
 * under test. It stops with the scope.
 *
 * @since 0.1.0
 * @category constructors
 */
export const make: (options?: Options) => Effect.Effect<TestPeer, never, Scope.Scope> = internal.make

/**
 * A scripted peer playing the remote end of a socket you already have.
 *
 * @since 0.1.0
 * @category constructors
 */
export const fromSocket: (socket: Socket.Socket, options?: Options) => Effect.Effect<TestPeer, never, Scope.Scope> =
  internal.fromSocket

/**
 * One of our `Peer`s connected to a scripted remote, handshake done. The peer
 * is `"outbound"` by default (it speaks first; the remote answers); with
 * `direction: "inbound"` the remote speaks first. `config` is the peer's
 * (regtest and a nonce registry of its own unless given).
 *
 * @since 0.1.0
 * @category constructors
 */
export const connect: (
  options?: Options & {
    readonly direction?: Peer.Direction
    readonly config?: Partial<PeerConfig.PeerConfigShape>
  }
) => Effect.Effect<{ readonly peer: Peer.Peer; readonly remote: TestPeer }, PeerError | TestPeerError, Scope.Scope> =
  internal.connect

/**
 * Scripted peers listening at `address` on a `MemoryHub`, for a network layer
 * (over `Transport.layerMemory(hub)`) to dial: each connection becomes a
 * `TestPeer` with `options`, taken with `accept`. Stops listening with the
 * scope.
 *
 * @since 0.1.0
 * @category constructors
 */
export const listen: (
  hub: Transport.MemoryHub,
  address: NetAddress.NetAddressFields,
  options?: Options
) => Effect.Effect<{ readonly accept: Effect.Effect<TestPeer> }, Transport.TransportError, Scope.Scope> = internal.listen

/**
 * A scripted peer that dials `address` on a `MemoryHub` (a node's listener),
 * appearing to come from `from` (a host; default "127.0.0.1"). It speaks
 * first, as a dialing node does.
 *
 * @since 0.1.0
 * @category constructors
 */
export const dial: (
  hub: Transport.MemoryHub,
  address: NetAddress.NetAddressFields,
  options?: Options & { readonly from?: string }
) => Effect.Effect<TestPeer, Transport.TransportError, Scope.Scope> = internal.dial

/**
 * A `version` as a remote sends it, with `fields` over the defaults above
 * (fresh nonce each call).
 *
 * @since 0.1.0
 * @category constructors
 */
export const versionMessage: (fields?: Partial<Message.MessageOf<"Version">>) => Message.MessageOf<"Version"> =
  internal.versionMessage
