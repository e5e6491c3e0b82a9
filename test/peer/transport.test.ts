/**
 * The conformance suite over both transports, and what only TCP can do.
 */
import * as NodeSocket from "@effect/platform-node/NodeSocket"
import * as NodeSocketServer from "@effect/platform-node/NodeSocketServer"
import type * as Socket from "@effect/platform/Socket"
import { describe, expect, it } from "@effect/vitest"
import * as Deferred from "effect/Deferred"
import * as Effect from "effect/Effect"
import * as Fiber from "effect/Fiber"
import * as Option from "effect/Option"
import type * as Net from "node:net"
import * as Peer from "../../src/peer/Peer.js"
import { conformance } from "./conformance.js"
import { config, makeRaw, memoryTransport, rawHandshake, tcpTransport, v2Framing } from "../support/peer.js"

conformance(memoryTransport)
conformance(tcpTransport)
conformance({ ...memoryTransport, framing: v2Framing })
conformance({ ...tcpTransport, framing: v2Framing })

describe("peer over loopback TCP only", () => {
  it.scopedLive("a connection reset by the remote (RST, not FIN) ends the peer with RemoteClosed", () =>
    Effect.gen(function*() {
      const server = yield* NodeSocketServer.make({ host: "127.0.0.1", port: 0 })
      if (server.address._tag !== "TcpAddress") return yield* Effect.dieMessage("not TCP")
      const accepted = yield* Deferred.make<readonly [Socket.Socket, Net.Socket]>()
      yield* server.run((socket) =>
        Effect.flatMap(Effect.serviceOption(NodeSocket.NetSocket), (conn) =>
          Deferred.succeed(accepted, [socket, Option.getOrThrow(conn)] as const))
      ).pipe(Effect.forkScoped)
      const client = yield* NodeSocket.makeNet({ host: "127.0.0.1", port: server.address.port })
      const make = yield* Peer.make(client, { direction: "outbound", config: config() }).pipe(Effect.fork)
      const [socket, conn] = yield* Deferred.await(accepted)
      const raw = yield* makeRaw(socket)
      yield* rawHandshake(raw, "outbound")
      const peer = yield* Fiber.join(make)
      conn.resetAndDestroy()
      expect((yield* peer.awaitDisconnect)._tag).toBe("RemoteClosed")
    }))
})
