/**
 * BIP324 v2 transport micro-benchmark (issue 13), sans-I/O: no sockets, so
 * it measures the transport's own cost. Groups, each measured interleaved
 * (see `harness.ts`) and printed with ratios taken in the same run:
 *
 *   - handshake cost per connection: ElligatorSwift key generation, and the
 *     key agreement (ECDH on the remote's encoding + tagged hash + HKDF) on
 *     the native and noble paths; then a whole in-memory handshake (two
 *     sessions, both sides' work);
 *   - 1 MB payloads (`block`-sized) and small ones (an 8-byte `ping`):
 *     v2 `send` + `receive` (one side encrypts, the other decrypts) on the
 *     native and noble cipher suites, against the bare reference, a loop that
 *     seals and opens the same frames with native ChaCha20-Poly1305 straight
 *     from `node:crypto`, and against v1 framing (`Frame.encodeRaw` +
 *     `FrameDecoder`, checksum included).
 *
 * Run alone: `npm run bench:bip324`. Knobs as for the wire bench:
 * BENCH_SAMPLE_MS (default 150), BENCH_SAMPLES (5), BENCH_WARMUP_MS (100),
 * BENCH_CLOCK (thread, cpu, wall).
 */
import { createCipheriv, createDecipheriv } from "node:crypto"
import * as ChainParams from "../src/wire/ChainParams.js"
import * as Frame from "../src/wire/Frame.js"
import * as V2Transport from "../src/peer/V2Transport.js"
import { type ChaChaSuite, nativeSuite, nobleSuite } from "../src/internal/peer/v2/cipher.js"
import * as EllSwift from "../src/internal/peer/v2/ellswift.js"
import { deriveKeys, type Hkdf, nativeHkdf, nobleHkdf } from "../src/internal/peer/v2/hkdf.js"
import { type Case, measureGroup, optionsFromEnv, type Result } from "./harness.js"
import { isMain } from "./loopback.js"
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
  const i = V2Transport.make({ initiating: true, params, suite })
  const r = V2Transport.make({ initiating: false, params, suite })
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
    v2Case(`v2 send+receive, native (${label})`, nativeSuite!, command, payload, batch),
    v2Case(`v2 send+receive, noble (${label})`, nobleSuite, command, payload, batch),
    v1Case(`v1 frame+decode (${label})`, command, payload, batch)
  ]
  return measureGroup(cases, options)
}

/** Runs every group and prints the tables. */
export const run = (): void => {
  if (nativeSuite === undefined) throw new Error("this benchmark needs Node's native ChaCha20-Poly1305")
  progress("BIP324 handshake")
  const hs = handshakeGroup()
  table("BIP324 handshake cost per connection", ["case", "rate", "per op"], hs.map((r) => [r.name, fmtRate(r), fmtMicros(r)]))

  const block = new Uint8Array(1_000_000).fill(0x5a)
  const ping = new Uint8Array(8).fill(1)
  for (const [label, command, payload, batch] of [
    ["1 MB block", "block", block, 1],
    ["8-byte ping", "ping", ping, 100]
  ] as const) {
    progress(`BIP324 ${label}`)
    const [bare, native, noble, v1] = throughputGroup(label, command, payload, batch)
    table(`BIP324 throughput, ${label} (v2: one side encrypts, the other decrypts)`, [
      "case",
      "msgs/s",
      "MB/s",
      "vs bare",
      "vs v1"
    ], [bare!, native!, noble!, v1!].map((r) => [r.name, fmtRate(r), fmtMBps(r), pct(r.opsPerSec, bare!.opsPerSec), pct(r.opsPerSec, v1!.opsPerSec)]))
  }
  if (sink === -1) console.log("")
}

if (isMain(import.meta.url)) {
  run()
  process.exit(0)
}
