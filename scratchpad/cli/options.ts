/**
 * The example program's options, each a typed `@effect/cli` option with its help text and
 * validation. To add one: define it here, add it to `options`, read it in `command.ts` (`run`).
 */
import * as HelpDoc from "@effect/cli/HelpDoc"
import * as Options from "@effect/cli/Options"
import * as ValidationError from "@effect/cli/ValidationError"
import * as Effect from "effect/Effect"
import * as ReachableNetworks from "../../src/node/ReachableNetworks.js"
import * as ChainParams from "../../src/wire/ChainParams.js"

/** A `host[:port]` given on the command line; the host is resolved (or parsed) when the program runs. */
export interface Endpoint {
  readonly host: string
  readonly port: number | undefined
}

const invalid = (message: string) => Effect.fail(ValidationError.invalidValue(HelpDoc.p(message)))

const parsePort = (option: string, text: string, min: number): Effect.Effect<number, ValidationError.ValidationError> => {
  const port = /^\d{1,5}$/.test(text) ? Number(text) : Number.NaN
  return Number.isInteger(port) && port >= min && port <= 65535
    ? Effect.succeed(port)
    : invalid(`--${option}: port must be a number from ${min} to 65535, got '${text}'`)
}

// A hostname (RFC 1123 labels) or an IPv4 literal; IPv6 literals come in brackets or bare.
const HOSTNAME = /^(?=.{1,253}$)[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*\.?$/
const IPV6 = /^[0-9A-Fa-f:.]+$/

/** `host`, `host:port`, `[ipv6]`, `[ipv6]:port` or a bare IPv6 literal. */
export const parseEndpoint = (option: string, text: string, minPort = 1): Effect.Effect<Endpoint, ValidationError.ValidationError> => {
  const bracketed = /^\[([^\]]+)\](?::(.*))?$/.exec(text)
  const [host, port] = bracketed
    ? [bracketed[1]!, bracketed[2]]
    : (text.match(/:/g)?.length ?? 0) > 1
    ? [text, undefined] // a bare IPv6 literal has no port
    : (text.split(":") as [string, string | undefined])
  const hostOk = bracketed ? IPV6.test(host) : HOSTNAME.test(host) || IPV6.test(host)
  if (!hostOk) return invalid(`--${option}: '${text}' is not host[:port] (a hostname, an IPv4 address or [an IPv6 address])`)
  if (port === undefined) return Effect.succeed({ host, port: undefined })
  return Effect.map(parsePort(option, port, minPort), (p) => ({ host, port: p }))
}

/**
 * A whole number from `min` to `max`. `Options.integer` would say "'abc' is not a integer" without
 * naming the option; this names it and the range.
 */
const integer = (option: string, min: number, max: number) =>
  Options.text(option).pipe(
    Options.withPseudoName("integer"),
    Options.mapEffect((text) => {
      const n = /^-?\d+$/.test(text.trim()) ? Number(text) : Number.NaN
      return Number.isNaN(n)
        ? invalid(`--${option}: expected a whole number, got '${text}'`)
        : n >= min && n <= max
        ? Effect.succeed(n)
        : invalid(`--${option}: must be from ${min} to ${max}, got ${n}`)
    })
  )

/** Every network `ChainParams` knows by name; adding one there adds it here. */
export const networkNames = Object.keys(ChainParams.byName) as ReadonlyArray<keyof typeof ChainParams.byName & string>

export const network = Options.text("network").pipe(
  Options.withPseudoName(networkNames.join(" | ")),
  Options.withDescription(`Join this network (${networkNames.join(", ")}) through its DNS seeds. Without --network or --connect: an embedded local regtest network on 127.0.0.1.`),
  Options.mapEffect((name) =>
    (networkNames as ReadonlyArray<string>).includes(name)
      ? Effect.succeed(name as (typeof networkNames)[number])
      : invalid(`--network: unknown network '${name}'; one of ${networkNames.join(", ")}`)
  ),
  Options.optional
)

export const connect = Options.text("connect").pipe(
  Options.withPseudoName("host[:port]"),
  Options.withDescription("Connect only to this peer: host[:port], a hostname or an IP address (IPv6 in brackets); the port defaults to the network's. Repeatable."),
  Options.repeated,
  Options.mapEffect((texts) => Effect.forEach(texts, (text) => parseEndpoint("connect", text)))
)

export const peers = integer("peers", 1, 125).pipe(
  Options.withDescription("Outbound peers to keep (1 to 125)."),
  Options.withDefault(3)
)

export const listen = Options.text("listen").pipe(
  Options.withPseudoName("[host:]port"),
  Options.withDescription("Accept inbound peers on [host:]port; 127.0.0.1 unless a host is given (0.0.0.0 for every interface). Port 0: any free port."),
  Options.mapEffect((text) =>
    /^\d+$/.test(text)
      ? Effect.map(parsePort("listen", text, 0), (port): Endpoint => ({ host: "127.0.0.1", port }))
      : Effect.flatMap(parseEndpoint("listen", text, 0), (e) =>
        e.port === undefined ? invalid(`--listen: '${text}' has no port`) : Effect.succeed(e))
  ),
  Options.optional
)

export const duration = integer("duration", 1, 31_536_000).pipe(
  Options.withDescription("Seconds to run before shutting down (1 to 31536000). Default: 14 for the embedded network, 60 otherwise."),
  Options.optional
)

export const json = Options.boolean("json").pipe(
  Options.withDescription("One JSON object per line (events, and errors) instead of text.")
)

export const transport = Options.choice("transport", ["v1", "v2", "auto"] as const).pipe(
  Options.withDescription("Message transport (BIP-0324): v1 (plain), v2 (encrypted only) or auto (v2 to --connect peers and to addresses that advertise it, falling back to v1; both served inbound)."),
  Options.withDefault("auto" as const)
)

/** Every option of the program. */
const socksPort = (option: string, description: string) =>
  Options.text(option).pipe(
    Options.withPseudoName("host:port"),
    Options.withDescription(description),
    Options.mapEffect((text) =>
      Effect.flatMap(parseEndpoint(option, text), (e) =>
        e.port === undefined ? invalid(`--${option}: '${text}' has no port`) : Effect.succeed({ host: e.host, port: e.port })
      )
    ),
    Options.optional
  )

export const proxy = socksPort(
  "proxy",
  "Everything through this SOCKS5 proxy (Core's -proxy): IPv4, IPv6 and onion peers, and the DNS seeds by name; no direct connection, no local lookup. Give the proxy as an IP address."
)

export const onion = socksPort("onion", "Onion peers through this SOCKS5 port, e.g. Tor's 127.0.0.1:9050 (Core's -onion).")

export const onlynetNames = Object.keys(ReachableNetworks.networkByName)

export const onlynet = Options.text("onlynet").pipe(
  Options.withPseudoName(onlynetNames.join(" | ")),
  Options.withDescription("Dial only this network (Core's -onlynet); repeatable."),
  Options.repeated,
  Options.mapEffect((texts) =>
    Effect.forEach(texts, (text) => {
      const id = ReachableNetworks.networkByName[text]
      return id === undefined ? invalid(`--onlynet: unknown network '${text}'; one of ${onlynetNames.join(", ")}`) : Effect.succeed(id)
    })
  )
)

export const options = { network, connect, peers, listen, duration, json, transport, proxy, onion, onlynet }
