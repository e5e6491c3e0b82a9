/**
 * A `Transport` that dials through a SOCKS5 proxy (RFC 1928, with RFC 1929
 * username/password), as Bitcoin Core's `-proxy` and `-onion`: IPv4 and IPv6
 * addresses are asked for by address, Tor v3 (`….onion`) and I2P
 * (`….b32.i2p`) addresses and host names by name, for the proxy to resolve.
 *
 * No DNS leak: nothing here resolves a peer's name. A name goes to the proxy
 * as a SOCKS5 domain name (address type 3); the only connection we open
 * ourselves is the one to the proxy.
 *
 * Tor stream isolation: with `credentials: "random"` (the default of
 * `makeTor` / `layerTor`, as Core's `-proxyrandomize`), every connection
 * authenticates with a username and password of its own, and Tor never puts
 * two streams with different credentials on one circuit: each peer gets its
 * own circuit and exit, and peers cannot be linked by the circuit they share.
 *
 * The dial timeout bounds the whole dial: the TCP connect to the proxy, the
 * negotiation, and the proxy's own connect to the peer (which, for an onion
 * service, includes building the circuit). The tunnel, once open, is a
 * socket like `NodeTransport`'s: reads pause while the peer is busy, and the
 * peer writes to it directly.
 *
 * `reachable` says which networks go through the proxy (default IPv4, IPv6
 * and Tor v3, as Core's `-proxy`), so the connector picks only those; a dial
 * to another network fails `Unsupported` without contacting the proxy.
 *
 * `listen` listens directly (TCP, `NodeTransport`): a SOCKS5 proxy only
 * dials. Inbound onion connections come from Tor's hidden service
 * configuration to a local port, i.e. to this listener.
 *
 * @since 0.2.0
 */
import type * as Socket from "@effect/platform/Socket"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import type * as Scope from "effect/Scope"
import * as Crypto from "node:crypto"
import * as Net from "node:net"
import * as Socks5 from "../internal/network/socks5.js"
import * as Transport from "../network/Transport.js"
import * as NetAddress from "../wire/NetAddress.js"
import * as NodeTransport from "./NodeTransport.js"

/**
 * Why a dial through the proxy failed: one reason per SOCKS5 reply code, plus
 * authentication, protocol, connect and timeout failures. A failed
 * `Transport.dial` carries it as the `TransportError`'s `cause`.
 *
 * @since 0.2.0
 * @category errors
 */
export const Socks5Error = Socks5.Socks5Error

/**
 * @since 0.2.0
 * @category errors
 */
export type Socks5Error = Socks5.Socks5Error

/**
 * RFC 1929 username and password, each 1 to 255 bytes of UTF-8.
 *
 * @since 0.2.0
 * @category models
 */
export type Credentials = Socks5.Credentials

/**
 * @since 0.2.0
 * @category models
 */
export interface Options {
  /** The proxy. An IP address (a name here would be resolved locally, by the system). */
  readonly proxy: { readonly host: string; readonly port: number }
  /**
   * Authentication: none (the default of `make`), fixed credentials, or
   * `"random"`: fresh random credentials for every connection (Tor stream
   * isolation; the default of `makeTor`).
   */
  readonly credentials?: Credentials | "random" | undefined
  /**
   * Bound on the whole dial, proxy negotiation included. Default 20 seconds:
   * Core's SOCKS5 receive timeout, since a proxy connecting to an onion
   * service first builds a circuit, which often takes several seconds.
   */
  readonly dialTimeout?: Duration.DurationInput | undefined
  /**
   * The networks (`NetAddress.NetworkId`) dialled through this proxy; the
   * connector picks only addresses on these, and a dial to another fails
   * with `Unsupported`. Default IPv4, IPv6 and Tor v3, as Core's `-proxy`
   * (a Tor SOCKS port reaches all three). An I2P router's SOCKS port:
   * `[NetworkId.I2P]`; onions only, as Core's `-onion` with `-onlynet=onion`:
   * `[NetworkId.TorV3]`. CJDNS cannot go through SOCKS5.
   */
  readonly reachable?: ReadonlyArray<number> | undefined
}

/**
 * What a proxy reaches unless told otherwise: IPv4, IPv6 and Tor v3 (Core's `-proxy`).
 *
 * @since 0.2.0
 * @category models
 */
export const defaultReachable: ReadonlyArray<number> = [
  NetAddress.NetworkId.IPv4,
  NetAddress.NetworkId.IPv6,
  NetAddress.NetworkId.TorV3
]

/**
 * A transport through a proxy; `dialName` connects to a host name without
 * resolving it (the proxy does), e.g. a DNS seed or a `--connect` name.
 *
 * @since 0.2.0
 * @category models
 */
export interface Socks5TransportShape extends Transport.TransportShape {
  readonly dialName: (host: string, port: number) => Effect.Effect<Socket.Socket, Transport.TransportError, Scope.Scope>
}

const ignoreError = (): void => {}

/** Random RFC 1929 credentials: 16 random bytes each, as hex (Tor compares them as opaque strings). */
const randomCredentials = (): Credentials => ({
  username: Crypto.randomBytes(16).toString("hex"),
  password: Crypto.randomBytes(16).toString("hex")
})

/** The proxy's TCP connect and the SOCKS5 negotiation, in paused-mode reads: bytes after the reply stay in `conn`. */
const negotiate = (
  options: Options,
  destination: Socks5.Destination,
  port: number,
  credentials: Credentials | undefined,
  error: (reason: Socks5Error["reason"], code?: number, cause?: unknown) => Socks5Error
): Effect.Effect<Net.Socket, Socks5Error> =>
  Effect.async<Net.Socket, Socks5Error>((resume) => {
    const begin = Socks5.start(destination, port, credentials)
    if (begin === undefined) return resume(Effect.fail(error("InvalidRequest")))
    let state = begin.state
    let connected = false
    const conn = Net.createConnection({ host: options.proxy.host, port: options.proxy.port, noDelay: true })
    const detach = () => {
      conn.off("readable", onReadable)
      conn.off("error", onError)
      conn.off("close", onClose)
      // As in NodeTransport: a late error must not become an uncaught exception.
      conn.on("error", ignoreError)
    }
    const fail = (e: Socks5Error) => {
      detach()
      conn.destroy()
      resume(Effect.fail(e))
    }
    const onError = (cause: Error) => fail(error(connected ? "ProxyClosed" : "ProxyUnreachable", undefined, cause))
    const onClose = () => fail(error("ProxyClosed"))
    const onReadable = () => {
      let chunk: Buffer | null
      while ((chunk = conn.read()) !== null) {
        const step = Socks5.receive(state, chunk)
        switch (step._tag) {
          case "Continue":
            state = step.state
            if (step.write !== undefined) conn.write(step.write)
            break
          case "Failed":
            return fail(error(step.reason, step.code))
          case "Open":
            detach()
            // What the peer sent right behind the proxy's reply (a node may speak first) is read first.
            if (step.rest.length > 0) conn.unshift(step.rest)
            return resume(Effect.succeed(conn))
        }
      }
    }
    conn.once("connect", () => {
      connected = true
      conn.write(begin.write)
    })
    conn.on("readable", onReadable)
    conn.on("error", onError)
    conn.on("close", onClose)
    return Effect.sync(() => {
      detach()
      conn.destroy()
    })
  })

const toTransportError = (e: Socks5Error): Transport.TransportError =>
  new Transport.TransportError({
    reason: e.reason === "Timeout" ? "Timeout" : e.reason === "InvalidRequest" ? "Unsupported" : "Unreachable",
    address: e.target,
    cause: e
  })

/**
 * A transport dialling through the SOCKS5 proxy `options.proxy`.
 *
 * @since 0.2.0
 * @category constructors
 */
export const make = (options: Options): Socks5TransportShape => {
  const timeout = Duration.decode(options.dialTimeout ?? Duration.seconds(20))
  const proxyLabel = `${options.proxy.host}:${options.proxy.port}`
  const direct = NodeTransport.make()
  const reachable: ReadonlySet<number> = new Set(
    (options.reachable ?? defaultReachable).filter((network) => network !== NetAddress.NetworkId.CJDNS)
  )
  const dialTo = (destination: Socks5.Destination | undefined, port: number, target: string) => {
    const error = (reason: Socks5Error["reason"], code?: number, cause?: unknown) =>
      new Socks5.Socks5Error({ reason, proxy: proxyLabel, target, code, cause })
    if (destination === undefined) return Effect.fail(toTransportError(error("InvalidRequest")))
    const credentials = options.credentials === "random" ? randomCredentials() : options.credentials
    const negotiation = negotiate(options, destination, port, credentials, error)
    const bounded = Duration.isFinite(timeout)
      ? Effect.timeoutFail(negotiation, { duration: timeout, onTimeout: () => error("Timeout") })
      : negotiation
    // Interruptible while negotiating; the finalizer is registered before anything can interrupt again.
    const open = Effect.uninterruptibleMask((restore) =>
      Effect.tap(restore(bounded), (conn) => Effect.addFinalizer(() => Effect.sync(() => conn.destroy())))
    )
    return open.pipe(Effect.mapError(toTransportError), Effect.flatMap(NodeTransport.fromNetSocket))
  }
  return {
    reachable,
    dial: (address) =>
      reachable.has(address.network)
        ? dialTo(Socks5.destinationOf(address), address.port, NetAddress.toString(address))
        : Effect.fail(new Transport.TransportError({ reason: "Unsupported", address: NetAddress.toString(address) })),
    dialName: (host, port) => {
      // An address literal (or an onion / I2P name) is sent as such; any other name goes to the proxy as a name.
      const parsed = NetAddress.parseHost(host)
      if (parsed !== undefined && !reachable.has(parsed.network)) {
        return Effect.fail(new Transport.TransportError({ reason: "Unsupported", address: NetAddress.toString({ ...parsed, port }) }))
      }
      const destination = parsed === undefined ? { _tag: "Name" as const, name: host } : Socks5.destinationOf(parsed)
      return dialTo(destination, port, parsed === undefined ? `${host}:${port}` : NetAddress.toString({ ...parsed, port }))
    },
    listen: direct.listen
  }
}

/**
 * `make` for a Tor SOCKS port: stream isolation (random credentials per
 * connection) unless `credentials` says otherwise.
 *
 * @since 0.2.0
 * @category constructors
 */
export const makeTor = (options: Options): Socks5TransportShape =>
  make({ ...options, credentials: options.credentials ?? "random" })

/**
 * `make` as the `Transport` service.
 *
 * @since 0.2.0
 * @category layers
 */
export const layer = (options: Options): Layer.Layer<Transport.Transport> => Layer.succeed(Transport.Transport, make(options))

/**
 * `makeTor` as the `Transport` service.
 *
 * @since 0.2.0
 * @category layers
 */
export const layerTor = (options: Options): Layer.Layer<Transport.Transport> =>
  Layer.succeed(Transport.Transport, makeTor(options))
