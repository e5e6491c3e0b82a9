/**
 * Connection churn over real loopback TCP: thousands of connect / handshake /
 * disconnect cycles between two of our peers (client through
 * `NodeTransport.make().dial`, server through `listen`), then the accounting:
 * open handles, live fibers and retained heap must be back where they were.
 * A leak of one socket, one fiber or a few kilobytes per connection shows up
 * as thousands of them here.
 */
import { describe, expect, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Scope from "effect/Scope"
import * as Supervisor from "effect/Supervisor"
import * as os from "node:os"
import * as Peer from "../../src/peer/Peer.js"
import { handles, HOST, loopback, mb, memory, peerConfig } from "../support/tcp.js"
import * as NodeTransport from "../../src/node/NodeTransport.js"

const CYCLES = 2000
const CONCURRENCY = 8
const WARMUP = 50

const sum = (r: Record<string, number>) => Object.values(r).reduce((a, b) => a + b, 0)
const show = (r: Record<string, number>) => Object.entries(r).map(([k, v]) => `${k}=${v}`).join(" ")

describe("connection churn over loopback TCP", () => {
  it.live(
    `${CYCLES} connect/handshake/disconnect cycles, ${CONCURRENCY} at a time: handles, fibers and heap back to baseline`,
    () =>
      Effect.gen(function*() {
        const supervisor = yield* Supervisor.track
        const handlesAtStart = handles()

        const run = Effect.gen(function*() {
          const tcp = NodeTransport.make()
          const serverConfig = peerConfig()
          const clientConfig = peerConfig()
          const outcomes: Record<string, number> = {}
          let serverEnded = 0

          const listenerScope = yield* Scope.make()
          const address = yield* tcp.listen(HOST, 0, ({ remote, socket }) =>
            Effect.gen(function*() {
              const peer = yield* Peer.start(socket, { direction: "inbound", remote, config: serverConfig })
              const handshake = yield* Effect.either(peer.handshake)
              const reason = yield* peer.awaitDisconnect
              const key = `${handshake._tag === "Right" ? "handshaken" : "not handshaken"}/${reason._tag}`
              outcomes[key] = (outcomes[key] ?? 0) + 1
              serverEnded++
            })
          ).pipe(Scope.extend(listenerScope))
          const remote = loopback(address.port)

          let clientHandshakes = 0
          const cycle = Effect.scoped(
            Effect.gen(function*() {
              const socket = yield* tcp.dial(remote)
              const peer = yield* Peer.make(socket, { direction: "outbound", remote, config: clientConfig })
              clientHandshakes++
              // One round trip: the remote has our verack (a disconnect right after the handshake may
              // drop it from our queue, and the remote would end "not handshaken").
              yield* peer.ping
              yield* peer.disconnect("churn")
            })
          )
          const cycles = (n: number) => Effect.forEach(Array.from({ length: n }), () => cycle, { concurrency: CONCURRENCY, discard: true })
          /** Waits until the server side of `n` connections ended and `settled` holds (sockets close asynchronously). */
          const settle = (n: number, settled: () => boolean) =>
            Effect.gen(function*() {
              const deadline = Date.now() + 30_000
              while ((serverEnded < n || !settled()) && Date.now() < deadline) yield* Effect.sleep("10 millis")
            })

          // Warm-up (JIT, module state, first allocations of pools), then the baseline.
          yield* cycles(WARMUP)
          yield* settle(WARMUP, () => (handles()["TCPSocketWrap"] ?? 0) === 0)
          const fibersBefore = (yield* supervisor.value).length
          const handlesBefore = handles()
          const memBefore = memory()

          const t0 = Date.now()
          const cpu0 = process.cpuUsage()
          yield* cycles(CYCLES)
          const ms = Date.now() - t0
          const cpu = process.cpuUsage(cpu0)
          const cpuMs = (cpu.user + cpu.system) / 1000
          yield* settle(WARMUP + CYCLES, () => sum(handles()) <= sum(handlesBefore))
          const settledMs = Date.now() - t0 - ms

          const fibersAfter = (yield* supervisor.value).length
          const handlesAfter = handles()
          const memAfter = memory()

          yield* Scope.close(listenerScope, Exit.void)
          // Fibers end asynchronously after the scope closes, and so does the server's handle (libuv
          // closes it on a later turn of the event loop than `server.close`'s callback): wait for both
          // (generous deadline), then assert.
          const serverHandles = () => handles()["TCPServerWrap"] ?? 0
          const deadline = Date.now() + 30_000
          while (
            ((yield* supervisor.value).length > fibersBefore || serverHandles() > (handlesAtStart["TCPServerWrap"] ?? 0)) &&
            Date.now() < deadline
          ) yield* Effect.sleep("10 millis")
          const fibersClosed = (yield* supervisor.value).length
          const handlesClosed = handles()

          console.log(
            `churn: ${CYCLES} cycles (${CONCURRENCY} in parallel) in ${ms} ms = ${(CYCLES / (ms / 1000)).toFixed(0)} cycles/s, settled in ${settledMs} ms; ` +
              `CPU ${cpuMs.toFixed(0)} ms (${(cpuMs / CYCLES).toFixed(2)} ms per cycle, both sides); load average ${os.loadavg()[0]!.toFixed(1)} on ${os.cpus().length} cores; ` +
              `server outcomes ${JSON.stringify(outcomes)}; ` +
              `handles before [${show(handlesBefore)}] after [${show(handlesAfter)}] listener closed [${show(handlesClosed)}] (at start [${show(handlesAtStart)}]); ` +
              `fibers ${fibersBefore} → ${fibersAfter} → ${fibersClosed} with the listener closed; ` +
              `heap ${mb(memBefore.heap)} → ${mb(memAfter.heap)}, arrayBuffers ${mb(memBefore.arrayBuffers)} → ${mb(memAfter.arrayBuffers)}`
          )

          // Every cycle handshook on both sides and ended as the client's disconnect.
          expect(clientHandshakes).toBe(WARMUP + CYCLES)
          expect(outcomes).toEqual({ "handshaken/RemoteClosed": WARMUP + CYCLES })
          // Handles: no socket left open, nothing else grew.
          expect(handlesAfter["TCPSocketWrap"] ?? 0).toBe(0)
          expect(sum(handlesAfter)).toBeLessThanOrEqual(sum(handlesBefore) + 2)
          expect(handlesClosed["TCPServerWrap"] ?? 0).toBe(handlesAtStart["TCPServerWrap"] ?? 0)
          // Fibers: the listener's own, nothing per connection.
          expect(fibersAfter).toBeLessThanOrEqual(fibersBefore + 2)
          expect(fibersClosed).toBeLessThanOrEqual(fibersBefore)
          // Heap: < 10 MB for 2,000 connections (5 KB each would already be 10 MB).
          expect(memAfter.heap - memBefore.heap).toBeLessThan(10 * 1024 * 1024)
          expect(memAfter.arrayBuffers - memBefore.arrayBuffers).toBeLessThan(2 * 1024 * 1024)
        })
        yield* Effect.supervised(run, supervisor)
      }),
    240_000
  )
})
