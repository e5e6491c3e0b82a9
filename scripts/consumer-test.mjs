#!/usr/bin/env node
/**
 * The consumer test: what a user gets from `npm install effect-bitcoin-p2p`.
 *
 * Packs the package (`prepack` builds dist/), installs the tarball with its peer dependencies into
 * a fresh temporary project, and checks there, against the packed files only:
 *
 *   the tarball: no sources, tests, benches or source maps; every import in dist/ (`.js` and
 *       `.d.ts`) reaches a shipped file or a declared (peer) dependency; every `exports` entry
 *       names `types` first and shipped files, matches `typesVersions` both ways, and
 *       `./package.json` is exported;
 *   (a) a plain `node` ESM script imports every entry point and `package.json`, frames and
 *       decodes a message (exact bytes) and runs a Peer pair over `MemorySocket`;
 *   (b) the same through `require` (Node >= 20.19 loads our ESM with require(esm)); with
 *       require(esm) off, as on older Node 20, `require` fails with `ERR_REQUIRE_ESM`;
 *   (c) `tsc --noEmit`, strict with `exactOptionalPropertyTypes`: in full (`skipLibCheck: false`)
 *       with `NodeNext` (a `.cts` CommonJS consumer and README's blocks, see (e), in the same
 *       program) and a browser tsconfig (DOM lib, no Node types) over the platform-agnostic entry
 *       points; resolution only (`skipLibCheck: true`) with `node16`, `bundler` and `node10`
 *       (`typesVersions`), each entry point proved typed, not `any`, by an `@ts-expect-error`;
 *   (d) an esbuild browser bundle of `./wire` + `./peer`, run in a `vm` context that has no
 *       `process`, `Buffer` or `require`;
 *   (e) every TypeScript code block of README.md, compiled against the packed package (compiled,
 *       not run: some need a live network); a block fenced "```ts fragment" is an excerpt, skipped.
 *
 * Installs prefer the local npm cache (`--prefer-offline`); the registry is used for what is
 * missing. Every child process and wait is bounded (10 min each). Exits non-zero at the first
 * failure; the temporary project is removed either way (`KEEP=1` keeps it for a look).
 *
 *   node scripts/consumer-test.mjs        (npm run test:package)
 */
import { execFileSync } from "node:child_process"
import { createHash } from "node:crypto"
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs"
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

/** Published entry points (an export whose files the tarball lacks fails the pack step's exports check). */
const entryPoints = Object.keys(pkg.exports).filter((k) => k !== "./package.json")
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
// Every child and wait is bounded: a hung npm, tsc or scenario fails the run instead of stalling it.
const STEP_TIMEOUT_MS = 600_000
const sh = (cmd, args, cwd) =>
  execFileSync(cmd, args, { cwd, stdio: "pipe", encoding: "utf8", maxBuffer: 64 << 20, timeout: STEP_TIMEOUT_MS })
/** `promise`, or a failure naming `label` after `STEP_TIMEOUT_MS`. */
const bounded = (label, promise) => {
  let timer
  const timeout = new Promise((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${label}: no outcome in ${STEP_TIMEOUT_MS / 1000} s`)), STEP_TIMEOUT_MS)
  })
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer))
}

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

/** Every `exports` entry: `types` first (TypeScript takes the first condition that matches), each file shipped; `./package.json` exported. */
const checkExportsMap = (shipped) => {
  if (pkg.exports["./package.json"] !== "./package.json") throw new Error(`exports lacks "./package.json"`)
  for (const [key, target] of Object.entries(pkg.exports)) {
    if (typeof target === "string") continue
    const conditions = Object.keys(target)
    if (conditions[0] !== "types") throw new Error(`exports["${key}"] lists ${conditions[0]} before types`)
    for (const file of Object.values(target)) {
      if (!shipped.includes(file.replace(/^\.\//, ""))) throw new Error(`exports["${key}"] names ${file}, not in the tarball`)
    }
    const typesVersion = pkg.typesVersions?.["*"]?.[key.slice(2)]
    if (key !== "." && typesVersion?.[0] !== target.types) throw new Error(`typesVersions lacks ${key.slice(2)} -> ${target.types} (TypeScript's node10 resolution)`)
  }
  // And the other way: a typesVersions path no export has would type an import Node refuses.
  for (const [range, paths] of Object.entries(pkg.typesVersions ?? {})) {
    for (const path of Object.keys(paths)) {
      if (!(`./${path}` in pkg.exports)) throw new Error(`typesVersions["${range}"] has ${path}, which exports lacks`)
    }
  }
}

/**
 * Every import in the shipped `.js` and `.d.ts` files reaches a shipped file (a `.d.ts` may name
 * `x.js` for `x.d.ts`) or a dependency or peer dependency; `node:` built-ins only in the Node
 * adapters (dist/node/, dist/internal/node/).
 */
const checkImports = (dir, shipped) => {
  const files = new Set(shipped)
  const declared = new Set([...Object.keys(pkg.dependencies ?? {}), ...Object.keys(pkg.peerDependencies ?? {})])
  const problems = []
  for (const file of shipped.filter((p) => p.endsWith(".js") || p.endsWith(".d.ts"))) {
    // Specifiers of import/export statements and import() types; comments are not code.
    const code = readFileSync(join(dir, file), "utf8").replace(/\/\*[\s\S]*?\*\//g, "").replace(/^\s*\/\/.*$/gm, "")
    for (const [, spec] of code.matchAll(/(?:\bfrom\s*|\bimport\s*\(\s*|^\s*import\s+)["']([^"']+)["']/gm)) {
      if (spec.startsWith(".")) {
        const target = join(dirname(file), spec)
        const candidates = file.endsWith(".d.ts") ? [target.replace(/\.js$/, ".d.ts"), target] : [target]
        if (!candidates.some((c) => files.has(c))) problems.push(`${file} imports ${spec}: not shipped`)
      } else if (spec.startsWith("node:")) {
        if (!/^dist\/(internal\/)?node\//.test(file)) problems.push(`${file} imports ${spec} outside dist/node and dist/internal/node`)
      } else {
        const name = spec.startsWith("@") ? spec.split("/").slice(0, 2).join("/") : spec.split("/")[0]
        if (!declared.has(name)) problems.push(`${file} imports ${spec}: not a dependency`)
      }
    }
  }
  if (problems.length > 0) throw new Error(problems.slice(0, 10).join("\n"))
}

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
    const unexpected = shipped.filter((p) => !/^(dist\/.*\.(js|d\.ts)|LICENSE|README\.md|CHANGELOG\.md|package\.json)$/.test(p))
    if (unexpected.length > 0) throw new Error(`tarball ships ${unexpected.slice(0, 5).join(", ")} (sources, maps or stray files)`)
    checkExportsMap(shipped)
    checkImports(root, shipped)
    return `${packed.filename}, ${(packed.size / 1024).toFixed(1)} kB packed, ${(packed.unpackedSize / 1024).toFixed(0)} kB unpacked, ${packed.entryCount} files; imports and exports resolve`
  })

  writeFileSync(join(work, "package.json"), JSON.stringify({ name: "consumer", private: true, type: "module" }, null, 2))
  step("npm install tarball + peers", () => {
    // @effect/vitest and vitest: what a user of `./testing` writes tests with (README "Testing your app").
    const peers = ["effect", "@effect/platform", "@effect/platform-node", "@types/node", "@effect/vitest", "vitest"].map((p) => `${p}@${installed(p)}`)
    sh("npm", ["install", "--prefer-offline", "--no-audit", "--no-fund", "--ignore-scripts", tarball, ...peers], work)
    return peers.join(" ")
  })

  const specifier = (k) => `effect-bitcoin-p2p${k === "." ? "" : k.slice(1)}`
  // (a) ESM
  writeFileSync(join(work, "esm.mjs"), `import { Effect, Either } from "effect"
import { ChainParams, Frame, Message, MemorySocket, Peer, PeerConfig } from "effect-bitcoin-p2p"
import * as Wire from "effect-bitcoin-p2p/wire"
import * as PeerEntry from "effect-bitcoin-p2p/peer"
import * as NetworkEntry from "effect-bitcoin-p2p/network"
import * as NodeEntry from "effect-bitcoin-p2p/node"
import manifest from "effect-bitcoin-p2p/package.json" with { type: "json" }
if (Wire.Frame !== Frame || PeerEntry.Peer !== Peer || !NetworkEntry.Network || !NodeEntry.NodeNetwork) throw new Error("entry points disagree")
if (manifest.version !== ${JSON.stringify(pkg.version)}) throw new Error("package.json read as " + manifest.version)
for (const entry of ${JSON.stringify(entryPoints.map(specifier))}) {
  if (Object.keys(await import(entry)).length === 0) throw new Error(entry + " exports nothing")
}
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

  // Node 20 before 20.19 has no require(esm): README promises the plain ERR_REQUIRE_ESM there.
  writeFileSync(join(work, "cjs-old.cjs"), `for (const entry of ${JSON.stringify(entryPoints.map(specifier))}) {
  try { require(entry) } catch (e) { if (e.code === "ERR_REQUIRE_ESM") continue; throw e }
  throw new Error(entry + " loaded without require(esm)")
}
console.log("ERR_REQUIRE_ESM")
`)
  // The flag exists from Node 20.17; before that require(esm) does not exist either, and Node
  // refuses a flag it does not know.
  const withoutRequireEsm = process.allowedNodeEnvironmentFlags.has("--no-experimental-require-module")
    ? ["--no-experimental-require-module"]
    : []
  step("(b) require without require(esm) (Node < 20.19): ERR_REQUIRE_ESM for every entry point", () =>
    sh(process.execPath, [...withoutRequireEsm, "cjs-old.cjs"], work).trim())

  // (c) TypeScript consumers, strict. `full`: our declarations checked too (skipLibCheck: false).
  // The other resolutions are checked for resolution only (skipLibCheck: true, a fraction of the
  // time): each entry point's `@ts-expect-error` on a made-up export fails if it resolved to `any`.
  const importAll = entryPoints.map((k, i) => `import * as Entry${i} from "${specifier(k)}"`).join("\n")
  const typedProbes = entryPoints.map((k, i) => `// @ts-expect-error ${k} is typed, not any: it has no such export\nexport const probe${i} = Entry${i}.notAnExport`).join("\n")
  writeFileSync(join(work, "consumer.ts"), `${importAll}
import { Effect } from "effect"
import { ChainParams, Frame, Message, MemorySocket, Peer } from "effect-bitcoin-p2p"
import { NodeNetwork } from "effect-bitcoin-p2p/node"
export const entries = [${entryPoints.map((_, i) => `Entry${i}`).join(", ")}]
export const frame: Uint8Array = Frame.encode(ChainParams.regtest.magic, Message.Ping.make({ nonce: 1n }))
export const pair: Effect.Effect<Peer.Peer, unknown, import("effect/Scope").Scope> = Effect.flatMap(MemorySocket.makePair(), ([a]) =>
  Peer.make(a, { direction: "outbound", config: { params: ChainParams.regtest } }))
export const node = NodeNetwork.layer({ peer: { params: ChainParams.regtest }, targetOutbound: 1 })
${typedProbes}
`)
  // A CommonJS TypeScript file: NodeNext (TypeScript >= 5.8) lets it import our ESM (require(esm)).
  writeFileSync(join(work, "consumer-cjs.cts"), `import { ChainParams, Frame, Message } from "effect-bitcoin-p2p/wire"
export const frame: Uint8Array = Frame.encode(ChainParams.regtest.magic, Message.Ping.make({ nonce: 1n }))
`)
  const platformAgnostic = entryPoints.filter((k) => k !== "./node")
  writeFileSync(join(work, "browser.ts"), `${platformAgnostic.map((k, i) => `import * as Entry${i} from "${specifier(k)}"`).join("\n")}
export const entries = [${platformAgnostic.map((_, i) => `Entry${i}`).join(", ")}]
`)

  // (e) README's TypeScript blocks, each its own module, compiled with the NodeNext program below.
  const readme = readFileSync(join(root, "README.md"), "utf8")
  // A block fenced ```ts fragment is an excerpt (no imports, free variables): shown, not compiled.
  const fenced = [...readme.matchAll(/^```(?:ts|typescript)( fragment)?\n([\s\S]*?)^```/gm)]
  const fragments = fenced.filter((m) => m[1] !== undefined).length
  const readmeFiles = fenced.filter((m) => m[1] === undefined).map((m, i) => {
    const file = `readme-${i + 1}.ts`
    writeFileSync(join(work, file), m[2].includes("import ") || m[2].includes("export ") ? m[2] : `${m[2]}\nexport {}\n`)
    return file
  })
  if (readmeFiles.length === 0) throw new Error("README.md has no ```ts blocks")

  const strict = { strict: true, noEmit: true, target: "ES2022", exactOptionalPropertyTypes: true }
  const full = { ...strict, skipLibCheck: false }
  const resolutionOnly = { ...strict, skipLibCheck: true }
  const tsconfigs = {
    "tsconfig.nodenext.json": { compilerOptions: { ...full, module: "NodeNext", moduleResolution: "NodeNext", types: ["node"] }, files: ["consumer.ts", "consumer-cjs.cts", ...readmeFiles] },
    "tsconfig.browser.json": { compilerOptions: { ...full, module: "ESNext", moduleResolution: "bundler", lib: ["ES2022", "DOM"], types: [] }, files: ["browser.ts"] },
    "tsconfig.node16.json": { compilerOptions: { ...resolutionOnly, module: "Node16", moduleResolution: "Node16", types: ["node"] }, files: ["consumer.ts"] },
    "tsconfig.bundler.json": { compilerOptions: { ...resolutionOnly, module: "ESNext", moduleResolution: "bundler", types: ["node"] }, files: ["consumer.ts"] },
    "tsconfig.node10.json": { compilerOptions: { ...resolutionOnly, module: "CommonJS", moduleResolution: "node10", types: ["node"] }, files: ["consumer.ts"] }
  }
  for (const [file, config] of Object.entries(tsconfigs)) {
    writeFileSync(join(work, file), JSON.stringify(config, null, 2))
    step(`(c) tsc ${file}`, () => {
      sh(process.execPath, [tsc, "-p", file], work)
      const what = config.files.filter((f) => !f.startsWith("readme-")).join(" ")
      const readmeNote = config.files.includes(readmeFiles[0]) ? ` + (e) README: ${readmeFiles.length} block(s)${fragments > 0 ? `, ${fragments} fragment(s) not compiled` : ""}` : ""
      return `${config.compilerOptions.skipLibCheck ? "resolution, typed entry points" : "strict, skipLibCheck false"}, ${what}${readmeNote}`
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
  const outcome = await bounded("(d) the bundle's scenario", bundleStep.detail.promise)
  const sizes = `${(bundleStep.detail.code.length / 1024).toFixed(0)} kB minified, ${(gzipSync(bundleStep.detail.code).length / 1024).toFixed(0)} kB gzipped`
  bundleStep.detail = `${checkScenario("browser", JSON.stringify(outcome))}; ${sizes}`
  console.log(`      bundle: ${bundleStep.detail}`)

  console.log(`\nconsumer test: ${results.length} checks green (entry points ${entryPoints.join(" ")})`)
} finally {
  if (process.env.KEEP === "1") console.log(`kept ${work}`)
  else rmSync(work, { recursive: true, force: true })
}
