/**
 * Which networks this node reaches and through which dialer, as Bitcoin
 * Core's `-proxy`, `-onion` and `-onlynet`:
 *
 * - nothing set: IPv4 and IPv6 direct (TCP); onions and I2P unreachable.
 * - `proxy`: IPv4, IPv6 and Tor v3 all through that SOCKS5 proxy, and host
 *   names too (`dialName`, which seeding through the proxy uses): nothing
 *   is dialled directly and no name is resolved locally.
 * - `onion`: Tor v3 through that SOCKS5 port (a Tor SOCKS port), whatever
 *   else goes direct or through `proxy`.
 * - `onlynet`: only these networks are reachable (Core's `-onlynet`,
 *   repeatable); the others are never dialled, even when a dialer for them
 *   is configured. A network listed without a dialer stays unreachable.
 *
 * Every proxied connection authenticates with its own random credentials
 * (Tor stream isolation, Core's default `-proxyrandomize`); a proxy without
 * authentication ignores them. `listen` is direct TCP: inbound onion
 * connections come from a Tor hidden service pointed at that listener.
 *
 * @since 0.2.0
 */
import type * as Socket from "@effect/platform/Socket"
import type * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import type * as Scope from "effect/Scope"
import * as Transport from "../network/Transport.js"
import * as NetAddress from "../wire/NetAddress.js"
import * as NodeTransport from "./NodeTransport.js"
import * as Socks5Transport from "./Socks5Transport.js"

/**
 * @since 0.2.0
 * @category models
 */
export interface Options {
  /** Core's `-proxy`: every network (IPv4, IPv6, Tor v3) and every name through this SOCKS5 proxy. */
  readonly proxy?: { readonly host: string; readonly port: number } | undefined
  /** Core's `-onion`: Tor v3 through this SOCKS5 port. */
  readonly onion?: { readonly host: string; readonly port: number } | undefined
  /** Core's `-onlynet`: the only networks (`NetAddress.NetworkId`) reachable. Default: all configured. */
  readonly onlynet?: ReadonlyArray<number> | undefined
  /** Bound on each dial (direct: default 10 s; through a proxy: default 20 s). */
  readonly dialTimeout?: Duration.DurationInput | undefined
}

/**
 * The routed transport; `dialName` is there when a proxy is (Core's name
 * proxy): a host name then goes to the proxy unresolved.
 *
 * @since 0.2.0
 * @category models
 */
export interface ReachableShape extends Transport.TransportShape {
  readonly dialName:
    | ((host: string, port: number) => Effect.Effect<Socket.Socket, Transport.TransportError, Scope.Scope>)
    | undefined
}

/**
 * The network names `onlynet` accepts, as Core's: `ipv4`, `ipv6`, `onion`,
 * `i2p`, `cjdns`.
 *
 * @since 0.2.0
 * @category utils
 */
export const networkByName: Readonly<Record<string, number>> = {
  ipv4: NetAddress.NetworkId.IPv4,
  ipv6: NetAddress.NetworkId.IPv6,
  onion: NetAddress.NetworkId.TorV3,
  i2p: NetAddress.NetworkId.I2P,
  cjdns: NetAddress.NetworkId.CJDNS
}

/**
 * The transport for `options`.
 *
 * @since 0.2.0
 * @category constructors
 */
export const make = (options: Options = {}): ReachableShape => {
  const timeout = options.dialTimeout === undefined ? {} : { dialTimeout: options.dialTimeout }
  const direct = NodeTransport.make(timeout)
  const proxy = options.proxy === undefined ? undefined : Socks5Transport.makeTor({ proxy: options.proxy, ...timeout })
  const onion = options.onion === undefined
    ? proxy
    : Socks5Transport.makeTor({ proxy: options.onion, reachable: [NetAddress.NetworkId.TorV3], ...timeout })
  const clearnet = proxy ?? direct
  const networks: Partial<Record<number, Transport.TransportShape>> = {
    [NetAddress.NetworkId.IPv4]: clearnet,
    [NetAddress.NetworkId.IPv6]: clearnet
  }
  if (onion !== undefined) networks[NetAddress.NetworkId.TorV3] = onion
  if (options.onlynet !== undefined) {
    const only = new Set(options.onlynet)
    for (const key of Object.keys(networks)) if (!only.has(Number(key))) delete networks[Number(key)]
  }
  return { ...Transport.route({ networks, listen: direct }), dialName: proxy?.dialName }
}

/**
 * `make` as the `Transport` service.
 *
 * @since 0.2.0
 * @category layers
 */
export const layer = (options: Options = {}): Layer.Layer<Transport.Transport> =>
  Layer.succeed(Transport.Transport, make(options))
