/**
 * BIP324 v2 transport benchmark (issue 13, "Speed"). Sections, each printed
 * with ratios taken in the same run:
 *
 *   - pairs (over loopback TCP, in this process; loops and interleaving from
 *     `pairLoops.ts`, shared with `bench/peer.ts`): a v1, a v2 (native) and
 *     a v2 (noble) pair of our peers send ~1 MB `Frame.prepare`d blocks one
 *     way, 4 in flight, the receiver decoding them, beside the bare
 *     reference of `bareCipher.ts` (node:net, native ChaCha20-Poly1305 per
 *     packet, the length under ChaCha20, nothing else) and the same with the
 *     block decoded; then sequential `peer.ping` round trips, v1 and v2. Rates
 *     per second of main-thread CPU time and of wall time; the issue's
 *     targets are checked on both;
 *   - handshake cost per connection: ElligatorSwift key generation, and the
 *     key agreement (ECDH on the remote's encoding + tagged hash + HKDF) on
 *     the native and noble paths; then a whole in-memory handshake (two
 *     sessions, both sides' work);
 *   - cipher path in memory (sans-I/O, no sockets), 1 MB, 100-byte and
 *     500-byte packets: v2 `send` + `receive` (one side encrypts, the other decrypts)
 *     on the default (plain JS up to `SMALL_PACKET` bytes, native above),
 *     native-only, plain-JS-only and noble suites, against a loop that seals and opens
 *     the same frames with native ChaCha20-Poly1305 straight from
 *     `node:crypto`, and against v1 framing (`Frame.encodeRaw` +
 *     `FrameDecoder`, checksum included); then one seal + open per suite
 *     by packet size, around the switch. Measured with `harness.ts`.
 *
 * Run alone: `npm run bench:bip324`. BENCH_BIP324_FILTER (regex on section
 * names: pairs, handshake, cipher); BENCH_PEER_ROUND_MS (500) and
 * BENCH_PEER_ROUNDS (5) for the pairs; BENCH_SAMPLE_MS (150), BENCH_SAMPLES
 * (5), BENCH_WARMUP_MS (100), BENCH_CLOCK (thread, cpu, wall) for the rest.
 */
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import { createCipheriv, createDecipheriv } from "node:crypto"
import * as Net from "node:net"
import * as ChainParams from "../src/wire/ChainParams.js"
import * as Frame from "../src/wire/Frame.js"
import * as Message from "../src/wire/Message.js"
import * as V2Transport from "../src/peer/V2Transport.js"
import * as NodeTransport from "../src/node/NodeTransport.js"
import type * as MessageTransport from "../src/peer/MessageTransport.js"
import type * as Peer from "../src/peer/Peer.js"
import { type ChaChaSuite, defaultSuite, jsSuite, nativeSuite, nobleSuite, SMALL_PACKET } from "../src/internal/peer/v2/cipher.js"
import * as EllSwift from "../src/internal/peer/v2/ellswift.js"
import { joined } from "../src/internal/peer/pieces.js"
import { deriveKeys, type Hkdf, nativeHkdf, nobleHkdf } from "../src/internal/peer/v2/hkdf.js"
import { Session } from "../src/internal/peer/v2/session.js"
import { type Case, measureGroup, optionsFromEnv, type Result } from "./harness.js"
import { shortIdOf } from "../src/internal/peer/v2/messageIds.js"
import { v2 as v2Transport } from "../src/internal/peer/v2/transport.js"
import { CipherReceiver, CipherSender } from "./bareCipher.js"
import { HOST, isMain, listenPeers, makeBlock, nodeConfig, peerPair, si } from "./loopback.js"
import { counter, creditLoop, fromPromise, interleavedRounds, pingSequential, type Rates, windowLoop } from "./pairLoops.js"
import { progress, table } from "./report.js"

const options = optionsFromEnv()

const params = ChainParams.mainnet
let sink = 0

const fmtRate = (r: Result): string => (r.opsPerSec >= 1000 ? `${(r.opsPerSec / 1000).toFixed(1)} k/s` : `${r.opsPerSec.toFixed(0)} /s`)
const fmtMicros = (r: Result): string => `${(1e6 / r.opsPerSec).toFixed(1)} µs`
const fmtMBps = (r: Result): string => `${(r.bytesPerSec / 1e6).toFixed(0)} MB/s`
const pct = (a: number, b: number): string => `${((100 * a) / b).toFixed(0)}%`

// ---------------------------------------------------------------------------
// Handshake

const handshakeGroup = (): Array<Result> => {
  const remote = EllSwift.generateKeyPair()
  const ours = EllSwift.generateKeyPair()
  const agree = (ecdh: EllSwift.Ecdh, hkdf: Hkdf) => () => {
    const secret = EllSwift.sharedSecret(ours.privateKey, remote.ellswift, ours.ellswift, true, ecdh)
    sink += deriveKeys(secret, params.magic, hkdf).sessionId[0]!
  }
  const cases: Array<Case> = [
    { name: "key generation (ellswift_create)", bytes: 0, run: () => void (sink += EllSwift.generateKeyPair().ellswift[0]!) },
    { name: "ellswift decode", bytes: 0, run: () => void (sink += EllSwift.decode(remote.ellswift)[0]!) },
    { name: "ECDH + HKDF, noble", bytes: 0, run: agree(EllSwift.nobleEcdh, nobleHkdf) },
    ...(EllSwift.nativeEcdh && nativeHkdf ? [{ name: "ECDH + HKDF, native", bytes: 0, run: agree(EllSwift.nativeEcdh, nativeHkdf) }] : []),
    {
      name: "whole handshake in memory (both sides)",
      bytes: 0,
      run: () => {
        const i = V2Transport.make({ initiating: true, params, garbage: new Uint8Array(0) })
        const r = V2Transport.make({ initiating: false, params, garbage: new Uint8Array(0) })
        const a = r.receive(i.initialBytes)
        const b = i.receive(a.bytesToWrite)
        r.receive(b.bytesToWrite)
        if (!i.ready || !r.ready) throw new Error("handshake did not complete")
      }
    }
  ]
  return measureGroup(cases, options)
}

// ---------------------------------------------------------------------------
// Throughput

/** A pair past the handshake on `suite`. */
const makeReadyPair = (suite: ChaChaSuite) => {
  // The crypto suite is not an option of the public `V2Transport.make`: the session is built directly.
  const session = (initiating: boolean) =>
    new Session({ initiating, magic: params.magic, maxMessageSize: params.maxMessageSize, suite })
  const i = session(true)
  const r = session(false)
  const a = r.receive(i.initialBytes)
  const b = i.receive(a.bytesToWrite)
  r.receive(b.bytesToWrite)
  if (!i.ready || !r.ready) throw new Error("bench pair not ready")
  return { i, r }
}

/** `send` on one side, `receive` on the other: one message through the v2 transport. */
const v2Case = (name: string, suite: ChaChaSuite, command: string, payload: Uint8Array, batch: number): Case => {
  const pair = makeReadyPair(suite)
  return {
    name,
    ops: batch,
    bytes: batch * payload.length,
    run: () => {
      for (let k = 0; k < batch; k++) {
        const got = pair.r.receive(pair.i.send(command, payload))
        if (got.messages.length !== 1) throw new Error(`${name}: ${got.error?.message ?? "no message"}`)
      }
    }
  }
}

/** The reference: seal and open the same frame sizes with native ChaCha20-Poly1305, nothing else. */
const bareCase = (name: string, payload: Uint8Array, batch: number): Case => {
  const key = new Uint8Array(32).fill(7)
  const nonce = new Uint8Array(12)
  const options = { authTagLength: 16 } as const
  // The same plaintext v2 encrypts: header byte, short id, payload.
  const plaintext = new Uint8Array(2 + payload.length)
  plaintext.set(payload, 2)
  return {
    name,
    ops: batch,
    bytes: batch * payload.length,
    run: () => {
      for (let k = 0; k < batch; k++) {
        nonce[0] = k
        const c = createCipheriv("chacha20-poly1305", key, nonce, options)
        const sealed = c.update(plaintext)
        c.final()
        const tag = c.getAuthTag()
        const d = createDecipheriv("chacha20-poly1305", key, nonce, options)
        d.setAuthTag(tag)
        sink += d.update(sealed)[0]!
        d.final()
      }
    }
  }
}

/**
 * v1 framing of the same payload: frame with checksum, then decode the frame.
 * The command is one we do not know, so the payload stays raw (no message
 * decode), as v2's `receive` leaves it.
 */
const v1Case = (name: string, command: string, payload: Uint8Array, batch: number): Case => {
  const decoder = new Frame.FrameDecoder({ params })
  const out: Array<Frame.Received> = []
  return {
    name,
    ops: batch,
    bytes: batch * payload.length,
    run: () => {
      for (let k = 0; k < batch; k++) {
        const error = decoder.push(Frame.encodeRaw(params.magic, `x${command}`, payload), out)
        if (error !== undefined || out.length !== 1) throw new Error(`${name}: ${error?.message ?? "no message"}`)
        out.length = 0
      }
    }
  }
}

const throughputGroup = (label: string, command: string, payload: Uint8Array, batch: number): Array<Result> => {
  const cases: Array<Case> = [
    bareCase(`bare native ChaCha20-Poly1305 seal+open (${label})`, payload, batch),
    v2Case(`v2 send+receive, default: JS ≤ ${SMALL_PACKET} B, native above (${label})`, defaultSuite, command, payload, batch),
    v2Case(`v2 send+receive, native only (${label})`, nativeSuite!, command, payload, batch),
    v2Case(`v2 send+receive, plain JS only (${label})`, jsSuite, command, payload, batch),
    v2Case(`v2 send+receive, noble (${label})`, nobleSuite, command, payload, batch),
    v1Case(`v1 frame+decode (${label})`, command, payload, batch)
  ]
  return measureGroup(cases, options)
}

/** Packet plaintext sizes for the JS / native crossover table (the switch sits at `SMALL_PACKET`). */
const CROSSOVER_SIZES = [16, 64, 256, 384, 512, SMALL_PACKET, 768, 1024, 4096]

/** One seal and one open of a `size`-byte plaintext on each suite, the key and nonce fixed (no session). */
const crossoverGroup = (size: number): Array<Result> => {
  const key = new Uint8Array(32).fill(7)
  const nonce = new Uint8Array(12)
  const plaintext = new Uint8Array(size).fill(3)
  const empty = new Uint8Array(0)
  const sealOpen = (suite: ChaChaSuite): Case => ({
    name: suite.name,
    bytes: size,
    run: () => {
      // Up to 4 KiB: one array from every suite (`joined` returns it as it is).
      const sealed = joined(suite.seal(key, nonce, empty, empty, plaintext, 0))
      sink += suite.open(key, nonce, empty, sealed)![0]!
    }
  })
  return measureGroup([sealOpen(nativeSuite!), sealOpen(jsSuite), sealOpen(nobleSuite)], options)
}

// ---------------------------------------------------------------------------
// Peer pairs over loopback TCP

/** Blocks in flight in the one-way rows, as in `bench/peer.ts`. */
const BLOCK_WINDOW = 4

/** A connected `node:net` pair on 127.0.0.1, closed with the scope. */
const netPair = Effect.acquireRelease(
  Effect.promise(() =>
    new Promise<{ server: Net.Server; client: Net.Socket; accepted: Net.Socket }>((resolve, reject) => {
      const server = Net.createServer()
      server.once("connection", (accepted) => resolve({ server, client, accepted }))
      server.once("error", reject)
      let client: Net.Socket
      server.listen(0, HOST, () => {
        client = Net.createConnection({ host: HOST, port: (server.address() as Net.AddressInfo).port })
        client.on("error", reject)
      })
    })
  ),
  ({ accepted, client, server }) =>
    Effect.promise(() => {
      client.destroy()
      accepted.destroy()
      return new Promise<void>((resolve) => server.close(() => resolve()))
    })
)

/** A pair of our peers on `messages` (v1, v2 native, v2 noble) over `NodeTransport`: [outbound, inbound]. */
const ourPair = (messages: MessageTransport.Factory | undefined) =>
  Effect.gen(function*() {
    const transport = NodeTransport.make()
    const listener = yield* listenPeers(transport, nodeConfig(), true, messages)
    const pair = yield* peerPair(transport, listener, nodeConfig(), messages)
    const want = messages === undefined ? "v1" : "v2"
    for (const p of pair) {
      const { transport } = yield* p.stats
      if (transport !== want) throw new Error(`bench pair speaks ${transport}, not ${want}`)
    }
    return pair
  })

/** One comparison row of the pair section. */
export interface PairRow {
  readonly name: string
  /** Messages (or round trips) per second of main-thread CPU time and of wall time. */
  readonly rate: Rates
  /** Bytes per message, for MB/s (0: not a byte figure). */
  readonly bytes: number
}

export interface PairResults {
  readonly blockBytes: number
  readonly block: { readonly bare: PairRow; readonly bareDecoding: PairRow; readonly v1: PairRow; readonly v2: PairRow; readonly v2Noble: PairRow }
  readonly ping: { readonly v1: PairRow; readonly v2: PairRow }
}

/**
 * v1 and v2 pairs of our peers side by side, with the bare cipher loop, all
 * in one process; the cases of each comparison run round by round
 * (`interleavedRounds`).
 */
const pairSection = Effect.gen(function*() {
  progress("BIP324 peer pairs: 1 MB blocks one way")
  const block = makeBlock()
  const prepared = Frame.prepare(block)
  const payload = Frame.encode(params.magic, block).subarray(Frame.HEADER_SIZE)
  const bytes = payload.length

  const [v1Out, v1In] = yield* ourPair(undefined)
  const [v2Out, v2In] = yield* ourPair(V2Transport.messageTransport())
  const [nobleOut, nobleIn] = yield* ourPair(v2Transport({ suite: nobleSuite }))
  const blocksAt = (peer: Peer.Peer) => Effect.flatMap(peer.subscribe("Block"), counter)
  const v1Blocks = yield* blocksAt(v1In)
  const v2Blocks = yield* blocksAt(v2In)
  const nobleBlocks = yield* blocksAt(nobleIn)

  const bareLoop = (decode: boolean) =>
    Effect.map(netPair, (net) => {
      const sender = new CipherSender(net.client, shortIdOf("block")!)
      const receiver = new CipherReceiver(
        net.accepted,
        decode ? (plaintext) => void Message.decodePayloadEither("block", plaintext.subarray(2)).pipe(Either.getOrThrow) : undefined
      )
      return { receiver, loop: fromPromise(windowLoop(() => sender.send(payload), (arrived) => (receiver.onPacket = arrived), BLOCK_WINDOW)) }
    })
  const bare = yield* bareLoop(false)
  const bareDecoding = yield* bareLoop(true)

  // Like for like with bench/peer.ts's target row: a block encoded once (`Frame.prepare`), as a relay sends one block to many peers.
  const [bareRate, bareDecodingRate, v1Rate, v2Rate, nobleRate] = yield* interleavedRounds([
    bare.loop,
    bareDecoding.loop,
    creditLoop(v1Blocks, BLOCK_WINDOW, v1Out.send(prepared)),
    creditLoop(v2Blocks, BLOCK_WINDOW, v2Out.send(prepared)),
    creditLoop(nobleBlocks, BLOCK_WINDOW, nobleOut.send(prepared))
  ])
  for (const b of [bare, bareDecoding]) if (b.receiver.failed !== undefined) throw b.receiver.failed
  for (const [peer, want] of [[v1In, "v1"], [v2In, "v2"], [nobleIn, "v2"]] as const) {
    const stats = yield* peer.stats
    const got = stats.received["block"]?.messages ?? 0
    if (stats.transport !== want || got === 0) throw new Error(`the ${want} receiver counted ${got} blocks`)
  }

  progress("BIP324 peer pairs: sequential ping")
  const [v1Ping, v2Ping] = yield* interleavedRounds([pingSequential(v1Out), pingSequential(v2Out)])

  return {
    blockBytes: bytes,
    block: {
      bare: { name: "bare: node:net + native ChaCha20-Poly1305 (no decode)", rate: bareRate!, bytes },
      bareDecoding: { name: "bare, receiver decodes (info)", rate: bareDecodingRate!, bytes },
      v1: { name: "v1 peers (receiver decodes)", rate: v1Rate!, bytes },
      v2: { name: "v2 peers, native cipher (receiver decodes)", rate: v2Rate!, bytes },
      v2Noble: { name: "v2 peers, noble cipher (info)", rate: nobleRate!, bytes }
    },
    ping: {
      v1: { name: "v1 peers", rate: v1Ping!, bytes: 0 },
      v2: { name: "v2 peers, native cipher", rate: v2Ping!, bytes: 0 }
    }
  } satisfies PairResults
}).pipe(Effect.scoped)

const target = (ratio: number, wanted: number): string => `${ratio >= wanted ? "met" : "NOT MET"}`

const reportPairs = (r: PairResults): void => {
  const { bare, bareDecoding, v1, v2, v2Noble } = r.block
  console.log("\nRates per second of main-thread CPU time (both peers of a pair run on it: what wall time would give on an idle machine), then of wall time.")
  table(
    `BIP324 over loopback TCP: one-way ${(r.blockBytes / 1e6).toFixed(2)} MB blocks (Frame.prepare'd), ${BLOCK_WINDOW} in flight`,
    ["case", "blk/s", "MB/s", "vs v1", "vs bare", "wall blk/s", "wall vs v1", "wall vs bare"],
    [bare, bareDecoding, v1, v2, v2Noble].map((x) => [
      x.name,
      si(x.rate.cpu),
      si((x.rate.cpu * x.bytes) / 1e6),
      pct(x.rate.cpu, v1.rate.cpu),
      pct(x.rate.cpu, bare.rate.cpu),
      si(x.rate.wall),
      pct(x.rate.wall, v1.rate.wall),
      pct(x.rate.wall, bare.rate.wall)
    ])
  )
  const ping = r.ping
  table(
    "BIP324 over loopback TCP: sequential ping (peer.ping) round trips per second",
    ["case", "rt/s", "vs v1", "wall rt/s", "wall vs v1"],
    [ping.v1, ping.v2].map((x) => [x.name, si(x.rate.cpu), pct(x.rate.cpu, ping.v1.rate.cpu), si(x.rate.wall), pct(x.rate.wall, ping.v1.rate.wall)])
  )
  // `ceiling`: the best ratio reachable at all (v2 / bare cannot beat (bare + block decode) / bare), said with a miss.
  const row = (name: string, a: Rates, b: Rates, wanted: number, ceiling?: Rates) => {
    const verdict = (by: "cpu" | "wall") => {
      const v = target(a[by] / b[by], wanted)
      return ceiling === undefined || a[by] / b[by] >= wanted ? v : `${v} (ceiling ${pct(ceiling[by], b[by])})`
    }
    return [name, `≥ ${pct(wanted, 1)}`, pct(a.cpu, b.cpu), verdict("cpu"), pct(a.wall, b.wall), verdict("wall")]
  }
  table("BIP324 speed targets (issue 13), ratios from this run", ["ratio", "target", "by CPU", "verdict", "by wall", "verdict"], [
    row("v2 / v1, 1 MB blocks one way", v2.rate, v1.rate, 0.7),
    row("v2 / bare cipher loop, 1 MB blocks one way", v2.rate, bare.rate, 0.5, bareDecoding.rate),
    row("v2 / v1, sequential ping", ping.v2.rate, ping.v1.rate, 0.8)
  ])
  console.log(
    [
      "The bare cipher loop: two node:net sockets on 127.0.0.1, no peer and no session; per packet the sender takes one",
      "new native chacha20-poly1305 context, encrypts the 3-byte length on a long-lived native chacha20 stream and writes",
      "length, ciphertext as OpenSSL returns it and tag corked (no joining); the receiver decrypts each read as it arrives",
      "and checks the tag; nothing decodes the block. v2 peers decode every block (as v1 peers do): with the block decoder",
      `of this run, a v2 transport that cost nothing beyond the bare loop would reach (bare, receiver decodes) / bare = ${
        pct(bareDecoding.rate.cpu, bare.rate.cpu)
      } by CPU, ${pct(bareDecoding.rate.wall, bare.rate.wall)} by wall; v2 / (bare, receiver decodes) = ${pct(v2.rate.cpu, bareDecoding.rate.cpu)} by CPU.`
    ].join("\n")
  )
}

/** Runs every section (or those BENCH_BIP324_FILTER matches: handshake, cipher, pairs) and prints the tables. */
export const run = async (): Promise<void> => {
  if (nativeSuite === undefined) throw new Error("this benchmark needs Node's native ChaCha20-Poly1305")
  const filter = process.env["BENCH_BIP324_FILTER"] ? new RegExp(process.env["BENCH_BIP324_FILTER"]) : undefined
  const on = (name: string) => filter === undefined || filter.test(name)

  if (on("pairs")) reportPairs(await Effect.runPromise(pairSection))

  if (on("handshake")) {
    progress("BIP324 handshake")
    const hs = handshakeGroup()
    table("BIP324 handshake cost per connection", ["case", "rate", "per op"], hs.map((r) => [r.name, fmtRate(r), fmtMicros(r)]))
  }

  if (on("cipher")) {
    const block = new Uint8Array(1_000_000).fill(0x5a)
    const small = new Uint8Array(100).fill(1)
    // A transaction of a common size, between the old switch (384 bytes) and the new one (`SMALL_PACKET`).
    const mid = new Uint8Array(500).fill(2)
    for (const [label, command, payload, batch] of [
      ["1 MB packets", "block", block, 1],
      ["100-byte packets", "tx", small, 100],
      ["500-byte packets", "tx", mid, 100]
    ] as const) {
      progress(`BIP324 cipher path, ${label}`)
      const rows = throughputGroup(label, command, payload, batch)
      const bare = rows[0]!
      const v1 = rows[rows.length - 1]!
      table(`BIP324 cipher path in memory, ${label} (v2: one side encrypts, the other decrypts)`, [
        "case",
        "msgs/s",
        "MB/s",
        "vs bare",
        "vs v1"
      ], rows.map((r) => [r.name, fmtRate(r), fmtMBps(r), pct(r.opsPerSec, bare.opsPerSec), pct(r.opsPerSec, v1.opsPerSec)]))
    }
    progress("BIP324 cipher crossover: native vs plain JS vs noble by packet size")
    const crossover = CROSSOVER_SIZES.map((size) => [size, crossoverGroup(size)] as const)
    table(
      `ChaCha20-Poly1305 seal + open of one packet, µs of CPU (the default takes JS up to ${SMALL_PACKET} bytes of plaintext, native above)`,
      ["plaintext bytes", "native (node:crypto)", "plain JS", "noble", "JS rate / native rate", "path taken"],
      crossover.map(([size, [native, js, noble]]) => [
        String(size),
        fmtMicros(native!),
        fmtMicros(js!),
        fmtMicros(noble!),
        `${(js!.opsPerSec / native!.opsPerSec).toFixed(2)}x`,
        size <= SMALL_PACKET ? "JS" : "native"
      ])
    )
  }
  if (sink === -1) console.log("")
}

if (isMain(import.meta.url)) {
  await run()
  process.exit(0)
}
