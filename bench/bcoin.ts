/**
 * The reference implementation: bcoin 1.0.2 (CommonJS, untyped). Only the
 * few entry points the benchmark calls are typed here.
 *
 * bcoin hashes through `bcrypto`, which picks a backend at load time: its
 * native addon if built, else Node's OpenSSL binding (`node:crypto`), or
 * pure JS when `NODE_BACKEND=js`. bcoin with the native addon is bcoin at
 * its fastest, the reference we measure against: it is loaded from the
 * install `bench/setup-bcoin-native.sh` makes (`BCOIN_NATIVE_DIR`, default
 * /tmp/perfanchors) when its addon loads. Otherwise the dev dependency is
 * used (node:crypto hashing, which flatters us) and the report says so.
 */
import * as fs from "node:fs"
import { createRequire } from "node:module"
import * as path from "node:path"

/** Where `bench/setup-bcoin-native.sh` installs bcoin with the native addon. */
export const nativeDir = process.env["BCOIN_NATIVE_DIR"] ?? "/tmp/perfanchors"

/** A require rooted at the native install when its addon loads, else at this project. */
const pickRequire = (): { readonly require: NodeJS.Require; readonly native: boolean; readonly why?: string } => {
  const manifest = path.join(nativeDir, "package.json")
  if (!fs.existsSync(manifest)) {
    return { require: createRequire(import.meta.url), native: false, why: `no install in ${nativeDir} (run bash bench/setup-bcoin-native.sh)` }
  }
  const nativeRequire = createRequire(manifest)
  try {
    nativeRequire("bcrypto/lib/native/hash256")
    return { require: nativeRequire, native: true }
  } catch (e) {
    return { require: createRequire(import.meta.url), native: false, why: `the native addon in ${nativeDir} did not load: ${String(e).split("\n")[0]}` }
  }
}

const picked = pickRequire()
const require = picked.require

/** The require bcoin is loaded with (the native install when its addon loads), for other bcoin modules. */
export const bcoinRequire: NodeJS.Require = require

/** Whether the reference is bcoin with its native hashing addon, and if not, why. */
export const nativeStatus: { readonly native: boolean; readonly why?: string | undefined } = { native: picked.native, why: picked.why }

/** A parsed bcoin object that can serialize itself. */
export interface BcoinSerializable {
  toRaw(): Buffer
  /** Drops cached serializations and hashes (`all`: also of the block's transactions). */
  refresh(all?: boolean): void
  mutable?: boolean
}

export interface BcoinPacket extends BcoinSerializable {
  readonly cmd: string
  /** Present on `tx` packets. */
  readonly tx?: BcoinSerializable
  /** On `tx` packets: serialize with witness data (bcoin's parser leaves it off). */
  witness?: boolean
}

export interface BcoinBlock extends BcoinSerializable {
  readonly txs: ReadonlyArray<BcoinSerializable>
}

export interface BcoinParser {
  on(event: "packet", f: (p: BcoinPacket) => void): void
  on(event: "error", f: (e: Error) => void): void
  feed(data: Buffer): void
}

export interface Bcoin {
  /** `bcoin.net.packets.fromRaw`: payload to packet object (no header, no checksum). */
  readonly fromRaw: (cmd: string, payload: Buffer) => BcoinPacket
  /** `bcoin.Block.fromRaw`: full block parse (every transaction). */
  readonly blockFromRaw: (payload: Buffer) => BcoinBlock
  /** `new bcoin.net.Parser("main")`: frames to packets, checksum included. */
  readonly parser: () => BcoinParser
  /** `new bcoin.net.Framer("main").packet`: header + checksum in front of a payload. */
  readonly frame: (cmd: string, payload: Buffer) => Buffer
  /** bcrypto's double SHA-256, as bcoin uses it for checksums. */
  readonly hash256: (data: Buffer) => Buffer
  /** Which bcrypto backend is in use. */
  readonly backend: string
}

const detectBackend = (): string => {
  try {
    require("bcrypto/lib/native/hash256")
    return "bcrypto native addon"
  } catch {
    return process.env["NODE_BACKEND"] === "js" ? "bcrypto pure JS (NODE_BACKEND=js)" : "bcrypto node backend (node:crypto)"
  }
}

/** Loads bcoin, or explains why it could not be loaded. */
export const load = (): Bcoin | { readonly error: string } => {
  try {
    const bcoin = require("bcoin")
    const packets = bcoin.net.packets
    const framer = new bcoin.net.Framer("main")
    const hash256 = require("bcrypto/lib/hash256")
    return {
      fromRaw: (cmd, payload) => packets.fromRaw(cmd, payload),
      blockFromRaw: (payload) => bcoin.Block.fromRaw(payload),
      parser: () => new bcoin.net.Parser("main"),
      frame: (cmd, payload) => framer.packet(cmd, payload),
      hash256: (data) => hash256.digest(data),
      backend: detectBackend() + (picked.native ? ` (from ${nativeDir})` : ` (bcoin-native unavailable: ${picked.why})`)
    }
  } catch (e) {
    return { error: String(e) }
  }
}
