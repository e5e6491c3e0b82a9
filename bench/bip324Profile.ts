/**
 * One v2 peer-pair row of `bench/bip324.ts` alone, for a CPU profile:
 *
 *   npm run bench:build
 *   node --cpu-prof --cpu-prof-dir=/tmp/prof dist/bench/bench/bip324Profile.js block [v1|v2] [seconds]
 *   node --cpu-prof --cpu-prof-dir=/tmp/prof dist/bench/bench/bip324Profile.js ping [v1|v2] [seconds]
 *
 * Prints the rate; the profile (`.cpuprofile`, for Chrome DevTools or
 * speedscope) then shows where the time of that row goes.
 */
import * as Effect from "effect/Effect"
import * as Frame from "../src/wire/Frame.js"
import * as V2Transport from "../src/peer/V2Transport.js"
import * as NodeTransport from "../src/node/NodeTransport.js"
import { listenPeers, makeBlock, nodeConfig, peerPair } from "./loopback.js"
import { counter, creditLoop, pingSequential } from "./pairLoops.js"

const [row = "block", version = "v2", seconds = "10"] = process.argv.slice(2)
const messages = version === "v2" ? V2Transport.messageTransport() : undefined

const program = Effect.gen(function*() {
  const transport = NodeTransport.make()
  const listener = yield* listenPeers(transport, nodeConfig(), true, messages)
  const [out, inb] = yield* peerPair(transport, listener, nodeConfig(), messages)
  const ms = Number(seconds) * 1000
  if (row === "ping") return yield* pingSequential(out)(ms)
  const blocks = yield* counter(yield* inb.subscribe("Block"))
  return yield* creditLoop(blocks, 4, out.send(Frame.prepare(makeBlock())))(ms)
}).pipe(Effect.scoped)

console.log(`${version} ${row}: ${(await Effect.runPromise(program)).toFixed(1)} /s`)
process.exit(0)
