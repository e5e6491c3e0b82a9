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
 * authentication ignores them. `proxyCredentials` turns that off (`"none"`,
 * Core's `-proxyrandomize=0`) or sends fixed credentials instead, for a
 * proxy that requires a username and password. `listen` is direct TCP: inbound onion
 * connections come from a Tor hidden service pointed at that listener.
 *
 * @since 0.2.0
 */
import type * as Socket from "@effect/platform/Socket"
import * as Config from "effect/Config"
import * as ConfigError from "effect/ConfigError"
import type * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as Option from "effect/Option"
import * as Redacted from "effect/Redacted"
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
  /**
   * What the `proxy` and `onion` dialers authenticate with: `"random"` (the
   * default, Core's `-proxyrandomize`: fresh credentials per connection, so
   * Tor gives each peer its own circuit), `"none"` (`-proxyrandomize=0`), or
   * fixed RFC 1929 credentials for a proxy that requires them.
   */
  readonly proxyCredentials?: Socks5Transport.Credentials | "random" | "none" | undefined
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

/** Tor's SOCKS port, and Core's default for `-proxy` / `-onion` given without a port. */
const DEFAULT_SOCKS_PORT = 9050

/** `ip[:port]` of a SOCKS5 proxy: an IP address, since a name would be looked up locally (by the system). */
const socksEndpoint = (name: string): Config.Config<Option.Option<{ readonly host: string; readonly port: number }>> =>
  Config.string(name).pipe(
    Config.mapOrFail((text) => {
      const m = /^\[(.+)\](?::(\d{1,5}))?$/.exec(text.trim()) ?? /^([^:]+)(?::(\d{1,5}))?$/.exec(text.trim())
      const port = m?.[2] === undefined ? DEFAULT_SOCKS_PORT : Number(m[2])
      const address = m === null ? undefined : NetAddress.fromHost(m[1]!, port)
      return address !== undefined && port >= 1 && port <= 65535 &&
          (address.network === NetAddress.NetworkId.IPv4 || address.network === NetAddress.NetworkId.IPv6)
        ? Either.right({ host: NetAddress.hostToString(address), port })
        : Either.left(ConfigError.InvalidData([name], `expected ip[:port] (an IP address: a name would be resolved locally), got '${text}'`))
    }),
    Config.option
  )

const onlynetConfig: Config.Config<Option.Option<ReadonlyArray<number>>> = Config.array(Config.string(), "NETWORK_ONLYNET").pipe(
  Config.mapOrFail((names) => {
    const ids = names.map((n) => networkByName[n.trim().toLowerCase()])
    const unknown = names.filter((_, i) => ids[i] === undefined)
    return unknown.length === 0
      ? Either.right(ids as ReadonlyArray<number>)
      : Either.left(ConfigError.InvalidData(["NETWORK_ONLYNET"], `unknown network '${unknown.join(", ")}'; one of ${Object.keys(networkByName).join(", ")}`))
  }),
  Config.option
)

const credentialsConfig: Config.Config<Options["proxyCredentials"]> = Config.all({
  randomize: Config.boolean("NETWORK_PROXY_RANDOMIZE").pipe(Config.option),
  username: Config.string("NETWORK_PROXY_USERNAME").pipe(Config.option),
  password: Config.redacted("NETWORK_PROXY_PASSWORD").pipe(Config.option)
}).pipe(
  Config.mapOrFail(({ password, randomize, username }): Either.Either<Options["proxyCredentials"], ConfigError.ConfigError> =>
    Option.isSome(username) && Option.isSome(password)
      ? Either.right({ username: username.value, password: Redacted.value(password.value) })
      : Option.isSome(username) || Option.isSome(password)
      // One without the other is a mistake to report, not a setting to drop silently.
      ? Either.left(ConfigError.MissingData([Option.isSome(username) ? "NETWORK_PROXY_PASSWORD" : "NETWORK_PROXY_USERNAME"], "NETWORK_PROXY_USERNAME and NETWORK_PROXY_PASSWORD go together"))
      : Either.right(Option.isNone(randomize) ? undefined : randomize.value ? "random" : "none")
  )
)

/**
 * `Options` from `Config` (environment by default), as Core's options:
 * `NETWORK_PROXY` (`-proxy`, ip[:port], port 9050 when left out),
 * `NETWORK_ONION` (`-onion`, ip[:port]), `NETWORK_ONLYNET` (`-onlynet`,
 * comma-separated: ipv4, ipv6, onion, i2p, cjdns), `NETWORK_PROXY_RANDOMIZE`
 * (`-proxyrandomize`; true when unset), and `NETWORK_PROXY_USERNAME` with
 * `NETWORK_PROXY_PASSWORD` (fixed credentials, instead of random ones). A
 * proxy given by name, an unknown network or half a credential pair is a
 * `ConfigError`. What is not set is left `undefined`.
 *
 * @since 0.2.0
 * @category config
 */
export const config: Config.Config<Options> = Config.all({
  proxy: socksEndpoint("NETWORK_PROXY"),
  onion: socksEndpoint("NETWORK_ONION"),
  onlynet: onlynetConfig,
  proxyCredentials: credentialsConfig
}).pipe(
  Config.map(({ onion, onlynet, proxy, proxyCredentials }): Options => ({
    proxy: Option.getOrUndefined(proxy),
    onion: Option.getOrUndefined(onion),
    onlynet: Option.getOrUndefined(onlynet),
    proxyCredentials
  }))
)

/**
 * The transport for `options`.
 *
 * @since 0.2.0
 * @category constructors
 */
export const make = (options: Options = {}): ReachableShape => {
  const timeout = options.dialTimeout === undefined ? {} : { dialTimeout: options.dialTimeout }
  const direct = NodeTransport.make(timeout)
  const credentials = options.proxyCredentials === "none" ? undefined : options.proxyCredentials ?? "random"
  const proxy = options.proxy === undefined ? undefined : Socks5Transport.make({ proxy: options.proxy, credentials, ...timeout })
  const onion = options.onion === undefined
    ? proxy
    : Socks5Transport.make({ proxy: options.onion, credentials, reachable: [NetAddress.NetworkId.TorV3], ...timeout })
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
