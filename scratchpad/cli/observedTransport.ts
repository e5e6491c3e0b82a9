/**
 * The TCP transport, observed: reports every failed dial and every inbound connection that
 * ended without becoming a peer, with the reason where it is known.
 *
 * The network layer's `Connector` publishes only `Connected` and `Disconnected` (for peers
 * that completed their handshake), so failures before that are seen here, around the
 * `Transport` it uses: a dial's own error, a dial whose scope closed with a `PeerError` (the
 * handshake failed), and an accepted connection the connector returned without reading
 * (refused: banned, or no inbound slot left) or that closed before its handshake completed.
 */
import * as Socket from "@effect/platform/Socket"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Layer from "effect/Layer"
import * as Transport from "../../src/network/Transport.js"
import * as NodeTransport from "../../src/node/NodeTransport.js"
import { describe as describeReason } from "../../src/peer/DisconnectReason.js"
import { PeerError } from "../../src/peer/PeerError.js"
import * as NetAddress from "../../src/wire/NetAddress.js"

/** What the observer reports. */
export interface Observer {
  readonly dialFailed: (peer: string, reason: string) => Effect.Effect<void>
  readonly inboundRefused: (peer: string, reason: string) => Effect.Effect<void>
  /**
   * Whether the peer at this address completed its handshake (from the connector's events, which
   * are read concurrently: a peer that completes it and drops at once may be reported as both).
   */
  readonly completedHandshake: (peer: string) => boolean
}

const describeFailure = (cause: unknown): string => {
  // A handshake that failed: the peer's `PeerError`, whose `disconnect` says why.
  if (cause instanceof PeerError) {
    return `handshake failed: ${cause.disconnect === undefined ? cause.message : describeReason(cause.disconnect)}`
  }
  if (typeof cause === "object" && cause !== null && "_tag" in cause && "message" in cause && typeof cause.message === "string") {
    return `${String(cause._tag)}: ${cause.message}`
  }
  return String(cause)
}

/**
 * Why a dial failed, for the user. `Unsupported` without a cause is a network no transport routes
 * (the options can fix that); with one, the transport refused the request itself (a SOCKS5 proxy's
 * transport: a name too long for the protocol), and that cause is the reason. (Defensive: the
 * CLI observes `dial` only, whose addresses a SOCKS5 transport always carries; names reach the
 * proxy through seeding's `dialName`.)
 */
export const describeDialError = (e: Transport.TransportError): string =>
  e.reason === "Unsupported" && e.cause === undefined
    ? `Unsupported: no route to this address's network (an onion needs --onion or --proxy, I2P --proxy; --onlynet leaves out the rest)`
    : `${e.reason}${e.cause === undefined ? "" : `: ${e.cause instanceof Error ? e.cause.message : describeFailure(e.cause)}`}`

/** Records whether the connector ever read from the socket it was handed. */
const watchReads = (socket: Socket.Socket, onRead: () => void): Socket.Socket => {
  const watched = Object.create(socket) as Socket.Socket
  Object.assign(watched, {
    run: (...args: Parameters<Socket.Socket["run"]>) => Effect.suspend(() => (onRead(), socket.run(...args))),
    runRaw: (...args: Parameters<Socket.Socket["runRaw"]>) => Effect.suspend(() => (onRead(), socket.runRaw(...args)))
  })
  return watched
}

/** `tcp` (default `NodeTransport.make(options)`; a `ReachableNetworks` transport under --proxy / --onion) with `observer` told about failures. */
export const make = (
  observer: Observer,
  options: { readonly dialTimeout?: number } = {},
  tcp: Transport.TransportShape = NodeTransport.make(options)
): Transport.TransportShape => {
  return {
    reachable: tcp.reachable,
    dial: (address) => {
      const peer = NetAddress.toString(address)
      return tcp.dial(address).pipe(
        Effect.tapError((e) =>
          observer.dialFailed(peer, describeDialError(e))
        ),
        // The dial's scope is the outbound attempt's: it closes with a failure when the handshake
        // fails (a peer that got going returns its disconnect reason; shutdown interrupts).
        Effect.tap(() =>
          Effect.addFinalizer((exit) =>
            Exit.isFailure(exit) && exit.cause._tag === "Fail"
              ? observer.dialFailed(peer, describeFailure(exit.cause.error))
              : Effect.void
          )
        )
      )
    },
    listen: (host, port, handler) =>
      tcp.listen(host, port, (incoming) => {
        const peer = NetAddress.toString(incoming.remote)
        let read = false
        return handler({ ...incoming, socket: watchReads(incoming.socket, () => (read = true)) }).pipe(
          Effect.zipRight(Effect.suspend(() =>
            !read
              ? observer.inboundRefused(peer, "refused: banned, or no inbound slot left (maxInbound)")
              : observer.completedHandshake(peer)
              ? Effect.void
              : observer.inboundRefused(peer, "closed before the handshake completed")
          ))
        )
      })
  }
}

/** `make` as the `Transport` layer. */
export const layer = (observer: Observer, tcp?: Transport.TransportShape): Layer.Layer<Transport.Transport> =>
  Layer.succeed(Transport.Transport, make(observer, {}, tcp))
