/**
 * The attack table of issue 12 ("hostile peers, round two"): each finding of
 * the red-team pass replayed against a real listener in this process
 * (`NodeNetwork.layer` on 127.0.0.1, default settings unless a row says
 * otherwise), by raw `node:net` clients (`BareEnd`) that bind source
 * addresses in 127.0.0.0/8. Prints one Markdown row per attack: what
 * happened (the typed reason or event), the process's RSS and heap
 * high-water marks (`process.memoryUsage()` sampled every 50 ms, against a
 * baseline taken after GC just before the case) and the wall time.
 *
 * Every client is on loopback, so every client is in the connector's one
 * "local" inbound group (as a local proxy's peers are): the per-group cap
 * (16 of 64 slots by default) applies to all of them together.
 *
 * Run: `npm run bench:hostile` (a tsc build run by node with --expose-gc);
 * BENCH_HOSTILE_FILTER (a regex on "finding attack") runs some cases only.
 * Each case is bounded (seconds); the whole run takes well under 2 minutes.
 */
import * as Context from "effect/Context"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Layer from "effect/Layer"
import * as Schedule from "effect/Schedule"
import * as Scope from "effect/Scope"
import * as Stream from "effect/Stream"
import * as Net from "node:net"
import * as AddressBook from "../src/network/AddressBook.js"
import { Connector, type PeerEvent } from "../src/network/Connector.js"
import * as NodeNetwork from "../src/node/NodeNetwork.js"
import * as Frame from "../src/wire/Frame.js"
import * as Message from "../src/wire/Message.js"
import * as NetAddress from "../src/wire/NetAddress.js"
import { BareEnd, HOST, isMain, magic, mib, nextNonce, params, settleGc, table, versionMessage, waitUntil } from "./loopback.js"

// ---------------------------------------------------------------------------
// The listener

interface Node {
  readonly port: number
  readonly connector: Connector["Type"]
  readonly book: AddressBook.AddressBookShape
  readonly events: Array<PeerEvent>
  readonly close: () => Promise<void>
}

/** `NodeNetwork.layer` listening on 127.0.0.1 (no outbound peers), its events collected from the start. */
const startNode = (options: NodeNetwork.NodeOptions = {}): Promise<Node> =>
  Effect.runPromise(Effect.gen(function*() {
    const scope = yield* Scope.make()
    const context = yield* Layer.buildWithScope(
      NodeNetwork.layer({
        listen: { host: HOST, port: 0 },
        targetOutbound: 0,
        sendGetAddr: false,
        addressBook: { allowLocal: true },
        ...options,
        peer: { params, ...options.peer }
      }),
      scope
    )
    const connector = Context.get(context, Connector)
    const events: Array<PeerEvent> = []
    const stream = yield* Scope.extend(connector.subscribeEvents, scope)
    yield* Effect.forkIn(Stream.runForEach(stream, (e) => Effect.sync(() => events.push(e))), scope)
    return {
      port: connector.listenAddress!.port,
      connector,
      book: Context.get(context, AddressBook.AddressBook),
      events,
      close: () => Effect.runPromise(Scope.close(scope, Exit.void))
    }
  }))

const run = <A>(effect: Effect.Effect<A>): Promise<A> => Effect.runPromise(effect)

const ofTag = <T extends PeerEvent["_tag"]>(events: ReadonlyArray<PeerEvent>, tag: T) =>
  events.filter((e): e is Extract<PeerEvent, { _tag: T }> => e._tag === tag)

/** "3 × A, 1 × B" of the reasons' tags. */
const tally = (tags: ReadonlyArray<string>): string => {
  const counts = new Map<string, number>()
  for (const t of tags) counts.set(t, (counts.get(t) ?? 0) + 1)
  return [...counts].map(([t, n]) => `${n} × ${t}`).join(", ") || "none"
}

// ---------------------------------------------------------------------------
// A raw client: `BareEnd` plus waiting for what it received

class Client {
  readonly received: Array<Message.NetworkMessage> = []
  readonly closed: Promise<void>
  isClosed = false
  written = 0

  constructor(readonly end: BareEnd) {
    end.onMessage = (m) => {
      this.received.push(m)
    }
    this.closed = new Promise((resolve) =>
      end.socket.once("close", () => {
        this.isClosed = true
        resolve()
      })
    )
  }

  /** Connects to 127.0.0.1:`port` from `from` (any 127.x.y.z on Linux). */
  static connect(port: number, from = HOST): Promise<Client> {
    return new Promise((resolve, reject) => {
      const socket = Net.createConnection({ host: HOST, port, localAddress: from, noDelay: true })
      socket.once("connect", () => resolve(new Client(new BareEnd(socket))))
      socket.once("error", reject)
    })
  }

  send(m: Message.NetworkMessage): void {
    if (!this.end.socket.destroyed) this.end.send(m)
  }

  /** The first received `tag` (removed), within `timeoutMs`; undefined when it did not come. */
  async take<T extends Message.Tag>(tag: T, timeoutMs = 10_000): Promise<Message.MessageOf<T> | undefined> {
    let found: Message.MessageOf<T> | undefined
    await waitUntil(() => {
      const i = this.received.findIndex((m) => m._tag === tag)
      if (i >= 0) found = this.received.splice(i, 1)[0] as Message.MessageOf<T>
      return found !== undefined || this.isClosed
    }, timeoutMs)
    return found
  }

  /** The outbound side of the handshake against our inbound peer, at protocol `version`; `addrv2`: ask for BIP-0155 `addrv2`. */
  async handshake(version = params.protocolVersion, addrv2 = false): Promise<boolean> {
    this.send(Message.Version.make({ ...versionMessage(nextNonce()), version }))
    if (addrv2) this.send(Message.SendAddrV2.make({}))
    const ok = (await this.take("Version")) !== undefined && (await this.take("Verack")) !== undefined
    if (ok) this.send(Message.Verack.make({}))
    return ok
  }

  /** Sends a ping and waits for its pong. */
  async ping(nonce: bigint): Promise<boolean> {
    this.send(Message.Ping.make({ nonce }))
    return (await this.take("Pong"))?.nonce === nonce
  }

  destroy(): void {
    this.end.socket.destroy()
  }
}

/** A frame header announcing `length` bytes of `command` (checksum of nothing). */
const header = (command: string, length: number): Uint8Array => {
  const h = Frame.encodeRaw(magic, command, new Uint8Array(0))
  new DataView(h.buffer, h.byteOffset).setUint32(16, length, true)
  return h
}

/** Writes `frames` frames of `size` unknown bytes, 64 KiB at a time, until the socket closes. */
const floodUnknown = async (client: Client, frames: number, size: number): Promise<void> => {
  const chunk = new Uint8Array(64 * 1024).fill(0x5a)
  const socket = client.end.socket
  const deadline = Date.now() + 15_000
  for (let f = 0; f < frames && !client.isClosed; f++) {
    socket.write(header("junk", size))
    for (let sent = 0; sent < size && !client.isClosed && !socket.destroyed && Date.now() < deadline; sent += chunk.length) {
      const part = chunk.subarray(0, Math.min(chunk.length, size - sent))
      client.written += part.length
      if (!socket.write(part)) {
        await Promise.race([new Promise((r) => socket.once("drain", r)), client.closed, new Promise((r) => setTimeout(r, 200))])
      }
    }
  }
}

/** Fresh routable IPv4 addresses numbered from `from`, spread over many /16 groups. */
const FIRST_OCTETS = Array.from({ length: 200 }, (_, i) => i + 20).filter((o) => ![100, 127, 169, 172, 192, 198, 203].includes(o) && o < 224)
const routable = (n: number, from = 0): Array<NetAddress.TimedNetAddressFields> => {
  const time = Math.floor(Date.now() / 1000)
  return Array.from({ length: n }, (_, i) => {
    const k = from + i
    const host = `${FIRST_OCTETS[k % FIRST_OCTETS.length]}.${Math.floor(k / FIRST_OCTETS.length) % 250}.${Math.floor(k / (FIRST_OCTETS.length * 250)) + 1}.1`
    return { ...NetAddress.fromHost(host, 8333)!, time }
  })
}

/** Fresh onion (Tor v3) addresses: routable, but not on a network a TCP node reaches. */
const onions = (n: number, from = 0): Array<NetAddress.TimedNetAddressFields> => {
  const time = Math.floor(Date.now() / 1000)
  return Array.from({ length: n }, (_, i) => {
    const address = new Uint8Array(32).fill(0x6f)
    new DataView(address.buffer).setUint32(0, from + i)
    return { services: 0n, network: NetAddress.NetworkId.TorV3, address, port: 8333, time }
  })
}

/**
 * 2,000 announcements of 10 fresh addresses from 127.0.0.5, paced at 5,000 addresses a second (a
 * 100 ms trickle then carries about 500, under the 1,000 a peer's trickle queue keeps, so only the
 * sender's rate limit can hold relays back); returns what a bystander on 127.0.0.6 received by 2 s
 * after the flood.
 */
const relayFlood = async (node: Node, make: (m: number) => Message.NetworkMessage, addrv2: boolean): Promise<number> => {
  const bystander = await Client.connect(node.port, "127.0.0.6")
  await bystander.handshake(params.protocolVersion, addrv2)
  const flooder = await Client.connect(node.port, "127.0.0.5")
  await flooder.handshake(params.protocolVersion, addrv2)
  for (let m = 0; m < 2000; m += 10) {
    for (let k = m; k < m + 10; k++) flooder.send(make(k))
    await new Promise((r) => setTimeout(r, 20))
  }
  await flooder.ping(7n)
  const flooded = Date.now()
  await waitUntil(() => Date.now() - flooded > 2000, 10_000)
  const relayed = addressCount(bystander.received)
  for (const c of [bystander, flooder]) c.destroy()
  return relayed
}

const addressCount = (messages: ReadonlyArray<Message.NetworkMessage>): number =>
  messages.reduce((n, m) => n + (m._tag === "Addr" || m._tag === "AddrV2" ? m.addresses.length : 0), 0)

/** Runs `f` over `items`, `limit` at a time. */
const pool = async <A, B>(items: ReadonlyArray<A>, limit: number, f: (a: A, i: number) => Promise<B>): Promise<Array<B>> => {
  const out: Array<B> = new Array(items.length)
  let next = 0
  await Promise.all(Array.from({ length: limit }, async () => {
    while (next < items.length) {
      const i = next++
      out[i] = await f(items[i]!, i)
    }
  }))
  return out
}

// ---------------------------------------------------------------------------
// The cases

interface Case {
  readonly finding: string
  readonly attack: string
  /** Runs the attack against a fresh listener; returns the outcome in words. */
  readonly run: (node: Node) => Promise<string>
  readonly options?: NodeNetwork.NodeOptions
}

const cases: ReadonlyArray<Case> = [
  {
    finding: "1",
    attack: "16 connections × two 4 MB unknown frames before `version` (v1 listener), a good client meanwhile",
    // v1: the pre-handshake byte budget is what this replays. A v2-capable listener cuts a remote
    // that does not open with `version` after 4,111 bytes as a failed v2 initiator instead.
    options: { transportMode: "v1" },
    run: async (node) => {
      const good = await Client.connect(node.port)
      const goodOk = (await good.handshake()) && (await good.ping(1n))
      const attackers = await Promise.all(Array.from({ length: 16 }, () => Client.connect(node.port)))
      await Promise.all(attackers.map((a) => floodUnknown(a, 2, 4_000_000)))
      await waitUntil(() => attackers.every((a) => a.isClosed), 15_000)
      const stillOk = !good.isClosed && (await good.ping(2n))
      const failed = ofTag(node.events, "HandshakeFailed").map((e) => e.reason._tag)
      const most = Math.max(...attackers.map((a) => a.written))
      good.destroy()
      return `HandshakeFailed: ${tally(failed)}; ${attackers.filter((a) => a.isClosed).length}/16 closed, each after ≤ ${mib(most)} sent; ` +
        `good client handshake + ping ${goodOk && stillOk ? "ok" : "FAILED"}`
    }
  },
  {
    finding: "2",
    attack: "64 silent handshaken sockets from 127.0.0.1, then a newcomer from 127.0.0.2",
    run: async (node) => {
      const attackers: Array<Client> = []
      for (let i = 0; i < 64; i++) {
        const c = await Client.connect(node.port)
        await c.handshake()
        attackers.push(c)
      }
      const newcomer = await Client.connect(node.port, "127.0.0.2")
      const ok = (await newcomer.handshake()) && (await newcomer.ping(3n))
      await waitUntil(() => attackers.filter((a) => !a.isClosed).length <= 16, 10_000)
      const evicted = ofTag(node.events, "Disconnected").map((e) => e.reason._tag)
      const held = attackers.filter((a) => !a.isClosed).length
      for (const c of [...attackers, newcomer]) c.destroy()
      return `attacker holds ${held} slots (cap 16 per group); Disconnected: ${tally(evicted)} (evicted); newcomer ${ok ? "Connected + pong" : "REFUSED"}`
    }
  },
  {
    finding: "2",
    attack: "64 sockets from 127.0.0.1 that never send `version`, then a newcomer from 127.0.0.2",
    run: async (node) => {
      const attackers = await Promise.all(Array.from({ length: 64 }, () => Client.connect(node.port)))
      await waitUntil(() => attackers.filter((a) => !a.isClosed).length <= 16, 10_000)
      const newcomer = await Client.connect(node.port, "127.0.0.2")
      const ok = (await newcomer.handshake()) && (await newcomer.ping(4n))
      const failed = ofTag(node.events, "HandshakeFailed").map((e) => e.reason._tag)
      const refused = ofTag(node.events, "InboundRefused").map((e) => e.reason)
      const held = attackers.filter((a) => !a.isClosed).length
      for (const c of [...attackers, newcomer]) c.destroy()
      return `attacker holds ${held} slots; HandshakeFailed: ${tally(failed)} (evicted); InboundRefused: ${tally(refused)}; newcomer ${ok ? "Connected + pong" : "REFUSED"}`
    }
  },
  {
    finding: "3",
    attack: "a loopback peer sends a ping with a bad checksum, then a second loopback client",
    run: async (node) => {
      const bad = await Client.connect(node.port)
      await bad.handshake()
      const ping = Frame.encode(magic, Message.Ping.make({ nonce: 5n }))
      ping[20] = ping[20]! ^ 0xff
      bad.end.write(ping)
      await waitUntil(() => ofTag(node.events, "Disconnected").length === 1, 10_000)
      const gone = ofTag(node.events, "Disconnected")[0]
      const next = await Client.connect(node.port)
      const ok = (await next.handshake()) && (await next.ping(6n))
      const bans = (await run(node.book.bans)).length
      for (const c of [bad, next]) c.destroy()
      const reason = gone === undefined ? "no Disconnected" : `${gone.reason._tag}${"error" in gone.reason ? `(${(gone.reason.error as { reason: string }).reason})` : ""}`
      return `Disconnected ${reason}, banned: ${gone?.banned}; bans in the book: ${bans}; next loopback client ${ok ? "Connected + pong" : "REFUSED"}`
    }
  },
  {
    finding: "4",
    attack: "40 reconnects from 127.0.0.1, each sending addr with 1,000 fresh routable addresses",
    run: async (node) => {
      for (let c = 0; c < 40; c++) {
        const client = await Client.connect(node.port)
        await client.handshake()
        client.send(Message.Addr.make({ addresses: routable(1000, c * 1000) }))
        // A ping after the addr: its pong means the addr was read (one peer's messages in order).
        await client.ping(BigInt(100 + c))
        client.destroy()
        await client.closed
      }
      const stats = await run(node.book.stats)
      return `book holds ${stats.size} of 40,000 offered (before: 15,815); rate-limited ${stats.rateLimited}`
    }
  },
  {
    finding: "4",
    attack: "2,000 addr of 10 fresh routable IPv4 addresses (20,000) in 4 s from 127.0.0.5; a bystander on 127.0.0.6 counts relays (trickle 100 ms)",
    // The default trickle is 30 s (jittered): shortened so that the case takes seconds. The bound
    // under test is the sender's rate limit (1,000 at once, then 0.1/s), not the trickle.
    options: { addrTrickleSchedule: Schedule.spaced(Duration.millis(100)) },
    run: async (node) => {
      const relayed = await relayFlood(node, (m) => Message.Addr.make({ addresses: routable(10, m * 10) }), false)
      return `bystander received ${relayed} of 20,000 (before: 20,000 in 3.3 s)`
    }
  },
  {
    finding: "4",
    attack: "the same with addrv2 of onion addresses (a network we cannot reach: relayed, never stored)",
    options: { addrTrickleSchedule: Schedule.spaced(Duration.millis(100)) },
    run: async (node) => {
      const relayed = await relayFlood(node, (m) => Message.AddrV2.make({ addresses: onions(10, m * 10) }), true)
      const stored = (await run(node.book.stats)).size
      return `bystander received ${relayed} of 20,000 (before this branch: unlimited); book holds ${stored}`
    }
  },
  {
    finding: "5",
    attack: "200 connections (10 at a time) each sending getaddr to a book of 2,500",
    run: async (node) => {
      await run(node.book.add(routable(2500, 100_000), "user"))
      const answers = await pool(Array.from({ length: 200 }), 10, async () => {
        const c = await Client.connect(node.port)
        await c.handshake()
        c.send(Message.GetAddr.make({}))
        const addr = (await c.take("Addr")) ?? (await c.take("AddrV2", 1))
        c.destroy()
        return addr === undefined ? "" : addr.addresses.map(NetAddress.toString).sort().join(",")
      })
      const distinct = new Set(answers.filter((a) => a !== ""))
      const size = (answers[0] ?? "").split(",").length
      return `${answers.filter((a) => a !== "").length}/200 answered, ${distinct.size} distinct answer(s) (cached ~21–27 h), ${size} addresses each`
    }
  },
  {
    finding: "6",
    attack: "a client speaking protocol 70001, then one speaking 60002: handshake, ping, getaddr",
    run: async (node) => {
      await run(node.book.add(routable(50, 200_000), "user"))
      const out: Array<string> = []
      for (const version of [70001, 60002]) {
        const c = await Client.connect(node.port)
        const hs = await c.handshake(version)
        const pong = hs && (await c.ping(BigInt(version)))
        c.send(Message.GetAddr.make({}))
        const addr = hs ? await c.take("Addr") : undefined
        out.push(`${version}: ${hs ? "Connected" : "REFUSED"}, ${pong ? "pong" : "no pong"}, addr ${addr?.addresses.length ?? 0}`)
        c.destroy()
      }
      const failed = ofTag(node.events, "HandshakeFailed").map((e) => e.reason._tag)
      return `${out.join("; ")}; HandshakeFailed: ${tally(failed)}`
    }
  }
]

// ---------------------------------------------------------------------------
// Measuring

interface Row {
  readonly finding: string
  readonly attack: string
  readonly outcome: string
  readonly rssBase: number
  readonly rssPeak: number
  readonly heapBase: number
  readonly heapPeak: number
  readonly ms: number
}

const measure = async (c: Case): Promise<Row> => {
  await settleGc()
  const base = process.memoryUsage()
  let rssPeak = base.rss
  let heapPeak = base.heapUsed
  const sampler = setInterval(() => {
    const m = process.memoryUsage()
    rssPeak = Math.max(rssPeak, m.rss)
    heapPeak = Math.max(heapPeak, m.heapUsed)
  }, 50)
  const started = performance.now()
  const node = await startNode(c.options)
  let outcome: string
  try {
    outcome = await c.run(node)
  } catch (e) {
    outcome = `FAILED: ${e instanceof Error ? e.message : String(e)}`
  } finally {
    await node.close()
  }
  const ms = performance.now() - started
  clearInterval(sampler)
  return { finding: c.finding, attack: c.attack, outcome, rssBase: base.rss, rssPeak, heapBase: base.heapUsed, heapPeak, ms }
}

const mb = (bytes: number) => `${(bytes / 1024 / 1024).toFixed(0)} MB`

export const main = async (): Promise<ReadonlyArray<Row>> => {
  const started = performance.now()
  const rows: Array<Row> = []
  const filter = process.env["BENCH_HOSTILE_FILTER"] ? new RegExp(process.env["BENCH_HOSTILE_FILTER"]) : undefined
  for (const c of cases.filter((c) => filter === undefined || filter.test(`${c.finding} ${c.attack}`))) {
    process.stderr.write(`  attack ${c.finding}: ${c.attack}…\n`)
    rows.push(await measure(c))
  }
  table(
    "Hostile peers (issue 12): each finding replayed against NodeNetwork.layer on 127.0.0.1. Memory: process RSS and V8 heap used, baseline after GC → high-water mark sampled every 50 ms.",
    ["#", "attack", "outcome", "RSS base → peak", "heap base → peak", "time"],
    rows.map((r) => [
      r.finding,
      r.attack,
      r.outcome,
      `${mb(r.rssBase)} → ${mb(r.rssPeak)} (+${mb(r.rssPeak - r.rssBase)})`,
      `${mb(r.heapBase)} → ${mb(r.heapPeak)} (+${mb(r.heapPeak - r.heapBase)})`,
      `${(r.ms / 1000).toFixed(1)} s`
    ])
  )
  console.log(`\nhostile bench done in ${((performance.now() - started) / 1000).toFixed(1)} s`)
  return rows
}

if (isMain(import.meta.url)) {
  await main()
  process.exit(0)
}
