import * as Chunk from "effect/Chunk"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Fiber from "effect/Fiber"
import * as Option from "effect/Option"
import type * as Mailbox from "effect/Mailbox"
import * as Random from "effect/Random"
import * as Scope from "effect/Scope"
import * as Stream from "effect/Stream"
import { DisconnectReason } from "../../peer/DisconnectReason.js"
import type { HandshakeInfo, Peer, PeerStats, StartingPeer } from "../../peer/Peer.js"
import type { PeerConfigShape } from "../../peer/PeerConfig.js"
import type { PeerError } from "../../peer/PeerError.js"
import type * as Frame from "../../wire/Frame.js"
import * as Hash from "../../wire/Hash.js"
import type * as InvVector from "../../wire/InvVector.js"
import * as Message from "../../wire/Message.js"
import type * as NetAddress from "../../wire/NetAddress.js"
import * as ProtocolVersion from "../../wire/ProtocolVersion.js"
import type { PeerCore } from "./core/PeerCore.js"
import type { Request, StallHandle } from "./core/Requests.js"
import { runForEach, subscriptionStream } from "./mailboxSource.js"
import { setSendNow } from "./SendNow.js"
import { disconnectedError, type Outbound } from "./Outbound.js"
import type { Outcome } from "./Outcome.js"
import { answersGetData } from "./replies.js"
import type { PingWaiters } from "./PingWaiters.js"
import { makeMailbox, type Subscribers, type Subscription } from "./Subscribers.js"

/** How the engine resumes a fiber waiting for a request's reply. */
export type Resume = (exit: Exit.Exit<unknown, PeerError>) => void

/** What the public peer object is built on: the core, and the engine's parts. @internal */
export interface Parts {
  readonly id: number
  readonly remote: string
  readonly config: PeerConfigShape
  readonly core: PeerCore<Resume>
  readonly outbound: Outbound
  readonly subscribers: Subscribers<Message.NetworkMessage>
  /**
   * The handshake's info, or why it did not complete. Not settled with the peer object itself (which
   * would spare `connected` its map step): then every short-lived peer outlived young-generation
   * collections (loopback setup: ~3.4 MB of each ~13 MB scavenged survived, against ~1.2-2.1 MB).
   */
  readonly handshakeDone: Outcome<HandshakeInfo, PeerError>
  readonly closed: Outcome<DisconnectReason>
  /** Fibers waiting for the outstanding ping's pong: resumed with the round trip, or why there is none. */
  readonly pingWaiters: PingWaiters
  readonly now: () => number
  readonly stats: () => Pick<PeerStats, "queuedBytes" | "unreadBytes" | "transport" | "sessionId" | "droppedMessages">
}

/**
 * The peer object users hold: each operation turns into an event for the
 * core (or a subscription), and waits, where it must, through an
 * `Effect.async` callback the engine resumes. Requests, pings and
 * `sendAndAwait` complete that way rather than through a `Deferred` each:
 * making a `Deferred` copies the Effect prototype into the new object, which
 * cost more than the rest of a small request.
 *
 * `info` is a plain property, set once when the handshake completes (the
 * documented live view of `StartingPeer.info`): a getter would make every
 * peer object a slow dictionary-mode one, ~1.4 KiB each.
 *
 * @internal
 */
export const surface = (parts: Parts): StartingPeer & { info: HandshakeInfo | undefined } => {
  const { config, core, outbound, subscribers, now } = parts

  const sendNow = (message: Frame.Sendable): PeerError | undefined => outbound.enqueue(message, undefined)

  const send = (message: Frame.Sendable): Effect.Effect<void, PeerError> =>
    Effect.suspend(() => {
      const error = sendNow(message)
      return error === undefined ? Effect.void : Effect.fail(error)
    })

  const sendAndAwait = (message: Frame.Sendable): Effect.Effect<void, PeerError> =>
    Effect.async<void, PeerError>((resume) => {
      const error = outbound.enqueue(message, (e) => resume(e === undefined ? Effect.void : Effect.fail(e)))
      if (error !== undefined) resume(Effect.fail(error))
    })

  // The subscription's removal is a finalizer of the caller's scope, added before the subscriber is
  // (an interruption in between leaves nothing behind), rather than an `Effect.acquireRelease`: that
  // cost ~16 Effect ops and ~12 KiB per subscription, which every peer a hub accepts pays (churn).
  const register = (tags: ReadonlyArray<string>) =>
    Effect.flatMap(Effect.scope, (scope) =>
      Effect.flatMap(makeMailbox<Message.NetworkMessage>(config.subscriberBuffer), (mailbox) => subscribeWith(scope, tags, mailbox)))

  const subscribeWith = (scope: Scope.Scope, tags: ReadonlyArray<string>, mailbox: Mailbox.Mailbox<Message.NetworkMessage, PeerError>) => {
    let subscription: Subscription<Message.NetworkMessage> | undefined
    // Set by the finalizer, which runs at once if the scope is already closed: no subscriber then.
    let removed = false
    const remove = Effect.sync(() => {
      removed = true
      subscription?.remove()
    })
    return Effect.map(Scope.addFinalizer(scope, remove), () => {
      if (core.reason !== undefined || removed) {
        mailbox.unsafeDone(Exit.void)
        return subscriptionStream({ next: mailbox.takeAll, taken: () => {} })
      }
      // What the consumer takes no longer counts against the subscriber's byte bound. The registry
      // takes from the mailbox directly (`mailboxSource.ts`): no stream run per peer.
      subscription = subscribers.add(tags.length === 0 ? undefined : new Set(tags), mailbox)
      return subscriptionStream(subscription)
    })
  }

  // Subscribes when it runs, like `messages`; takes batches from the mailbox with no stream run.
  const forEachOf = (tags: ReadonlyArray<string>, f: (m: Message.NetworkMessage) => Effect.Effect<void, unknown, unknown>) =>
    Effect.scoped(Effect.flatMap(register(tags), (stream) => runForEach(stream, f)))

  const request = <A>(
    message: Message.NetworkMessage,
    match: (m: Message.NetworkMessage) => A | undefined,
    opts?: { readonly timeout?: Duration.DurationInput }
  ): Effect.Effect<A, PeerError> =>
    Effect.async<A, PeerError>((resume) => {
      const command = Message.commandOf(message)
      const timeoutMillis = Duration.toMillis(Duration.decode(opts?.timeout ?? config.stallRules[command]?.timeout ?? config.requestTimeout))
      const stall: StallHandle = { withdrawn: false, deadline: undefined }
      const r: Request<Resume> = { match, handle: resume as Resume, command, timeoutMillis, due: now() + timeoutMillis, stall }
      const error = core.request(r, message)
      if (error !== undefined) return resume(Effect.fail(error))
      // Interrupted while waiting.
      return Effect.sync(() => core.cancel(r))
    })

  // One `Effect.async` for the whole ping (no suspend, no map step), built once: the engine resumes
  // it with the round trip as a `Duration`. A sequential ping loop runs this once per round trip.
  // No canceler: an interrupted waiter's entry is left to `PingWaiters`' sweep (the ping itself
  // stays out; its pong still counts), which needs the waiting fiber: the one running this
  // registration (`getCurrentFiber`, rather than a `withFiberRuntime` step and closures per ping).
  const ping = Effect.async<Duration.Duration, PeerError>((resume) => {
    const error = core.pingNow(now())
    if (error !== undefined) return resume(Effect.fail(error))
    parts.pingWaiters.add(Option.getOrUndefined(Fiber.getCurrentFiber()), resume)
  })

  const pushAddresses = (addresses: ReadonlyArray<NetAddress.TimedNetAddressFields>) =>
    Effect.gen(function*() {
      const chosen = (yield* Random.shuffle(core.freshAddresses(addresses))).pipe(Chunk.take(1000), Chunk.toReadonlyArray)
      const error = core.sendAddresses(chosen)
      if (error !== undefined) return yield* Effect.fail(error)
      return chosen.length
    })

  const advertiseAddresses = (addresses: ReadonlyArray<NetAddress.TimedNetAddressFields>) =>
    Effect.suspend(() => {
      const error = core.advertiseAddresses(addresses)
      return error === undefined ? Effect.void : Effect.fail(error)
    })

  /** `getblocks` or `getheaders` from a locator, skipping a request identical to the previous one of its kind. */
  const locatorPusher = (def: typeof Message.GetBlocks | typeof Message.GetHeaders) => {
    let last: string | undefined
    return (locator: ReadonlyArray<Uint8Array>, stopHash: Uint8Array = Hash.ZERO) =>
      Effect.suspend(() => {
        const key = `${locator[0] === undefined ? "" : Hash.bytesToHex(locator[0])}/${Hash.bytesToHex(stopHash)}`
        if (key === last) return Effect.void
        last = key
        return send(def.make({ version: config.protocolVersion, locator, stopHash }))
      })
  }

  const stats = Effect.sync((): PeerStats => ({
    id: parts.id,
    remote: parts.remote,
    direction: core.options.direction,
    handshake: core.handshake,
    lastBlock: core.lastBlock,
    remoteWantsHeaders: core.remoteWantsHeaders,
    remoteWantsAddrV2: core.remoteWantsAddrV2,
    remoteWantsWtxid: core.remoteWantsWtxid,
    remoteFeeFilter: core.remoteFeeFilter,
    connectedAt: core.options.connectedAt,
    lastSend: core.counters.lastSend,
    lastReceive: core.counters.lastReceive,
    bytesSent: core.counters.bytesSent,
    bytesReceived: core.counters.bytesReceived,
    sent: core.counters.sentByCommand(),
    received: core.counters.receivedByCommand(),
    lastPingMillis: core.ping.lastMillis,
    minPingMillis: core.ping.minMillis,
    ...parts.stats()
  }))

  const peer: StartingPeer & { info: HandshakeInfo | undefined } = {
    id: parts.id,
    direction: core.options.direction,
    remote: parts.remote,
    info: undefined,
    handshake: parts.handshakeDone.await,
    // Once the handshake completed, `info` is set: this object is a `Peer` (the one place that says so).
    connected: Effect.map(parts.handshakeDone.await, () => peer as Peer),
    send,
    sendAndAwait,
    subscribe: ((...tags: Array<string>) => register(tags)) as Peer["subscribe"],
    messages: ((...tags: Array<string>) => Stream.unwrapScoped(register(tags))) as Peer["messages"],
    runForEach: ((tagsOrF: unknown, f?: unknown) =>
      typeof tagsOrF === "function"
        ? forEachOf([], tagsOrF as (m: Message.NetworkMessage) => Effect.Effect<void, unknown, unknown>)
        : forEachOf(tagsOrF as ReadonlyArray<string>, f as (m: Message.NetworkMessage) => Effect.Effect<void, unknown, unknown>)) as Peer["runForEach"],
    request,
    getHeaders: (locator, stopHash = Hash.ZERO) =>
      request(Message.GetHeaders.make({ version: config.protocolVersion, locator, stopHash }), (m) => (m._tag === "Headers" ? m : undefined)),
    getData: (inv: InvVector.InvVector) => request(Message.GetData.make({ inventory: [inv] }), answersGetData(inv)),
    ping,
    queueInventory: (inventory) =>
      Effect.suspend(() => {
        const error = core.queueInventory(inventory)
        return error === undefined ? Effect.void : Effect.fail(error)
      }),
    pushAddresses,
    advertiseAddresses,
    pushGetBlocks: locatorPusher(Message.GetBlocks),
    pushGetHeaders: locatorPusher(Message.GetHeaders),
    pushReject: (command, code, why, hash) =>
      core.negotiatedVersion < ProtocolVersion.REJECT
        ? Effect.void
        : send(Message.Reject.make(hash === undefined ? { message: command, code, reason: why } : { message: command, code, reason: why, hash })),
    updateLastBlock: (height) => Effect.sync(() => core.updateLastBlock(height)),
    stats,
    disconnect: (detail = "requested") =>
      Effect.suspend(() => {
        core.end(DisconnectReason.LocalRequest({ detail }))
        return Effect.asVoid(parts.closed.await)
      }),
    awaitDisconnect: parts.closed.await,
    disconnectReason: Effect.sync(() => core.reason)
  }
  setSendNow(peer, sendNow)
  return peer
}

export { disconnectedError }
