#!/usr/bin/env node
/**
 * The consumer test: what a user gets from `npm install effect-bitcoin-p2p`.
 *
 * Packs the package (`prepack` builds dist/), installs the tarball with its peer dependencies into
 * a fresh temporary project, and checks there, against the packed files only:
 *
 *   (a) a plain `node` ESM script frames and decodes a message (exact bytes) and runs a Peer pair
 *       over `MemorySocket` with `Effect.runPromise`;
 *   (b) the same through `require` (Node >= 20.19 loads our ESM with require(esm));
 *   (c) `tsc --noEmit`, strict, `skipLibCheck: false`, with `NodeNext` and with `bundler`
 *       resolution, plus a browser tsconfig (DOM lib, no Node types) over the platform-agnostic
 *       entry points;
 *   (d) an esbuild browser bundle of `./wire` + `./peer`, run in a `vm` context that has no
 *       `process`, `Buffer` or `require`;
 *   (e) every TypeScript code block of README.md, compiled against the packed package (compiled,
 *       not run: some need a live network); a block fenced "```ts fragment" is an excerpt, skipped.
 *
 * Installs prefer the local npm cache (`--prefer-offline`); the registry is used for what is
 * missing. Exits non-zero at the first failure; the temporary project is removed either way
 * (`KEEP=1` keeps it for a look).
 *
 *   node scripts/consumer-test.mjs        (npm run test:package)
 */
import { execFileSync } from "node:child_process"
import { createHash } from "node:crypto"
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs"
import { createRequire } from "node:module"
import { tmpdir } from "node:os"
import { dirname, join, resolve } from "node:path"
import { fileURLToPath } from "node:url"
import { gzipSync } from "node:zlib"
import vm from "node:vm"

const root = resolve(dirname(fileURLToPath(import.meta.url)), "..")
const repoRequire = createRequire(join(root, "package.json"))
const pkg = JSON.parse(readFileSync(join(root, "package.json"), "utf8"))
const installed = (name) => JSON.parse(readFileSync(repoRequire.resolve(`${name}/package.json`), "utf8")).version
const tsc = join(dirname(repoRequire.resolve("typescript/package.json")), "bin", "tsc")

/** Published entry points whose sources exist (`./testing` is added by another branch). */
const entryPoints = Object.keys(pkg.exports)
  .filter((k) => k !== "./package.json")
  .filter((k) => existsSync(join(root, "src", k === "." ? "" : k.slice(2), "index.ts")))
// Issue 11's target: about 300 kB. The package ships JavaScript without comments and declarations
// with their JSDoc, no source maps and no sources (~210 kB); the bound catches tests, benches, maps
// or sources shipped by accident.
const MAX_TARBALL_BYTES = 300 * 1024

const results = []
const step = (name, run) => {
  const started = Date.now()
  try {
    const detail = run()
    results.push({ name, ok: true, detail, seconds: (Date.now() - started) / 1000 })
    console.log(`ok    ${name}${typeof detail === "string" ? `: ${detail}` : ""} (${((Date.now() - started) / 1000).toFixed(1)} s)`)
  } catch (error) {
    console.log(`FAIL  ${name}`)
    // Bounded: a failure inside the minified bundle would otherwise print all of it.
    const text = [error?.stdout, error?.stderr, error?.stack ?? error].filter(Boolean).map(String).join("\n")
    console.error(text.length > 8000 ? `${text.slice(0, 4000)}\n…\n${text.slice(-4000)}` : text)
    throw error
  }
}
const sh = (cmd, args, cwd) => execFileSync(cmd, args, { cwd, stdio: "pipe", encoding: "utf8", maxBuffer: 64 << 20 })

// What every runtime checks: a frame byte for byte, its decoding, and a peer pair's handshake, ping
// and disconnect. `modules` comes from however the runtime loaded the package.
const SCENARIO = `async (modules, expectedFrameHex) => {
  const { Effect, Either, Frame, Message, ChainParams, MemorySocket, Peer, PeerConfig } = modules
  const params = ChainParams.regtest
  const frame = Frame.encode(params.magic, Message.Ping.make({ nonce: 0x0102030405060708n }))
  const hex = Array.from(frame, (b) => b.toString(16).padStart(2, "0")).join("")
  if (hex !== expectedFrameHex) throw new Error("ping frame " + hex + ", expected " + expectedFrameHex)
  const decoded = Frame.decodeOne(frame, { params })
  if (!Either.isRight(decoded) || decoded.right.message._tag !== "Ping" || decoded.right.message.nonce !== 0x0102030405060708n) {
    throw new Error("decodeOne did not give back the ping: " + String(decoded))
  }
  return await Effect.runPromise(Effect.scoped(Effect.gen(function*() {
    const [a, b] = yield* MemorySocket.makePair()
    const config = (name) => ({ params, userAgentName: name, nonceRegistry: PeerConfig.makeNonceRegistry() })
    const [outbound, inbound] = yield* Effect.all([
      Peer.make(a, { direction: "outbound", config: config("consumer-out") }),
      Peer.make(b, { direction: "inbound", config: config("consumer-in") })
    ], { concurrency: 2 })
    yield* outbound.ping
    yield* outbound.disconnect("done")
    const reason = yield* inbound.awaitDisconnect
    return { theirAgent: outbound.info.userAgent, version: outbound.info.negotiatedVersion, inboundSaw: reason._tag }
  })))
}`
const checkScenario = (label, out) => {
  const result = JSON.parse(out.trim().split("\n").at(-1))
  if (result.theirAgent !== "/consumer-in:0.1.0/" || result.version !== 70016 || result.inboundSaw !== "RemoteClosed") {
    throw new Error(`${label}: unexpected result ${JSON.stringify(result)}`)
  }
  return `handshake v${result.version}, ping, inbound saw ${result.inboundSaw}`
}

// The ping frame, assembled independently of the library: magic, command, length, checksum, nonce.
const regtestMagic = "fabfb5da"
const pingPayload = Buffer.from("0807060504030201", "hex")
const checksum = createHash("sha256").update(createHash("sha256").update(pingPayload).digest()).digest().subarray(0, 4)
const expectedFrameHex = regtestMagic + Buffer.from("ping\0\0\0\0\0\0\0\0").toString("hex") + "08000000" +
  checksum.toString("hex") + pingPayload.toString("hex")

const work = mkdtempSync(join(tmpdir(), "effect-bitcoin-p2p-consumer-"))
let tarball
try {
  step("npm pack", () => {
    const [packed] = JSON.parse(sh("npm", ["pack", "--json", "--pack-destination", work], root).replace(/^[^[]*/, ""))
    tarball = join(work, packed.filename)
    const shipped = packed.files.map((f) => f.path)
    const stray = shipped.filter((p) => /^(test|bench|scratchpad|scripts)\/|\.test\.|dist\/bench|tsbuildinfo/.test(p))
    if (stray.length > 0) throw new Error(`tarball ships ${stray.slice(0, 5).join(", ")}`)
    for (const required of ["LICENSE", "README.md", "CHANGELOG.md", "package.json", "dist/index.js", "dist/index.d.ts"]) {
      if (!shipped.includes(required)) throw new Error(`tarball lacks ${required}`)
    }
    if (packed.size > MAX_TARBALL_BYTES) throw new Error(`tarball is ${packed.size} bytes (limit ${MAX_TARBALL_BYTES})`)
    return `${packed.filename}, ${(packed.size / 1024).toFixed(1)} kB packed, ${(packed.unpackedSize / 1024).toFixed(0)} kB unpacked, ${packed.entryCount} files`
  })

  writeFileSync(join(work, "package.json"), JSON.stringify({ name: "consumer", private: true, type: "module" }, null, 2))
  step("npm install tarball + peers", () => {
    // @effect/vitest and vitest: what a user of `./testing` writes tests with (README "Testing your app").
    const peers = ["effect", "@effect/platform", "@effect/platform-node", "@types/node", "@effect/vitest", "vitest"].map((p) => `${p}@${installed(p)}`)
    sh("npm", ["install", "--prefer-offline", "--no-audit", "--no-fund", "--ignore-scripts", tarball, ...peers], work)
    return peers.join(" ")
  })

  // (a) ESM
  writeFileSync(join(work, "esm.mjs"), `import { Effect, Either } from "effect"
import { ChainParams, Frame, Message, MemorySocket, Peer, PeerConfig } from "effect-bitcoin-p2p"
import * as Wire from "effect-bitcoin-p2p/wire"
import * as PeerEntry from "effect-bitcoin-p2p/peer"
import * as NetworkEntry from "effect-bitcoin-p2p/network"
import * as NodeEntry from "effect-bitcoin-p2p/node"
if (Wire.Frame !== Frame || PeerEntry.Peer !== Peer || !NetworkEntry.Network || !NodeEntry.NodeNetwork) throw new Error("entry points disagree")
const scenario = ${SCENARIO}
console.log(JSON.stringify(await scenario({ Effect, Either, Frame, Message, ChainParams, MemorySocket, Peer, PeerConfig }, ${JSON.stringify(expectedFrameHex)})))
`)
  step("(a) node ESM: frame + decode + Peer pair", () => checkScenario("esm", sh(process.execPath, ["esm.mjs"], work)))

  // (b) CommonJS through require(esm)
  writeFileSync(join(work, "cjs.cjs"), `const { Effect, Either } = require("effect")
const { ChainParams, Frame, Message } = require("effect-bitcoin-p2p/wire")
const { MemorySocket, Peer, PeerConfig } = require("effect-bitcoin-p2p/peer")
const root = require("effect-bitcoin-p2p")
if (root.Frame !== Frame || !require("effect-bitcoin-p2p/node").NodeNetwork) throw new Error("entry points disagree")
const scenario = ${SCENARIO}
scenario({ Effect, Either, Frame, Message, ChainParams, MemorySocket, Peer, PeerConfig }, ${JSON.stringify(expectedFrameHex)})
  .then((r) => console.log(JSON.stringify(r)), (e) => { console.error(e); process.exitCode = 1 })
`)
  step("(b) node require(esm): frame + decode + Peer pair", () =>
    checkScenario("cjs", sh(process.execPath, ["--no-warnings", "cjs.cjs"], work)))

  // (c) TypeScript consumers, strict, checking our declarations (skipLibCheck: false).
  const importAll = entryPoints.map((k, i) => `import * as Entry${i} from "effect-bitcoin-p2p${k === "." ? "" : k.slice(1)}"`).join("\n")
  writeFileSync(join(work, "consumer.ts"), `${importAll}
import { Effect } from "effect"
import { ChainParams, Frame, Message, MemorySocket, Peer } from "effect-bitcoin-p2p"
import { NodeNetwork } from "effect-bitcoin-p2p/node"
export const entries = [${entryPoints.map((_, i) => `Entry${i}`).join(", ")}]
export const frame: Uint8Array = Frame.encode(ChainParams.regtest.magic, Message.Ping.make({ nonce: 1n }))
export const pair: Effect.Effect<Peer.Peer, unknown, import("effect/Scope").Scope> = Effect.flatMap(MemorySocket.makePair(), ([a]) =>
  Peer.make(a, { direction: "outbound", config: { params: ChainParams.regtest } }))
export const node = NodeNetwork.layer({ peer: { params: ChainParams.regtest }, targetOutbound: 1 })
`)
  const platformAgnostic = entryPoints.filter((k) => k !== "./node")
  writeFileSync(join(work, "browser.ts"), `${platformAgnostic.map((k, i) => `import * as Entry${i} from "effect-bitcoin-p2p${k === "." ? "" : k.slice(1)}"`).join("\n")}
export const entries = [${platformAgnostic.map((_, i) => `Entry${i}`).join(", ")}]
`)
  const strict = { strict: true, skipLibCheck: false, noEmit: true, target: "ES2022", exactOptionalPropertyTypes: true }
  const tsconfigs = {
    "tsconfig.nodenext.json": { compilerOptions: { ...strict, module: "NodeNext", moduleResolution: "NodeNext", types: ["node"] }, files: ["consumer.ts"] },
    "tsconfig.bundler.json": { compilerOptions: { ...strict, module: "ESNext", moduleResolution: "bundler", types: ["node"] }, files: ["consumer.ts"] },
    "tsconfig.browser.json": { compilerOptions: { ...strict, module: "ESNext", moduleResolution: "bundler", lib: ["ES2022", "DOM"], types: [] }, files: ["browser.ts"] }
  }
  for (const [file, config] of Object.entries(tsconfigs)) {
    writeFileSync(join(work, file), JSON.stringify(config, null, 2))
    step(`(c) tsc ${file}`, () => {
      sh(process.execPath, [tsc, "-p", file], work)
      return `strict, skipLibCheck false, ${config.files.join(" ")}`
    })
  }

  // (d) browser bundle of ./wire + ./peer, run where there is no process, Buffer or require.
  const { buildSync } = repoRequire("esbuild")
  writeFileSync(join(work, "browser-entry.mjs"), `import { Effect, Either } from "effect"
import { ChainParams, Frame, Message } from "effect-bitcoin-p2p/wire"
import { MemorySocket, Peer, PeerConfig } from "effect-bitcoin-p2p/peer"
const scenario = ${SCENARIO}
globalThis.run = (expected) => scenario({ Effect, Either, Frame, Message, ChainParams, MemorySocket, Peer, PeerConfig }, expected)
`)
  step("(d) esbuild browser bundle in a vm without process/Buffer/require", () => {
    const built = buildSync({
      absWorkingDir: work,
      entryPoints: ["browser-entry.mjs"],
      bundle: true,
      platform: "browser",
      format: "iife",
      minify: true,
      write: false,
      logLevel: "silent"
    })
    const code = built.outputFiles[0].text
    const context = vm.createContext({
      console,
      setTimeout,
      clearTimeout,
      setInterval,
      clearInterval,
      queueMicrotask,
      TextEncoder,
      TextDecoder,
      // What every browser has (Effect hashes URLs, for one); nothing Node-only.
      URL,
      URLSearchParams,
      AbortController,
      AbortSignal,
      EventTarget,
      Event,
      atob,
      btoa,
      structuredClone,
      crypto: globalThis.crypto,
      performance: globalThis.performance
    })
    const missing = vm.runInContext(`[typeof process, typeof Buffer, typeof require].join()`, context)
    if (missing !== "undefined,undefined,undefined") throw new Error(`vm context has ${missing}`)
    vm.runInContext(code, context)
    // `run` is awaited from outside the vm; it returns a promise of the vm's realm.
    return { code, promise: context.run(expectedFrameHex) }
  })
  const bundleStep = results.at(-1)
  const outcome = await bundleStep.detail.promise
  const sizes = `${(bundleStep.detail.code.length / 1024).toFixed(0)} kB minified, ${(gzipSync(bundleStep.detail.code).length / 1024).toFixed(0)} kB gzipped`
  bundleStep.detail = `${checkScenario("browser", JSON.stringify(outcome))}; ${sizes}`
  console.log(`      bundle: ${bundleStep.detail}`)

  // (e) README's TypeScript blocks, each its own module, against the packed package.
  const readme = readFileSync(join(root, "README.md"), "utf8")
  // A block fenced ```ts fragment is an excerpt (no imports, free variables): shown, not compiled.
  const fenced = [...readme.matchAll(/^```(?:ts|typescript)( fragment)?\n([\s\S]*?)^```/gm)]
  const fragments = fenced.filter((m) => m[1] !== undefined).length
  const blocks = fenced.filter((m) => m[1] === undefined).map((m) => m[2])
  const files = blocks.map((code, i) => {
    const file = `readme-${i + 1}.ts`
    writeFileSync(join(work, file), code.includes("import ") || code.includes("export ") ? code : `${code}\nexport {}\n`)
    return file
  })
  writeFileSync(join(work, "tsconfig.readme.json"), JSON.stringify({
    compilerOptions: { ...strict, module: "NodeNext", moduleResolution: "NodeNext", types: ["node"] },
    files
  }, null, 2))
  step("(e) README TypeScript blocks compile", () => {
    if (files.length === 0) throw new Error("README.md has no ```ts blocks")
    sh(process.execPath, [tsc, "-p", "tsconfig.readme.json"], work)
    return `${files.length} block(s)${fragments > 0 ? `, ${fragments} fragment(s) not compiled` : ""}`
  })

  console.log(`\nconsumer test: ${results.length} checks green (entry points ${entryPoints.join(" ")})`)
  const skipped = Object.keys(pkg.exports).filter((k) => k !== "./package.json" && !entryPoints.includes(k))
  if (skipped.length > 0) console.log(`not checked (no sources yet): ${skipped.join(" ")}`)
} finally {
  if (process.env.KEEP === "1") console.log(`kept ${work}`)
  else rmSync(work, { recursive: true, force: true })
}
