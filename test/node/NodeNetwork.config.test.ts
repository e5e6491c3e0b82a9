/**
 * `NodeNetwork.layerConfig` reads the peer settings under the names
 * `PeerConfig.layerConfig` uses (`PEER_NETWORK`, …) and the network's
 * under `NETWORK_*`; `NodeTransport` says it reaches IPv4 and IPv6 only.
 * Loopback TCP, real clock, bounded waits.
 */
import { describe, expect, it } from "@effect/vitest"
import * as ConfigProvider from "effect/ConfigProvider"
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import { Connector } from "../../src/network/Connector.js"
import * as Peer from "../../src/peer/Peer.js"
import * as NodeNetwork from "../../src/node/NodeNetwork.js"
import * as NodeTransport from "../../src/node/NodeTransport.js"
import * as ChainParams from "../../src/wire/ChainParams.js"
import * as NetAddress from "../../src/wire/NetAddress.js"

const fromEnv = (env: Record<string, string>) => Layer.setConfigProvider(ConfigProvider.fromMap(new Map(Object.entries(env))))

describe("NodeNetwork.layerConfig", () => {
  it.scopedLive("PEER_NETWORK chooses the chain and NETWORK_LISTEN the listener: a regtest peer completes its handshake", () =>
    Effect.gen(function*() {
      const context = yield* Layer.build(
        NodeNetwork.layerConfig({ peer: { userAgentName: "configured" } }).pipe(
          Layer.provide(fromEnv({ PEER_NETWORK: "regtest", NETWORK_LISTEN: "127.0.0.1:0", NETWORK_PEERS: "0" }))
        )
      )
      const listen = Context.get(context, Connector).listenAddress!
      expect(NetAddress.hostToString(listen)).toBe("127.0.0.1")
      const socket = yield* NodeTransport.make({ dialTimeout: "5 seconds" }).dial(listen)
      // A mainnet magic would fail this handshake: the node speaks regtest as PEER_NETWORK says.
      const peer = yield* Peer.make(socket, { direction: "outbound", remote: listen, config: { params: ChainParams.regtest } }).pipe(
        Effect.timeout("10 seconds")
      )
      expect(peer.info.userAgent).toContain("configured")
    }), 20_000)

  it.scopedLive("a chain name the peer config does not know fails with a ConfigError", () =>
    Effect.gen(function*() {
      const exit = yield* Effect.exit(Layer.build(
        NodeNetwork.layerConfig().pipe(Layer.provide(fromEnv({ PEER_NETWORK: "moonnet", NETWORK_PEERS: "0" })))
      ))
      expect(exit._tag).toBe("Failure")
    }), 10_000)
})

describe("NodeTransport", () => {
  it("reaches IPv4 and IPv6, nothing else, and a Tor address fails Unsupported without a connection", () =>
    Effect.gen(function*() {
      const transport = NodeTransport.make()
      expect([...transport.reachable].sort()).toEqual([NetAddress.NetworkId.IPv4, NetAddress.NetworkId.IPv6])
      const onion = { services: 0n, network: NetAddress.NetworkId.TorV3, address: new Uint8Array(32).fill(3), port: 8333 }
      const error = yield* Effect.flip(Effect.scoped(transport.dial(onion)))
      expect(error).toMatchObject({ _tag: "TransportError", reason: "Unsupported" })
    }).pipe(Effect.runPromise))
})
