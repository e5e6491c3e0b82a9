import { describe, expect, it } from "@effect/vitest"
import { Effect, Stream, Chunk, Fiber } from "effect"
import * as MemorySocket from "../../src/peer/MemorySocket.js"
import * as Peer from "../../src/peer/Peer.js"
import * as ChainParams from "../../src/wire/ChainParams.js"
import * as Message from "../../src/wire/Message.js"
import * as PeerConfig from "../../src/peer/PeerConfig.js"
import * as NetAddress from "../../src/wire/NetAddress.js"

describe("peer smoke", () => {
  it.live("handshakes both ways and pings", () =>
    Effect.gen(function*() {
      const [a, b] = yield* MemorySocket.makePair()
      const config = { params: ChainParams.regtest }
      const [pa, pb] = yield* Effect.all([
        Peer.make(a, { direction: "outbound", config: { ...config, nonceRegistry: PeerConfig.makeNonceRegistry() } }),
        Peer.make(b, { direction: "inbound", config: { ...config, nonceRegistry: PeerConfig.makeNonceRegistry() } })
      ], { concurrency: 2 })
      expect(pa.info.negotiatedVersion).toBe(70016)
      expect(pb.info.userAgent).toBe("/effect-bitcoin-p2p:0.1.0/")
      const rtt = yield* pa.ping
      expect(rtt).toBeDefined()
      const sub = yield* pb.subscribe("Inv")
      const f = yield* Stream.runCollect(Stream.take(sub, 1)).pipe(Effect.fork)
      yield* pa.send(Message.Inv.make({ inventory: [{ type: 1, hash: new Uint8Array(32) }] }))
      const got = yield* Fiber.join(f)
      expect(Chunk.unsafeHead(got).inventory.length).toBe(1)
      const s = yield* pa.stats
      expect(s.sent["inv"]?.messages).toBe(1)
      expect(s.received["pong"]?.messages).toBe(1)
      yield* pa.disconnect("bye")
      const r = yield* pb.awaitDisconnect
      expect(r._tag).toBe("RemoteClosed")
    }).pipe(Effect.scoped))

  it.live("a peer whose remote is a Tor v3 address handshakes (version carries the unspecified address)", () =>
    Effect.gen(function*() {
      const [a, b] = yield* MemorySocket.makePair()
      const onion = NetAddress.fromHost("pg6mmjiyjmcrsslvykfwnntlaru7p5svn6y2ymmju6nubxndf4pscryd.onion", 8333)!
      const config = { params: ChainParams.regtest }
      const inbound = yield* Effect.fork(Peer.make(b, { direction: "inbound", config: { ...config, nonceRegistry: PeerConfig.makeNonceRegistry() } }))
      const out = yield* Peer.make(a, { direction: "outbound", remote: onion, config: { ...config, nonceRegistry: PeerConfig.makeNonceRegistry() } })
      expect(out.remote).toBe(NetAddress.toString(onion))
      const pb = yield* Fiber.join(inbound)
      expect(pb.info.version).toBe(70016)
    }).pipe(Effect.scoped))
})
