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
import { mainThreadCpuNs } from "./harness.js"
import { counter, creditLoop, pingSequential } from "./pairLoops.js"

const [row = "block", version = "v2", seconds = "10"] = process.argv.slice(2)
const messages = version === "v2" ? V2Transport.messageTransport() : undefined

const program = Effect.gen(function*() {
  const transport = NodeTransport.make()
  const listener = yield* listenPeers(transport, nodeConfig(), true, messages)
  const [out, inb] = yield* peerPair(transport, listener, nodeConfig(), messages)
  const ms = Number(seconds) * 1000
  const loop = row === "ping"
    ? pingSequential(out)
    : creditLoop(yield* counter(yield* inb.subscribe("Block")), 4, out.send(Frame.prepare(makeBlock())))
  yield* loop(500)
  const cpu0 = mainThreadCpuNs()
  const rate = yield* loop(ms)
  return { wall: rate, cpu: (rate * ms) / ((mainThreadCpuNs() - cpu0) / 1e6) }
}).pipe(Effect.scoped)

const { cpu, wall } = await Effect.runPromise(program)
console.log(`${version} ${row}: ${cpu.toFixed(1)} /s of main-thread CPU, ${wall.toFixed(1)} /s of wall time`)
process.exit(0)
