/**
 * The example program as an `@effect/cli` command: its options (`options.ts`), what it runs, and
 * how it reports (`output.ts`). `program.ts` runs it (loaded by `scratchpad/main.ts`); tests
 * parse arguments with it in process.
 */
import * as Command from "@effect/cli/Command"
import * as HelpDoc from "@effect/cli/HelpDoc"
import * as ValidationError from "@effect/cli/ValidationError"
import { Cause, Console, Duration, Effect, Either, FiberRef, HashSet, Layer, LogLevel, Option, Schedule, Stream } from "effect"
import * as AddressBook from "../../src/network/AddressBook.js"
import { Connector, type PeerEvent } from "../../src/network/Connector.js"
import { Dispatcher } from "../../src/network/Dispatcher.js"
import { DnsResolver } from "../../src/network/DnsResolver.js"
import * as Network from "../../src/network/Network.js"
import * as NodeDnsResolver from "../../src/node/NodeDnsResolver.js"
import * as ReachableNetworks from "../../src/node/ReachableNetworks.js"
import * as DnsSeeder from "../../src/network/DnsSeeder.js"
import { describe as describeReason } from "../../src/peer/DisconnectReason.js"
import * as ChainParams from "../../src/wire/ChainParams.js"
import * as Message from "../../src/wire/Message.js"
import * as NetAddress from "../../src/wire/NetAddress.js"
import * as ServiceFlags from "../../src/wire/ServiceFlags.js"
import * as CliOptions from "./options.js"
import * as Hash from "../../src/wire/Hash.js"
import * as ObservedTransport from "./observedTransport.js"
import * as Output from "./output.js"
import { startEmbeddedNetwork } from "../embedded.js"

type Args = Command.Command.ParseConfig<typeof CliOptions.options>

const describeMessage = (m: Message.NetworkMessage): string => {
  switch (m._tag) {
    case "Inv":
      return `inv ${m.inventory.length} item(s)`
    case "Ping":
    case "Pong":
      return `${m._tag.toLowerCase()} nonce=${m.nonce.toString(16)}`
    case "Addr":
    case "AddrV2":
      return `${m._tag.toLowerCase()} ${m.addresses.map(NetAddress.toString).slice(0, 3).join(", ")}${m.addresses.length > 3 ? ", …" : ""}`
    case "Headers":
      return `headers ${m.headers.length}`
    default:
      return Message.commandOf(m)
  }
}

/** A `--connect` endpoint as an address: IP literals as they are, hostnames through `DnsResolver`. */
const resolveEndpoint = (out: Output.Output, endpoint: CliOptions.Endpoint, defaultPort: number) =>
  Effect.gen(function*() {
    const port = endpoint.port ?? defaultPort
    const literal = NetAddress.fromHost(endpoint.host.replace(/\.$/, ""), port)
    if (literal !== undefined) return literal
    const resolver = yield* DnsResolver
    const found = yield* resolver.resolve(endpoint.host).pipe(
      Effect.mapError((e) => `cannot resolve --connect ${endpoint.host}: ${e.message}`)
    )
    const address = found.map((a) => NetAddress.fromHost(a, port)).find((a) => a !== undefined)
    if (address === undefined) return yield* Effect.fail(`cannot resolve --connect ${endpoint.host}: no usable address`)
    yield* out.emit("resolved", { host: endpoint.host, peer: NetAddress.toString(address) }, `resolved     ${endpoint.host} to ${NetAddress.toString(address)}`)
    return address
  })

/** The program, once its options parsed. */
export const run = (args: Args) =>
  Effect.gen(function*() {
    const out = Output.make(args.json)
    const embedded = Option.isNone(args.network) && args.connect.length === 0
    // `--network` is one of `ChainParams.byName`'s keys (a choice), so the lookup finds it.
    const params = ChainParams.byName[Option.getOrElse(args.network, () => "regtest" as const)] ?? ChainParams.regtest
    const duration = Duration.seconds(Option.getOrElse(args.duration, () => (embedded ? 14 : 60)))

    // Remotes connected now, for the transport observer (inbound connections that never became peers).
    const connected = new Set<string>()
    // Whether any peer completed its handshake: a run that reached none failed (exit code 1).
    let reachedAPeer = false
    const onEvent = (e: PeerEvent) =>
      e._tag === "Connected"
        ? Effect.sync(() => (reachedAPeer = true, connected.add(e.peer.remote))).pipe(
          Effect.zipRight(out.emit("connected", {
            peer: e.peer.remote,
            direction: e.peer.direction,
            userAgent: e.info.userAgent,
            version: e.info.negotiatedVersion,
            startHeight: e.info.startHeight,
            transport: e.info.transport,
            ...(e.info.sessionId === undefined ? {} : { sessionId: Hash.bytesToHex(e.info.sessionId) })
          }, `connected    ${e.peer.remote} ${e.peer.direction} ${e.info.userAgent} v${e.info.negotiatedVersion} height ${e.info.startHeight} ${e.info.transport}${e.info.sessionId === undefined ? "" : ` session ${Hash.bytesToHex(e.info.sessionId)}`}`)),
          // `mempool` only to peers that serve it: Bitcoin Core (without NODE_BLOOM) and bcoin (without
          // BIP-0037, its default) disconnect a peer that sends it.
          Effect.zipRight(
            ServiceFlags.has(e.info.services, ServiceFlags.NODE_BLOOM) ? Effect.ignore(e.peer.send(Message.Mempool.make({}))) : Effect.void
          )
        )
        : e._tag === "Disconnected"
        ? Effect.sync(() => connected.delete(e.remote)).pipe(
          Effect.zipRight(out.emit("disconnected", { peer: e.remote, reason: describeReason(e.reason), banned: e.banned }, `disconnected ${e.remote} (${describeReason(e.reason)})`))
        )
        // InboundRefused and HandshakeFailed: the observed transport below reports these already.
        : Effect.void

    const observer: ObservedTransport.Observer = {
      dialFailed: (peer, reason) => out.emit("dial-failed", { peer, reason }, `dial failed  ${peer} (${reason})`),
      inboundRefused: (peer, reason) => out.emit("inbound-failed", { peer, reason }, `inbound      ${peer} ${reason}`),
      completedHandshake: (peer) => connected.has(peer)
    }

    let killOne: ((connected: ReadonlyArray<string>) => Effect.Effect<void>) | undefined
    let seeds: ReadonlyArray<NetAddress.NetAddressFields> = []
    if (embedded) {
      const nodes = yield* startEmbeddedNetwork(5)
      const names = nodes.map((n) => NetAddress.toString(n.address))
      yield* out.emit("embedded", { nodes: names }, `embedded regtest network: ${names.join(" ")}`)
      seeds = [nodes[0]!.address]
      // Stop a node we are connected to (not the seed), to show the connector replacing it.
      killOne = (connectedNow) => {
        const victim = nodes.slice(1).find((n) => connectedNow.includes(NetAddress.toString(n.address)))
        if (victim === undefined) return Effect.void
        const name = NetAddress.toString(victim.address)
        return Effect.zipRight(out.emit("kill", { node: name }, `stopping     ${name} (watch it being replaced)`), victim.stop)
      }
    }
    const proxied = Option.isSome(args.proxy) || Option.isSome(args.onion) || args.onlynet.length > 0
    const reachable = proxied
      ? ReachableNetworks.make({
        proxy: Option.getOrUndefined(args.proxy),
        onion: Option.getOrUndefined(args.onion),
        onlynet: args.onlynet.length > 0 ? args.onlynet : undefined
      })
      : undefined
    // Under a proxy a hostname must not be looked up here (a DNS leak); onion names are addresses.
    if (Option.isSome(args.proxy)) {
      const named = args.connect.find((e) => NetAddress.fromHost(e.host.replace(/\.$/, ""), 1) === undefined)
      if (named !== undefined) return yield* Effect.fail(`--connect ${named.host}: a hostname would be resolved locally, not through --proxy; give an address or an onion`)
    }
    const manual = yield* Effect.forEach(args.connect, (e) => resolveEndpoint(out, e, params.defaultPort))

    const listenOnly = Option.isSome(args.listen) && !embedded && manual.length === 0 && params.dnsSeeds.length === 0
    const config = {
      peer: {
        params,
        userAgentName: "effect-bitcoin-p2p-example",
        ...(embedded ? { pingSchedule: Schedule.spaced(Duration.seconds(2)) } : {})
      },
      targetOutbound: args.peers,
      transportMode: args.transport,
      manualPeers: manual,
      connectOnly: manual.length > 0,
      ...Option.match(args.listen, { onNone: () => ({}), onSome: (l) => ({ listen: { host: l.host, port: l.port ?? 0 } }) }),
      ...(embedded ? { retrySchedule: Schedule.spaced(Duration.millis(300)) } : {})
    }
    // Under --proxy the seeds are asked through it (Core's -proxy), never looked up here.
    const dialName = reachable?.dialName
    const network = Network.layer(config, dialName === undefined ? {} : { seeder: DnsSeeder.layerThroughProxy(config, dialName) }).pipe(
      Layer.provideMerge(AddressBook.layerMemory(embedded ? { allowLocal: true } : {})),
      Layer.provide(ObservedTransport.layer(observer, reachable)),
      Layer.provide(NodeDnsResolver.layer())
    )

    yield* Effect.gen(function*() {
      const connector = yield* Connector
      const dispatcher = yield* Dispatcher
      const book = yield* AddressBook.AddressBook
      if (connector.listenAddress !== undefined) {
        const address = NetAddress.toString(connector.listenAddress)
        yield* out.emit("listening", { address }, `listening    ${address}`)
      }
      if (seeds.length > 0) yield* book.add(seeds.map((s) => ({ ...s, time: Math.floor(Date.now() / 1000) })), "user")
      const events = yield* connector.subscribeEvents
      const messages = yield* dispatcher.subscribe()
      yield* Effect.forkScoped(Stream.runForEach(events, onEvent))
      yield* Effect.forkScoped(
        Stream.runForEach(messages, ({ message, peer }) => {
          const bytes = Message.encodePayloadEither(message).pipe((e) => (e._tag === "Right" ? e.right.length : 0))
          return out.emit("message", { peer: peer.remote, command: Message.commandOf(message), bytes }, `message      ${peer.remote} ${describeMessage(message)}`)
        })
      )
      const status = Effect.gen(function*() {
        const peers = yield* connector.peers
        const stats = yield* Effect.forEach(peers, (p) => p.stats)
        const pings = stats.map((s) => `${s.remote}=${s.lastPingMillis ?? "?"}ms`).join(" ")
        const known = yield* book.size
        yield* out.emit("status", { peers: peers.length, known }, `status       ${peers.length} peer(s), ${known} known address(es); ping ${pings || "-"}`)
      })
      yield* Effect.forkScoped(Effect.repeat(status, Schedule.spaced(Duration.seconds(3))))
      if (killOne !== undefined) {
        const kill = Effect.flatMap(connector.peers, (peers) => killOne(peers.map((p) => p.remote)))
        yield* Effect.forkScoped(Effect.delay(kill, Duration.seconds(6)))
      }
      yield* Effect.sleep(duration)
      // A listener with nothing to dial only waits for others: no peer is an outcome there, not a
      // failure. With a --connect, DNS seeds or the embedded nodes to dial, no peer is a failure.
      if (!reachedAPeer && !listenOnly) {
        return yield* Effect.fail(`no peer completed its handshake in ${Duration.format(duration)}`)
      }
      yield* out.emit("done", {}, "done: shutting down")
    }).pipe(Effect.provide(network))
  }).pipe(
    Effect.scoped,
    // The library's log lines in the chosen format (`output.ts`), in place of Effect's logger on stdout.
    Effect.locally(FiberRef.currentLoggers, HashSet.make(Output.logger(args.json))),
    Effect.provide(NodeDnsResolver.layer()),
    // Any failure is reported once, in the chosen format, and the exit code is 1.
    Effect.tapErrorCause((cause) =>
      Output.make(args.json).error("runtime", Cause.isFailType(cause) ? String((cause.error as { message?: unknown })?.message ?? cause.error) : Cause.pretty(cause))
    )
  )

/** The command. Adding an option: define it in `options.ts`, add it to `options`, read it in `run`. */
export const command = Command.make("example", CliOptions.options, run).pipe(
  Command.withDescription("Join a Bitcoin-family P2P network (or an embedded local one), ask peers for their mempool and print what arrives.")
)

const runCommand = Command.run(command, { name: "effect-bitcoin-p2p example", version: "0.1.0" })

// @effect/cli's own options: flags, and those that take a value (with the values they accept).
const builtInFlags: ReadonlyArray<string> = ["--help", "-h", "--version", "--wizard"]
const builtInWithValue: Record<string, ReadonlyArray<string>> = {
  // The levels @effect/cli's own `--log-level` accepts (its choice is built from the same list).
  "--log-level": LogLevel.allLevels.map((level) => level._tag.toLowerCase()),
  "--completions": ["sh", "bash", "fish", "zsh"]
}

/**
 * `args` with @effect/cli's own options (and their values) moved in front: it reads them only
 * before the program's, so `--peers 3 --help` or `--duration 5 --log-level debug` would be
 * "Received unknown argument". A bad value is refused here, naming the option and its choices.
 */
export const builtInsFirst = (args: ReadonlyArray<string>): Either.Either<ReadonlyArray<string>, string> => {
  const first: Array<string> = []
  const rest: Array<string> = []
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!
    const [name, inline] = arg.split(/=(.*)/s, 2) as [string, string | undefined]
    const choices = builtInWithValue[name]
    if (builtInFlags.includes(arg)) first.push(arg)
    else if (choices === undefined) rest.push(arg)
    else {
      const value = inline ?? args[++i]
      if (value === undefined || !choices.includes(value)) {
        return Either.left(`${name}: expected one of ${choices.join(", ")}, got ${value === undefined ? "nothing" : `'${value}'`}`)
      }
      first.push(name, value)
    }
  }
  return Either.right([...first, ...rest])
}

/**
 * Parses `argv` (as `process.argv`: two entries before the arguments) and runs the command, with
 * @effect/cli's own options (`--help`, `--version`, `--log-level`, …) anywhere on the line.
 */
export const cli = (argv: ReadonlyArray<string>) =>
  Either.match(builtInsFirst(argv.slice(2)), {
    onLeft: (message) =>
      Effect.zipRight(Console.error(message), Effect.fail(ValidationError.invalidValue(HelpDoc.p(message)))),
    onRight: (args) => runCommand([...argv.slice(0, 2), ...args])
  })
