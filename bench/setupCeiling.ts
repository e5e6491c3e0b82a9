/**
 * The setup ceiling (issue 15): how far a peer connection's setup (dial +
 * version/verack + close, both ends in this process over loopback TCP, as
 * the `handshake` rows of `bench/peer.ts`) could go, and what each Effect
 * piece between the no-Effect prototype (`plainPeer.ts`) and today's
 * `Peer.make` / `NodeTransport` path costs.
 *
 *   npm run bench:build
 *   node --expose-gc dist/bench/bench/setupCeiling.js tcp [rounds] [ms per row]
 *   node --expose-gc dist/bench/bench/setupCeiling.js start [rounds] [count]
 *   node --expose-gc dist/bench/bench/setupCeiling.js script [rounds] [count]
 *
 * `tcp`: rows interleaved round by round in this process, each a client side
 * and a server side:
 * - `bare`: the `node:net` reference (`loopback.ts`'s bare handshake);
 * - `plain/plain`: the prototype at both ends: our protocol pieces, no Effect;
 * - `promE/plain`: the plain client's setup as an `Effect.promise`, in a
 *   fiber's loop as `setupProfile ours` runs: the loop's own share;
 * - `dialE/plain`: the client dials through `NodeTransport.dial` in
 *   `Effect.scoped`, in a fiber's loop as `setupProfile ours` runs, and waits
 *   for a plain peer's handshake in an `Effect.async`;
 * - `ours/plain`: the client as `setupProfile ours` (`Peer.make` over the dial);
 * - `plain/listenE`: the server is `NodeTransport.listen` (a `FiberSet` fiber,
 *   a scope and the handler's exit step per connection) around a plain peer;
 * - `plain/ours`: the server is `listenPeers` (`Peer.make` + `awaitDisconnect`);
 * - `ours/ours`: today's setup (`setupProfile ours`);
 * - `oursVoid/ours`: the same with the scoped region's result (the closed
 *   peer) dropped inside the region: a `Peer` returned out of
 *   `Effect.scoped` makes every peer survive young-generation collections
 *   (see `script`'s `startTicksConnected` with `VOID`).
 * Prints µs of main-thread CPU per setup for every row and round, the
 * median per row, each as % of bare's setups per CPU second, and the
 * pieces as differences of medians.
 *
 * `ROWS=regex` runs only the rows it matches (for a CPU profile of one).
 *
 * `script`: no TCP either, but a whole handshake: a socket that takes every
 * write and, on a microtask once read, delivers the remote's handshake in
 * one chunk (outbound: version, sendaddrv2, verack, sendheaders; inbound:
 * version, sendaddrv2, verack, then the remote's orderly end). Outbound:
 * the prototype (handshake, then close on a microtask) against
 * `Effect.scoped(Peer.make(...))`; inbound: the prototype until the end
 * against `Effect.scoped(Peer.make + awaitDisconnect)`. The peer's share
 * of a setup without the kernel's, the listener's or the dial's. Two more
 * outbound rows for GC survival: `startOut` (`Peer.start`, two microtasks,
 * close: no `connected`) and `startTicksConnected` (the same, then
 * `connected`, already settled). With `--trace-gc-nvp`, `VOID=3` (the peer
 * returned out of the scope without `connected`) promotes ~1.5 MB per
 * scavenge against ~0.08 MB for `VOID=1` (the result dropped): a scope
 * closed with an exit that holds the peer keeps peers alive past
 * young-generation collections. Why (session 11): Effect's `Scope.close`
 * stores `{ _tag: "Closed", exit }`, an object literal whose allocation site
 * V8 pretenures once scopes are hot (born in the old generation in ~90% of
 * iterations after ~2-3k, even in a loop of `Effect.scoped` with no peer;
 * `%InYoungGeneration` under `--allow-natives-syntax` shows it). A dead
 * old-generation object is a root for every scavenge until the next full
 * collection, so its exit, and the peer in it, survive and are promoted;
 * then the peer's own allocation sites (the surface's closures) are
 * pretenured too. Nothing of ours keeps the peer (no fiber is forked, a full
 * GC frees it); `--no-allocation-site-pretenuring` brings `VOID=3` to
 * `VOID=1`'s ~0.04-0.06 MB per scavenge. `promiseWaits` / `effectWaits`: the
 * client's dial piece without a socket (two waits as promises, or in
 * `dialE`'s Effect shape inside `Effect.scoped`).
 *
 * `start`: no TCP (a socket that takes every write and never delivers a
 * byte): a peer built and closed `count` times: the prototype's build and
 * close (`plain`), the same inside an Effect fiber with a scope whose
 * finalizer closes it (`plainScoped`), and `Peer.start` + `Scope.close`
 * (`start`): the start's and end's Effect plumbing alone.
 */
import * as Socket from "@effect/platform/Socket"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Scope from "effect/Scope"
import { DirectClose, DirectRead, DirectWrite } from "../src/internal/peer/DirectWrite.js"
import type { TcpSocket } from "../src/internal/node/TcpSocket.js"
import type * as Transport from "../src/network/Transport.js"
import * as NodeTransport from "../src/node/NodeTransport.js"
import * as Peer from "../src/peer/Peer.js"
import * as PeerConfig from "../src/peer/PeerConfig.js"
import type * as NetAddress from "../src/wire/NetAddress.js"
import { mainThreadCpuNs } from "./harness.js"
import * as Frame from "../src/wire/Frame.js"
import * as Message from "../src/wire/Message.js"
import {
  bareHandshake,
  bareHandshakeServer,
  bareServer,
  dialPeer,
  HOST,
  listenPeers,
  magic,
  median,
  nodeConfig,
  now,
  versionMessage,
  waitUntil
} from "./loopback.js"
import { fallbacks, plainClientSetup, plainListener, plainPeer, written } from "./plainPeer.js"

const [mode = "tcp", roundsArg = "3", arg = "1000"] = process.argv.slice(2)
const rounds = Number(roundsArg)

/** `ROWS=regex`: only the rows it matches (for a CPU profile of one); the pieces then print only where their rows ran. */
const selected = <A>(rows: ReadonlyArray<readonly [string, A]>): ReadonlyArray<readonly [string, A]> => {
  const only = process.env["ROWS"]
  return only === undefined ? rows : rows.filter(([name]) => new RegExp(only).test(name))
}

/** A loop of `cycle` (a promise per setup) for `ms`, then a wait for the server side to be empty; returns the setups. */
const promiseLoop = (cycle: () => Promise<void>, drained: () => boolean) => async (ms: number): Promise<number> => {
  const end = now() + ms
  let done = 0
  while (now() < end) {
    await cycle()
    done++
  }
  await waitUntil(drained, 5000)
  return done
}

/** The same in one fiber, as `setupProfile ours` and the bench rows run ours: one effect per setup. */
const effectLoop = (cycle: Effect.Effect<unknown, unknown>, drained: () => boolean) => (ms: number): Promise<number> =>
  Effect.runPromise(Effect.gen(function*() {
    const end = now() + ms
    let done = 0
    while (now() < end) {
      yield* cycle
      done++
    }
    yield* Effect.promise(() => waitUntil(drained, 5000))
    return done
  }))

/** µs of main-thread CPU per setup over one run of `loop` (the drain wait included: it is the server's close). */
const cpuPerSetup = async (loop: (ms: number) => Promise<number>, ms: number): Promise<number> => {
  written.clear()
  const cpu0 = mainThreadCpuNs()
  const count = await loop(ms)
  setups += count
  // FRAMES=1: what the plain peers of this row wrote per setup, and how they ended.
  if (process.env["FRAMES"] === "1" && written.size > 0) {
    console.log(`  frames written by plain peers per setup: ${[...written].map(([k, v]) => `${k} ${(v / count).toFixed(2)}`).join(", ")}`)
  }
  return (mainThreadCpuNs() - cpu0) / 1e3 / count
}

/** Setups measured in this process (for reading a CPU profile per setup). */
let setups = 0

/**
 * `dialE`: `NodeTransport.dial` in a scope, a plain outbound peer on its socket whose close is a
 * finalizer of that scope, and the wait for its handshake in an `Effect.async`.
 */
const dialEffectCycle = (transport: Transport.TransportShape, address: NetAddress.NetAddressFields, config: PeerConfig.PeerConfigShape) =>
  Effect.scoped(Effect.flatMap(transport.dial(address), (socket) =>
    Effect.scopeWith((scope) => {
      let outcome: Effect.Effect<void, Error> | undefined
      let waiting: ((effect: Effect.Effect<void, Error>) => void) | undefined
      const settle = (effect: Effect.Effect<void, Error>) => {
        if (outcome !== undefined) return
        outcome = effect
        waiting?.(effect)
      }
      const peer = plainPeer(socket as TcpSocket, "outbound", config, address, {
        onHandshake: () => settle(Effect.void),
        // An error only when it is one (an `Error` captures a stack: tens of µs).
        onClosed: (reason) => settle(Effect.failSync(() => new Error(reason._tag)))
      })
      return Effect.zipRight(
        Scope.addFinalizer(scope, Effect.sync(peer.close)),
        Effect.async<void, Error>((resume) => {
          if (outcome !== undefined) resume(outcome)
          else waiting = resume
        })
      )
    })))

/** `listenE`: `NodeTransport.listen`, its handler a plain inbound peer waited for in an `Effect.async`. */
const listenEffect = (transport: Transport.TransportShape, config: PeerConfig.PeerConfigShape) =>
  Effect.gen(function*() {
    let live = 0
    const address = yield* transport.listen(HOST, 0, ({ remote, socket }) =>
      Effect.async<void>((resume) => {
        live++
        plainPeer(socket as TcpSocket, "inbound", config, remote, {
          onHandshake: () => {},
          onClosed: () => {
            live--
            resume(Effect.void)
          }
        })
      }))
    return { address, live: () => live }
  })

const tcp = () =>
  Effect.runPromise(Effect.scoped(Effect.gen(function*() {
    const ms = Number(arg)
    const transport = NodeTransport.make()
    const clientPartial = nodeConfig()
    const clientConfig = PeerConfig.make(clientPartial)
    const plainServer = yield* Effect.acquireRelease(Effect.promise(() => plainListener(HOST, PeerConfig.make(nodeConfig()))), (s) => Effect.promise(s.close))
    const effectServer = yield* listenEffect(transport, PeerConfig.make(nodeConfig()))
    const oursServer = yield* listenPeers(transport, nodeConfig(), false)
    const bare = yield* Effect.acquireRelease(Effect.promise(bareServer), (s) => Effect.promise(s.close))
    bare.onAccept = bareHandshakeServer
    const oursClient = (address: NetAddress.NetAddressFields) => Effect.scoped(dialPeer(transport, address, clientPartial))
    const allRows: ReadonlyArray<readonly [string, (ms: number) => Promise<number>]> = [
      ["bare", promiseLoop(() => bareHandshake(bare.port), () => bare.accepted.length === 0)],
      ["plain/plain", promiseLoop(() => plainClientSetup(HOST, plainServer.port, clientConfig), () => plainServer.live() === 0)],
      ["promE/plain", effectLoop(Effect.promise(() => plainClientSetup(HOST, plainServer.port, clientConfig)), () => plainServer.live() === 0)],
      ["dialE/plain", effectLoop(dialEffectCycle(transport, plainServer.address, clientConfig), () => plainServer.live() === 0)],
      ["ours/plain", effectLoop(oursClient(plainServer.address), () => plainServer.live() === 0)],
      ["plain/listenE", promiseLoop(() => plainClientSetup(HOST, effectServer.address.port, clientConfig), () => effectServer.live() === 0)],
      ["plain/ours", promiseLoop(() => plainClientSetup(HOST, oursServer.address.port, clientConfig), () => oursServer.live() === 0)],
      ["ours/ours", effectLoop(oursClient(oursServer.address), () => oursServer.live() === 0)],
      // The same with the scoped region's result dropped (`asVoid`): a peer returned out of its scope survives scavenges.
      ["oursVoid/ours", effectLoop(Effect.scoped(Effect.asVoid(dialPeer(transport, oursServer.address, clientPartial))), () => oursServer.live() === 0)]
    ]
    const rows = selected(allRows)
    const results = new Map<string, Array<number>>(rows.map(([name]) => [name, []]))
    yield* Effect.promise(async () => {
      // Warm-up: every row once, short.
      for (const [, loop] of rows) await loop(Math.min(300, ms))
      for (let r = 0; r < rounds; r++) {
        const line: Array<string> = []
        for (const [name, loop] of rows) {
          const us = await cpuPerSetup(loop, ms)
          results.get(name)!.push(us)
          line.push(`${name} ${us.toFixed(0)}`)
        }
        console.log(`round ${r + 1}: ${line.join(", ")} µs`)
      }
    })
    const med = (name: string) => median(results.get(name) ?? [])
    const bareUs = med("bare")
    console.log("median µs of main-thread CPU per setup (% of bare by CPU):")
    for (const [name] of rows) console.log(`  ${name.padEnd(14)} ${med(name).toFixed(0).padStart(5)} µs  ${((bareUs / med(name)) * 100).toFixed(0)}%`)
    const floor = med("plain/plain")
    console.log("pieces (differences of medians, µs per setup):")
    console.log(`  floor over bare (our protocol pieces, both ends): ${(floor - bareUs).toFixed(0)}`)
    console.log(`  client: a fiber's loop + Effect.promise:          ${(med("promE/plain") - floor).toFixed(0)}`)
    console.log(`  client: Effect dial + scope + async wait:         ${(med("dialE/plain") - floor).toFixed(0)}`)
    console.log(`  client: Peer.make over that:                      ${(med("ours/plain") - med("dialE/plain")).toFixed(0)}`)
    console.log(`  server: listen's fiber + scope + exit per conn:   ${(med("plain/listenE") - floor).toFixed(0)}`)
    console.log(`  server: Peer.make + awaitDisconnect over that:    ${(med("plain/ours") - med("plain/listenE")).toFixed(0)}`)
    console.log(`  sum of pieces + floor: ${(floor + med("ours/plain") - floor + med("plain/ours") - floor).toFixed(0)} vs ours/ours ${med("ours/ours").toFixed(0)}`)
    console.log(`  40% of bare is ${(bareUs / 0.4).toFixed(0)} µs per setup`)
    console.log(`fiber fallbacks in plain peers: ${fallbacks.count}; setups measured: ${setups}`)
  })))

/**
 * `start`'s and `script`'s measure: every row run 2,000 times to warm up, then `rounds` rounds of
 * `count` runs a row, rows interleaved; prints each round and the median per row, in µs of
 * main-thread CPU per run (`what`), with `digits` after the point.
 */
const cpuRounds = async (
  rows: ReadonlyArray<readonly [string, (n: number) => Promise<unknown>]>,
  count: number,
  print: { readonly what: string; readonly digits: number; readonly pad: number }
) => {
  const results = new Map<string, Array<number>>(rows.map(([name]) => [name, []]))
  for (const [, run] of rows) await run(2000)
  for (let r = 0; r < rounds; r++) {
    const line: Array<string> = []
    for (const [name, run] of rows) {
      const cpu0 = mainThreadCpuNs()
      await run(count)
      const us = (mainThreadCpuNs() - cpu0) / 1e3 / count
      results.get(name)!.push(us)
      line.push(`${name} ${us.toFixed(print.digits)}`)
    }
    console.log(`round ${r + 1}: ${line.join(", ")} µs`)
  }
  console.log(`median µs of main-thread CPU per ${print.what}:`)
  for (const [name] of rows) console.log(`  ${name.padEnd(print.pad)} ${median(results.get(name)!).toFixed(print.digits)}`)
  console.log(`fiber fallbacks in plain peers: ${fallbacks.count}`)
}

/** The remote a `start` or `script` peer is told it talks to (no socket behind it). */
const remote: NetAddress.NetAddressFields = { services: 0n, network: 1, address: new Uint8Array([127, 0, 0, 1]), port: 8333 }

/** A socket that never delivers a byte and takes every write at once (as `setupProfile`'s). */
const quietSocket = (): Socket.Socket & DirectRead & DirectWrite & DirectClose => ({
  [Socket.TypeId]: Socket.TypeId,
  run: () => Effect.never,
  runRaw: () => Effect.never,
  writer: Effect.succeed(() => Effect.void),
  [DirectRead]: () => () => {},
  [DirectWrite]: () => true,
  [DirectClose]: () => {}
})

const start = async () => {
  const count = Number(arg) === 1000 ? 20_000 : Number(arg)
  const partial = nodeConfig()
  const config = PeerConfig.make(partial)
  const hooks = { onHandshake: () => {}, onClosed: () => {} }
  const plain = async (n: number) => {
    for (let i = 0; i < n; i++) plainPeer(quietSocket() as unknown as TcpSocket, "outbound", config, remote, hooks).close()
  }
  const plainScoped = (n: number) =>
    Effect.runPromise(Effect.repeatN(
      Effect.gen(function*() {
        const scope = yield* Scope.make()
        const peer = plainPeer(quietSocket() as unknown as TcpSocket, "outbound", config, remote, hooks)
        yield* Scope.addFinalizer(scope, Effect.sync(peer.close))
        yield* Scope.close(scope, Exit.void)
      }),
      n - 1
    ))
  const peerStart = (n: number) =>
    Effect.runPromise(Effect.repeatN(
      Effect.gen(function*() {
        const scope = yield* Scope.make()
        yield* Scope.extend(Peer.start(quietSocket(), { direction: "outbound", remote, config: partial }), scope)
        yield* Scope.close(scope, Exit.void)
      }),
      n - 1
    ))
  const rows = selected<(n: number) => Promise<unknown>>([["plain", plain], ["plainScoped", plainScoped], ["start", peerStart]])
  await cpuRounds(rows, count, { what: "build + close", digits: 2, pad: 12 })
}

/** The remote's handshake in one chunk (a plain `Uint8Array` of its own, not a view of Node's buffer pool). */
const chunkOf = (messages: ReadonlyArray<Message.NetworkMessage>): Uint8Array =>
  new Uint8Array(Buffer.concat(messages.map((m) => Frame.encode(magic, m))))

/**
 * A socket that takes every write and, once read, delivers `chunk` on a microtask (then, when
 * `end`, the remote's orderly end on the next one): a handshake with no kernel in it.
 */
const scriptedSocket = (chunk: Uint8Array, end: boolean): Socket.Socket & DirectRead & DirectWrite & DirectClose => ({
  [Socket.TypeId]: Socket.TypeId,
  run: () => Effect.never,
  runRaw: () => Effect.never,
  writer: Effect.succeed(() => Effect.void),
  [DirectRead]: (handler, _runFork, onEnd) => {
    let stopped = false
    queueMicrotask(() => {
      if (stopped) return
      handler(chunk)
      if (end) queueMicrotask(() => stopped || onEnd(Exit.void))
    })
    return () => void (stopped = true)
  },
  [DirectWrite]: () => true,
  [DirectClose]: () => {}
})

const script = async () => {
  const count = Number(arg) === 1000 ? 10_000 : Number(arg)
  const partial = nodeConfig()
  const config = PeerConfig.make(partial)
  // Nonces of a remote node (not in this node's registry).
  const toOutbound = chunkOf([versionMessage(0x7265_6d6f_7465_0001n), Message.SendAddrV2.make({}), Message.Verack.make({}), Message.SendHeaders.make({})])
  const toInbound = chunkOf([versionMessage(0x7265_6d6f_7465_0002n), Message.SendAddrV2.make({}), Message.Verack.make({})])
  const sock = (chunk: Uint8Array, end: boolean) => scriptedSocket(chunk, end) as unknown as TcpSocket
  const plainOut = async (n: number) => {
    for (let i = 0; i < n; i++) {
      await new Promise<void>((resolve, reject) => {
        const peer = plainPeer(sock(toOutbound, false), "outbound", config, remote, {
          onHandshake: () => queueMicrotask(() => (peer.close(), resolve())),
          onClosed: (r) => r._tag === "Shutdown" || reject(new Error(r._tag))
        })
      })
    }
  }
  const plainIn = async (n: number) => {
    for (let i = 0; i < n; i++) {
      await new Promise<void>((resolve) => {
        let connected = false
        plainPeer(sock(toInbound, true), "inbound", config, remote, {
          onHandshake: () => void (connected = true),
          onClosed: (r) => {
            if (!connected) throw new Error(`inbound closed before its handshake: ${r._tag}`)
            resolve()
          }
        })
      })
    }
  }
  const makeOut = (n: number) =>
    Effect.runPromise(Effect.repeatN(Effect.scoped(Peer.make(scriptedSocket(toOutbound, false), { direction: "outbound", remote, config: partial })), n - 1))
  const makeIn = (n: number) =>
    Effect.runPromise(Effect.repeatN(
      Effect.scoped(Effect.flatMap(Peer.make(scriptedSocket(toInbound, true), { direction: "inbound", remote, config: partial }), (p) => p.awaitDisconnect)),
      n - 1
    ))
  // `Peer.start`, then a wait of two microtasks (the handshake's chunk has arrived), then the close: `makeOut` without `connected`.
  const twoTicks = Effect.async<void>((resume) => queueMicrotask(() => queueMicrotask(() => resume(Effect.void))))
  const startOut = (n: number) =>
    Effect.runPromise(Effect.repeatN(
      Effect.scoped(Effect.zipRight(Peer.start(scriptedSocket(toOutbound, false), { direction: "outbound", remote, config: partial }), twoTicks)),
      n - 1
    ))
  // Diagnostics (GC survival): `Peer.start` then `connected` as a separate step; and after the handshake (settled: no wait).
  const startThenConnected = (n: number) =>
    Effect.runPromise(Effect.repeatN(
      Effect.scoped(Effect.flatMap(Peer.start(scriptedSocket(toOutbound, false), { direction: "outbound", remote, config: partial }), (p) => p.connected)),
      n - 1
    ))
  // VOID=1: `connected`'s result dropped; 2: another object returned instead of the peer; 3: the peer returned without `connected`.
  const ticksThen = (p: Peer.StartingPeer): Effect.Effect<unknown, unknown> => {
    const variant = process.env["VOID"]
    return variant === "1" ? Effect.asVoid(p.connected) : variant === "2" ? Effect.as(p.connected, { other: 1 }) : variant === "3" ? Effect.as(twoTicks, p) : p.connected
  }
  const startTicksConnected = (n: number) =>
    Effect.runPromise(Effect.repeatN(
      Effect.scoped(Effect.flatMap(Peer.start(scriptedSocket(toOutbound, false), { direction: "outbound", remote, config: partial }), (p) => Effect.zipRight(twoTicks, ticksThen(p)))),
      n - 1
    ))
  // The client's dial piece without a socket: two waits (the connect, the handshake) as promises, and as
  // `dialE` makes them: `NodeTransport.dial`'s shape (a mask around an async, its finalizer on the scope)
  // in `Effect.scoped`, then the handshake's `Effect.async`.
  const tick = () => new Promise<void>((resolve) => queueMicrotask(resolve))
  const promiseWaits = async (n: number) => {
    for (let i = 0; i < n; i++) {
      await tick()
      await tick()
    }
  }
  const oneTick = Effect.async<void>((resume) => queueMicrotask(() => resume(Effect.void)))
  const dialShape = Effect.suspend(() =>
    Effect.uninterruptibleMask((restore) =>
      Effect.matchCauseEffect(restore(oneTick), {
        onFailure: Effect.failCause,
        onSuccess: () => Effect.scopeWith((scope) => Scope.addFinalizer(scope, Effect.sync(() => {})))
      })
    )
  )
  const effectWaits = (n: number) => Effect.runPromise(Effect.repeatN(Effect.scoped(Effect.zipRight(dialShape, oneTick)), n - 1))
  const rows = selected<(n: number) => Promise<unknown>>([
    ["promiseWaits", promiseWaits],
    ["effectWaits", effectWaits],
    ["startThenConnected", startThenConnected],
    ["startTicksConnected", startTicksConnected],
    ["plainOut", plainOut],
    ["makeOut", makeOut],
    ["startOut", startOut],
    ["plainIn", plainIn],
    ["makeIn", makeIn]
  ])
  await cpuRounds(rows, count, { what: "handshake + close, no kernel", digits: 1, pad: 10 })
}

if (mode === "start") await start()
else if (mode === "script") await script()
else await tcp()
process.exit(0)
