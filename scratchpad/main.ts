/**
 * The example program: join a network, ask peers for their mempool (those
 * that serve it: NODE_BLOOM), and log what arrives; replace peers that drop.
 *
 *   npm start                                   embedded local network on 127.0.0.1 (no internet)
 *   npm start -- --network signet --peers 3     real signet via DNS seeds
 *   npm start -- --network regtest --connect 127.0.0.1:18444 --duration 5 --json
 *
 * Flags: --network (mainnet|testnet3|testnet4|signet|regtest), --connect host:port
 * (repeatable; connect only to these), --peers N (outbound peers, default 3),
 * --listen port, --duration seconds, --json (one JSON event per line).
 * Ctrl-C shuts down cleanly.
 */
import { NodeRuntime } from "@effect/platform-node"
import { Duration, Effect, Schedule, Stream } from "effect"
import { parseArgs } from "node:util"
import * as AddressBook from "../src/network/AddressBook.js"
import * as ChainParams from "../src/wire/ChainParams.js"
import { Connector, type PeerEvent } from "../src/network/Connector.js"
import { describe as describeReason } from "../src/peer/DisconnectReason.js"
import { Dispatcher } from "../src/network/Dispatcher.js"
import * as Message from "../src/wire/Message.js"
import * as NetAddress from "../src/wire/NetAddress.js"
import * as Network from "../src/network/Network.js"
import * as ServiceFlags from "../src/wire/ServiceFlags.js"
import { startEmbeddedNetwork } from "./embedded.js"
import * as NodeNetwork from "../src/node/NodeNetwork.js"

const { values } = parseArgs({
  options: {
    network: { type: "string" },
    connect: { type: "string", multiple: true },
    peers: { type: "string" },
    listen: { type: "string" },
    duration: { type: "string" },
    json: { type: "boolean", default: false }
  }
})

const embedded = values.network === undefined && values.connect === undefined
const params = ChainParams.byName[values.network ?? "regtest"]
if (params === undefined) {
  console.error(`unknown network ${values.network}; use mainnet, testnet3, testnet4, signet or regtest`)
  process.exit(2)
}
const targetPeers = Number(values.peers ?? 3)
const duration = Duration.seconds(Number(values.duration ?? (embedded ? 14 : 60)))
const json = values.json === true

const emit = (event: string, fields: Record<string, unknown>, human: string) =>
  Effect.sync(() => {
    if (json) console.log(JSON.stringify({ event, time: new Date().toISOString(), ...fields }, (_, v) => (typeof v === "bigint" ? v.toString() : v)))
    else console.log(`${new Date().toISOString().slice(11, 23)}  ${human}`)
  })

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

const onEvent = (e: PeerEvent) =>
  e._tag === "Connected"
    ? emit("connected", {
      peer: e.peer.remote,
      direction: e.peer.direction,
      userAgent: e.info.userAgent,
      version: e.info.negotiatedVersion,
      startHeight: e.info.startHeight
    }, `connected    ${e.peer.remote} ${e.peer.direction} ${e.info.userAgent} v${e.info.negotiatedVersion} height ${e.info.startHeight}`)
      // `mempool` only to peers that serve it: Bitcoin Core (without NODE_BLOOM) and bcoin (without
      // BIP-0037, its default) disconnect a peer that sends it.
      .pipe(Effect.zipRight(
        ServiceFlags.has(e.info.services, ServiceFlags.NODE_BLOOM) ? Effect.ignore(e.peer.send(Message.Mempool.make({}))) : Effect.void
      ))
    : e._tag === "Disconnected"
    ? emit("disconnected", { peer: e.remote, reason: describeReason(e.reason), banned: e.banned }, `disconnected ${e.remote} (${describeReason(e.reason)})`)
    : e._tag === "HandshakeFailed"
    ? emit("handshake-failed", { peer: e.remote, direction: e.direction, reason: describeReason(e.reason) }, `handshake failed ${e.remote} (${describeReason(e.reason)})`)
    : emit("refused", { peer: e.remote, reason: e.reason }, `refused      ${e.remote} (${e.reason})`)

const program = (killOne: ((connected: ReadonlyArray<string>) => Effect.Effect<void>) | undefined) =>
  Effect.gen(function*() {
    const connector = yield* Connector
    const dispatcher = yield* Dispatcher
    const events = yield* connector.subscribeEvents
    const messages = yield* dispatcher.subscribe()
    yield* Effect.forkScoped(Stream.runForEach(events, onEvent))
    yield* Effect.forkScoped(
      Stream.runForEach(messages, ({ message, peer }) => {
        const bytes = Message.encodePayloadEither(message).pipe((e) => (e._tag === "Right" ? e.right.length : 0))
        return emit("message", { peer: peer.remote, command: Message.commandOf(message), bytes }, `message      ${peer.remote} ${describeMessage(message)}`)
      })
    )
    const status = Effect.gen(function*() {
      const peers = yield* connector.peers
      const book = yield* AddressBook.AddressBook
      const stats = yield* Effect.forEach(peers, (p) => p.stats)
      const pings = stats.map((s) => `${s.remote}=${s.lastPingMillis ?? "?"}ms`).join(" ")
      yield* emit("status", { peers: peers.length, known: yield* book.size }, `status       ${peers.length} peer(s), ${yield* book.size} known address(es); ping ${pings || "-"}`)
    })
    yield* Effect.forkScoped(Effect.repeat(status, Schedule.spaced(Duration.seconds(3))))
    if (killOne !== undefined) {
      const kill = Effect.flatMap(connector.peers, (peers) => killOne(peers.map((p) => p.remote)))
      yield* Effect.forkScoped(Effect.delay(kill, Duration.seconds(6)))
    }
    yield* Effect.sleep(duration)
    yield* emit("done", {}, "done: shutting down")
  }).pipe(Effect.scoped)

const main = Effect.gen(function*() {
  let killOne: ((connected: ReadonlyArray<string>) => Effect.Effect<void>) | undefined
  const manual: Array<NetAddress.NetAddressFields> = []
  let seeds: Array<NetAddress.NetAddressFields> = []
  if (embedded) {
    const nodes = yield* startEmbeddedNetwork(5)
    yield* emit("embedded", { nodes: nodes.map((n) => NetAddress.toString(n.address)) }, `embedded regtest network: ${nodes.map((n) => NetAddress.toString(n.address)).join(" ")}`)
    seeds = [nodes[0]!.address]
    // Stop a node we are connected to (not the seed), to show the connector replacing it.
    killOne = (connected) => {
      const victim = nodes.slice(1).find((n) => connected.includes(NetAddress.toString(n.address)))
      if (victim === undefined) return Effect.void
      const name = NetAddress.toString(victim.address)
      return Effect.zipRight(emit("kill", { node: name }, `stopping     ${name} (watch it being replaced)`), victim.stop)
    }
  }
  for (const c of values.connect ?? []) {
    const address = Network.parseAddress(c, params.defaultPort)
    if (address === undefined) return yield* Effect.fail(`cannot parse --connect ${c}`)
    manual.push(address)
  }
  const listenPort = values.listen === undefined ? undefined : Number(values.listen)
  const layer = NodeNetwork.layer({
    peer: {
      params,
      userAgentName: "effect-bitcoin-p2p-example",
      ...(embedded ? { pingSchedule: Schedule.spaced(Duration.seconds(2)) } : {})
    },
    targetOutbound: targetPeers,
    manualPeers: manual,
    connectOnly: manual.length > 0,
    ...(listenPort === undefined ? {} : { listen: { host: "0.0.0.0", port: listenPort } }),
    ...(embedded ? { retrySchedule: Schedule.spaced(Duration.millis(300)), addressBook: { allowLocal: true } } : {})
  })
  yield* Effect.gen(function*() {
    const book = yield* AddressBook.AddressBook
    if (seeds.length > 0) yield* book.add(seeds.map((s) => ({ ...s, time: Math.floor(Date.now() / 1000) })), "user")
    yield* program(killOne)
  }).pipe(Effect.provide(layer))
}).pipe(Effect.scoped)

NodeRuntime.runMain(main.pipe(Effect.tapErrorCause(Effect.logError)), { disableErrorReporting: true })
