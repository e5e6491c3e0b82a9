/**
 * Two peers over loopback TCP, in one process (after btcd's peer example):
 * an inbound peer behind a socket server on 127.0.0.1 (port chosen by the
 * OS), and an outbound peer that dials it. Prints what each side learned in
 * the handshake, pings once, disconnects cleanly and exits by itself.
 *
 *   npx tsx scratchpad/peer-handshake.ts
 */
import * as NodeSocket from "@effect/platform-node/NodeSocket"
import * as NodeSocketServer from "@effect/platform-node/NodeSocketServer"
import * as Console from "effect/Console"
import * as Deferred from "effect/Deferred"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import * as ChainParams from "../src/wire/ChainParams.js"
import { describe, type PeerError } from "../src/peer/DisconnectReason.js"
import * as NetAddress from "../src/wire/NetAddress.js"
import * as Peer from "../src/peer/Peer.js"
import * as PeerConfig from "../src/peer/PeerConfig.js"
import * as ServiceFlags from "../src/wire/ServiceFlags.js"

const show = (label: string, peer: Peer.Peer) =>
  Console.log(
    [
      `[${label}] peer #${peer.id}, ${peer.direction}, remote ${peer.remote}`,
      `  their version      ${peer.info.version} (negotiated ${peer.info.negotiatedVersion})`,
      `  their user agent   ${peer.info.userAgent}`,
      `  their services     ${ServiceFlags.toNames(peer.info.services).join(", ") || "none"}`,
      `  their start height ${peer.info.startHeight}, relay ${peer.info.relay}, nonce ${peer.info.nonce.toString(16)}`
    ].join("\n")
  )

const program = Effect.gen(function*() {
  const params = ChainParams.regtest

  // The listening side: one inbound peer per accepted connection, alive until it disconnects.
  const server = yield* NodeSocketServer.make({ host: "127.0.0.1", port: 0 })
  if (server.address._tag !== "TcpAddress") return yield* Effect.dieMessage("expected a TCP address")
  const port = server.address.port
  yield* Console.log(`listening on 127.0.0.1:${port}`)

  const accepted = yield* Deferred.make<Peer.Peer, PeerError>()
  yield* server.run((socket) =>
    Effect.gen(function*() {
      // the accepted Node socket (the server provides it), for the dialer's address
      const conn = Option.getOrUndefined(yield* Effect.serviceOption(NodeSocket.NetSocket))
      const peer = yield* Peer.make(socket, {
        direction: "inbound",
        remote: NetAddress.fromHost(conn?.remoteAddress ?? "0.0.0.0", conn?.remotePort ?? 0),
        config: {
          params,
          userAgentName: "listener",
          services: ServiceFlags.make(ServiceFlags.NODE_NETWORK, ServiceFlags.NODE_WITNESS),
          startHeight: Effect.succeed(210),
          // a node of its own in this process: its own record of version nonces
          nonceRegistry: PeerConfig.makeNonceRegistry()
        }
      })
      yield* Deferred.succeed(accepted, peer)
      const reason = yield* peer.awaitDisconnect
      yield* Console.log(`[inbound]  ended: ${describe(reason)}`)
    }).pipe(Effect.scoped, Effect.catchAll((e) => Deferred.fail(accepted, e)))
  ).pipe(Effect.forkScoped)

  // The dialing side.
  const socket = yield* NodeSocket.makeNet({ host: "127.0.0.1", port })
  const outbound = yield* Peer.make(socket, {
    direction: "outbound",
    remote: NetAddress.fromHost("127.0.0.1", port),
    config: {
      params,
      userAgentName: "dialer",
      userAgentComments: ["example"],
      nonceRegistry: PeerConfig.makeNonceRegistry()
    }
  })
  const inbound = yield* Deferred.await(accepted)

  yield* show("outbound", outbound)
  yield* show("inbound ", inbound)

  const rtt = yield* outbound.ping
  const stats = yield* outbound.stats
  yield* Console.log(`[outbound] ping round trip ${Duration.format(rtt)} (min ${stats.minPingMillis} ms)`)
  yield* Console.log(`[outbound] sent ${JSON.stringify(stats.sent)}`)

  yield* outbound.disconnect("example done")
  yield* Console.log(`[outbound] ended: ${describe(yield* outbound.awaitDisconnect)}`)
  yield* Console.log(`[inbound]  saw: ${describe(yield* inbound.awaitDisconnect)}`)
})

Effect.runPromise(Effect.scoped(program)).then(
  () => console.log("done"),
  (error) => {
    console.error(error)
    process.exitCode = 1
  }
)
