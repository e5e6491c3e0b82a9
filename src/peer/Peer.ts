/**
 * A peer: one established connection to a remote node, speaking the
 * protocol on your behalf.
 *
 * ## Lifecycle
 *
 * You dial (or accept) a connection yourself and hand its `Socket` to
 * `Peer.make`; that is what lets proxies, Tor, in-memory pipes and tests work
 * unchanged. `make` runs the version/verack handshake (outbound peers send
 * `version` first; inbound peers wait for it) and returns once it completed,
 * or fails with the reason it did not. From then on:
 *
 * - received bytes are decoded where they arrive, in the socket's data
 *   callback, and each message is dispatched at once (protocol duties first:
 *   pong, handshake rules, stall bookkeeping; then request waiters and
 *   subscribers). About 256 KiB is worked on per turn of the event loop
 *   (the message that crosses it completes first), so one flooding remote
 *   cannot starve the others, and at most 4 MiB is held
 *   unread, over any socket (past it the socket is paused, or the peer ends
 *   with `ReadOverflow` if it cannot be); the worst case per peer is that
 *   plus the message being received;
 * - bytes become messages, and messages bytes, through the connection's
 *   `MessageTransport` (v1 framing unless `PeerOptions.transport` says
 *   otherwise);
 * - queued frames are written on the next microtask, what is waiting
 *   coalesced into one socket write;
 * - one alarm fiber keeps every timer: the ping schedule and pong timeout,
 *   the idle, handshake and stall timeouts, request timeouts and the
 *   inventory trickle. It sleeps until the earliest is due.
 *
 * An idle peer holds two fibers (the socket's read loop and the alarm), and a
 * message costs no fiber hop: that is what keeps a thousand connected peers
 * under 64 KiB each and a round trip near a bare socket's.
 *
 * A peer ends exactly once, with a `DisconnectReason`: closing the scope you
 * created it in (`Shutdown`), `disconnect` (`LocalRequest`), the remote
 * closing, a timeout, or misbehaviour. Ending closes the socket, stops every
 * fiber, fails every queued send and pending request with the reason, and ends
 * every subscription. `awaitDisconnect` tells you the reason.
 *
 * Return from the scope only what you need of a peer (its `info`, a result),
 * not the peer or anything that references it: Effect keeps the exit a scope
 * closed with, V8 allocates that closed state straight into the old
 * generation once scopes are hot, and a peer in such an exit outlives
 * young-generation collections (~15 KB per closed peer, until a full one).
 *
 * ## Interaction
 *
 * ```text
 *   outbound (us)                      inbound (them)
 *   version        ───────────────▶
 *                  ◀───────────────    version
 *   [wtxidrelay, sendaddrv2]  ──▶      (allowed before verack only)
 *   verack         ───────────────▶
 *                  ◀───────────────    verack
 *   sendheaders, feefilter  ────▶      (after the handshake)
 *   ping(n)        ───────────────▶    every 2 min
 *                  ◀───────────────    pong(n)
 *   getheaders     ───────────────▶    stall deadline set when written
 *                  ◀───────────────    headers          deadline cleared
 * ```
 *
 * @since 0.1.0
 */
import type * as Socket from "@effect/platform/Socket"
import type * as Duration from "effect/Duration"
import type * as Effect from "effect/Effect"
import type * as Scope from "effect/Scope"
import type * as Stream from "effect/Stream"
import type { DisconnectReason } from "./DisconnectReason.js"
import type * as MessageTransport from "./MessageTransport.js"
import type { PeerError } from "./PeerError.js"
import type * as Frame from "../wire/Frame.js"
import * as internal from "../internal/peer/make.js"
import type * as InvVector from "../wire/InvVector.js"
import type * as Message from "../wire/Message.js"
import type * as NetAddress from "../wire/NetAddress.js"
import type { PeerConfigShape } from "./PeerConfig.js"
import type { ServiceFlags } from "../wire/ServiceFlags.js"

/**
 * Which side opened the connection.
 *
 * @since 0.1.0
 * @category models
 */
export type Direction = "outbound" | "inbound"

/**
 * What the remote told us in its `version`, and what we negotiated.
 *
 * @since 0.1.0
 * @category models
 */
export interface HandshakeInfo {
  /** The remote's protocol version. */
  readonly version: number
  /** `min(ours, theirs)`: what this connection speaks. */
  readonly negotiatedVersion: number
  readonly services: ServiceFlags
  readonly userAgent: string
  readonly startHeight: number
  /** Whether the remote wants transactions relayed to it. */
  readonly relay: boolean
  /** The remote's clock minus ours, in seconds. */
  readonly timeOffset: number
  /** The remote's version nonce. */
  readonly nonce: bigint
  /** The message transport of this connection (`"v1"`, `"v2"`; see `MessageTransport`). */
  readonly transport: string
  /** The transport's session id (v2), undefined for v1. */
  readonly sessionId: Uint8Array | undefined
}

/**
 * Counters per command.
 *
 * @since 0.1.0
 * @category models
 */
export interface CommandCounters {
  readonly messages: number
  readonly bytes: number
}

/**
 * A snapshot of a peer's state and counters.
 *
 * @since 0.1.0
 * @category models
 */
export interface PeerStats {
  readonly id: number
  readonly remote: string
  readonly direction: Direction
  /** Undefined until the handshake completed. */
  readonly handshake: HandshakeInfo | undefined
  /** Height of the remote's best block as far as we know (start height, updated by `updateLastBlock`). */
  readonly lastBlock: number
  /** Features the remote announced. */
  readonly remoteWantsHeaders: boolean
  readonly remoteWantsAddrV2: boolean
  readonly remoteWantsWtxid: boolean
  /**
   * The remote's last valid `feefilter` rate (satoshis per 1,000 bytes). A rate outside
   * 0..`ChainParams.maxMoney` (negative, or above the network's money bound) is ignored, as
   * Bitcoin Core does (`MoneyRange`), and the last valid one kept.
   */
  readonly remoteFeeFilter: bigint | undefined
  /** Milliseconds since the epoch (our `Clock`). */
  readonly connectedAt: number
  readonly lastSend: number | undefined
  readonly lastReceive: number | undefined
  readonly bytesSent: number
  readonly bytesReceived: number
  readonly sent: Readonly<Record<string, CommandCounters>>
  readonly received: Readonly<Record<string, CommandCounters>>
  /** Round trip of the last answered ping, and the smallest seen, in milliseconds. */
  readonly lastPingMillis: number | undefined
  readonly minPingMillis: number | undefined
  /** Bytes waiting in the outbound queue. */
  readonly queuedBytes: number
  /** Bytes received and not yet decoded: at most 4 MiB over any socket (see `ReadOverflow`). */
  readonly unreadBytes: number
  /** The message transport (`"v1"`, `"v2"`) and its session id, if it has one. */
  readonly transport: string
  readonly sessionId: Uint8Array | undefined
  /** Messages the transport dropped without disconnecting (v2: an unknown short message id, as Bitcoin Core). */
  readonly droppedMessages: number
}

/**
 * How to create a peer.
 *
 * @since 0.1.0
 * @category models
 */
export interface PeerOptions {
  readonly direction: Direction
  /** The remote's address, put in our `version` and shown in stats. Default `0.0.0.0:0`. */
  readonly remote?: NetAddress.NetAddressFields | undefined
  /**
   * Overrides of `PeerConfig.defaults`. Read once per object: the first peer
   * started from it fills it from the defaults and every later peer given the
   * same object shares that filled config (its nonce registry included), so
   * changes made to the object after the first peer are not seen. To change
   * the config, pass a new object.
   */
  readonly config?: Partial<PeerConfigShape> | undefined
  /**
   * How this connection frames messages: `MessageTransport.v1` (the default)
   * or another implementation of `MessageTransport` (BIP-0324 v2), made once
   * for this peer.
   */
  readonly transport?: MessageTransport.Factory | undefined
}

/**
 * A connected peer (its handshake completed).
 *
 * @since 0.1.0
 * @category models
 */
export interface Peer extends StartingPeer {
  /** The remote's `version`, as negotiated (set: the handshake completed). */
  readonly info: HandshakeInfo
}

/**
 * A peer whose handshake may still be running (from `start`).
 *
 * @since 0.1.0
 * @category models
 */
export interface StartingPeer {
  /** Process-unique id. */
  readonly id: number
  readonly direction: Direction
  /** `host:port` of the remote. */
  readonly remote: string
  /**
   * A live view, not a snapshot: `undefined` while the handshake runs, set
   * once (and never changed again) the moment it completes. The same object
   * typed as `Peer` (from `make` or `connected`) has it set.
   */
  readonly info: HandshakeInfo | undefined
  /** Waits for the handshake; fails with the disconnect reason if it does not complete. */
  readonly handshake: Effect.Effect<HandshakeInfo, PeerError>
  /** Waits for the handshake and returns this peer as a connected `Peer` (no cast needed). */
  readonly connected: Effect.Effect<Peer, PeerError>

  /**
   * Queues a message without waiting for it to be written. Fails at once when
   * the peer is gone, the message cannot be encoded, or the queue is full
   * (see `PeerConfig.queueOverflow`). A `Frame.prepare`d message is encoded
   * once for all the peers it is sent to.
   */
  readonly send: (message: Frame.Sendable) => Effect.Effect<void, PeerError>
  /** Queues a message and waits until its bytes were handed to the socket. */
  readonly sendAndAwait: (message: Frame.Sendable) => Effect.Effect<void, PeerError>

  /**
   * Subscribes now (before the returned stream runs, so nothing sent after
   * this call is missed) to all messages, or to the given types. Ends when
   * the peer disconnects or the scope closes; fails with `SubscriberLagged`
   * if the consumer falls `subscriberBuffer` messages behind.
   */
  readonly subscribe: {
    (): Effect.Effect<Stream.Stream<Message.NetworkMessage, PeerError>, never, Scope.Scope>
    <T extends Message.Tag>(...tags: [T, ...Array<T>]): Effect.Effect<Stream.Stream<Message.MessageOf<T>, PeerError>, never, Scope.Scope>
  }
  /** Like `subscribe`, but subscribes when the stream starts running. */
  readonly messages: {
    (): Stream.Stream<Message.NetworkMessage, PeerError>
    <T extends Message.Tag>(...tags: [T, ...Array<T>]): Stream.Stream<Message.MessageOf<T>, PeerError>
  }
  /**
   * Runs `f` on every received message, or on those of the given types, one
   * at a time and in order: what `Stream.runForEach(peer.messages(...), f)`
   * does, subscribing when it starts running, succeeding when the peer
   * disconnects, failing with `SubscriberLagged` (or `f`'s error) as the
   * stream would. It takes each batch from the subscription directly, with no
   * stream run per message: use it for a hot consumer (blocks, a relay's
   * inventory). Measured: ~half the CPU and allocation per delivered message
   * of the stream; and a delivered 1 MB block dies young, where a stream run
   * kept blocks reachable until a full GC.
   */
  readonly runForEach: {
    <E = never, R = never>(f: (message: Message.NetworkMessage) => Effect.Effect<void, E, R>): Effect.Effect<void, PeerError | E, R>
    <T extends Message.Tag, E = never, R = never>(
      tags: readonly [T, ...Array<T>],
      f: (message: Message.MessageOf<T>) => Effect.Effect<void, E, R>
    ): Effect.Effect<void, PeerError | E, R>
  }

  /**
   * Sends `message` and waits for the first received message that `match`
   * accepts (returns non-undefined for). Times out after `timeout` (default:
   * the stall rule of the command, or `requestTimeout`). A request that ends
   * without its reply (timed out or interrupted) withdraws its stall
   * deadline: the caller was told, and the remote is not also disconnected
   * for it (some stay silent by design: bcoin never answers a `getheaders` at
   * its tip). Fire-and-forget sends (`send`, `pushGetHeaders`, …) keep theirs.
   * The reply is not taken from anyone: like every received message, it also
   * reaches every subscriber (`subscribe`, `messages`, `runForEach`).
   */
  readonly request: <A>(
    message: Message.NetworkMessage,
    match: (m: Message.NetworkMessage) => A | undefined,
    options?: { readonly timeout?: Duration.DurationInput }
  ) => Effect.Effect<A, PeerError>
  /** `getheaders` → `headers`. */
  readonly getHeaders: (
    locator: ReadonlyArray<Uint8Array>,
    stopHash?: Uint8Array
  ) => Effect.Effect<Message.MessageOf<"Headers">, PeerError>
  /** `getdata` for one object → the `block`, `tx`, `merkleblock` or `notfound` that answers it. */
  readonly getData: (
    inv: InvVector.InvVector
  ) => Effect.Effect<Message.MessageOf<"Block" | "Tx" | "MerkleBlock" | "NotFound">, PeerError>
  /** Pings now and returns the round trip. */
  readonly ping: Effect.Effect<Duration.Duration, PeerError>

  /**
   * Queues inventory for the next trickle. Inventory the remote already has
   * (announced by it or sent to it) is skipped; blocks go out at once.
   */
  readonly queueInventory: (inventory: ReadonlyArray<InvVector.InvVector>) => Effect.Effect<void, PeerError>
  /** Sends up to 1,000 of `addresses` (randomised, known ones skipped) as `addrv2` if the remote asked for it, else `addr`. */
  readonly pushAddresses: (addresses: ReadonlyArray<NetAddress.TimedNetAddressFields>) => Effect.Effect<number, PeerError>
  /**
   * Sends our own addresses (where we listen, an onion service), first forgetting which addresses the
   * remote knows, as Bitcoin Core does on each periodic self-advertisement:
   * addresses whose relay once died out on this link can cross it again.
   */
  readonly advertiseAddresses: (addresses: ReadonlyArray<NetAddress.TimedNetAddressFields>) => Effect.Effect<void, PeerError>
  /** `getblocks` from a locator; a request identical to the previous one is not sent again. */
  readonly pushGetBlocks: (locator: ReadonlyArray<Uint8Array>, stopHash?: Uint8Array) => Effect.Effect<void, PeerError>
  /** `getheaders` from a locator; a request identical to the previous one is not sent again. */
  readonly pushGetHeaders: (locator: ReadonlyArray<Uint8Array>, stopHash?: Uint8Array) => Effect.Effect<void, PeerError>
  /** `reject` (BIP-0061), when the remote's version knows it. */
  readonly pushReject: (command: string, code: number, reason: string, hash?: Uint8Array) => Effect.Effect<void, PeerError>

  /** Records the remote's best height (e.g. after it announced a block). */
  readonly updateLastBlock: (height: number) => Effect.Effect<void>
  /** A snapshot of state and counters. */
  readonly stats: Effect.Effect<PeerStats>

  /** Ends the peer with `LocalRequest` and waits until everything is released. */
  readonly disconnect: (detail?: string) => Effect.Effect<void>
  /** Waits for the end and returns why. */
  readonly awaitDisconnect: Effect.Effect<DisconnectReason>
  /** The reason, if the peer already ended. */
  readonly disconnectReason: Effect.Effect<DisconnectReason | undefined>
}

/**
 * Starts a peer over an established socket and completes the handshake.
 * Fails with `PeerError` (reason `Disconnected`, with the `DisconnectReason`)
 * when the handshake does not complete. Closing the scope disconnects it.
 *
 * @since 0.1.0
 * @category constructors
 */
export const make: (socket: Socket.Socket, options: PeerOptions) => Effect.Effect<Peer, PeerError, Scope.Scope> =
  internal.make

/**
 * Starts a peer and returns at once, with the handshake under way. Subscribe
 * before awaiting `handshake` to see every message from the first one on
 * (the network layer does this, so no message after verack is missed).
 *
 * @since 0.1.0
 * @category constructors
 */
export const start: (socket: Socket.Socket, options: PeerOptions) => Effect.Effect<StartingPeer, never, Scope.Scope> =
  internal.start
