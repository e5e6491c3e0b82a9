import * as Socket from "@effect/platform/Socket"
import { afterEach, describe, expect, it, vi } from "vitest"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Schedule from "effect/Schedule"
import * as TestContext from "effect/TestContext"
import { stepper, writeFailure } from "../../src/internal/peer/lifecycle.js"
import * as PlainSchedule from "../../src/internal/peer/plainSchedule.js"
import * as Random from "effect/Random"
import * as Runtime from "effect/Runtime"
import { isMisbehaviour } from "../../src/peer/DisconnectReason.js"
import * as PeerConfig from "../../src/peer/PeerConfig.js"

const writeError = (code: string | undefined, reason: "Write" | "Read" = "Write") =>
  new Socket.SocketGenericError({ reason, cause: Object.assign(new Error(code ?? "boom"), code === undefined ? {} : { code }) })

describe("a failed write", () => {
  it.each(["ECONNRESET", "EPIPE"])("reset by the remote (%s) → RemoteReset, not misbehaviour", (code) => {
    const reason = writeFailure(writeError(code))
    expect(reason).toMatchObject({ _tag: "RemoteReset", code })
    expect(isMisbehaviour(reason)).toBe(false)
  })

  it("any other write failure → SocketError with the error", () => {
    const error = writeError("EACCES")
    expect(writeFailure(error)).toMatchObject({ _tag: "SocketError", cause: error })
    expect(writeFailure(writeError(undefined))).toMatchObject({ _tag: "SocketError" })
  })
})

describe("stepping a schedule for the core", () => {
  const runtime = Effect.runSync(Effect.provide(Effect.runtime<never>(), TestContext.TestContext))

  it("a pure schedule (spaced, the ping's) steps to its next start, each from the time given", () => {
    const step = stepper(runtime, Schedule.spaced(Duration.minutes(2)))
    expect(step(1_000)).toBe(121_000)
    expect(step(500_000)).toBe(620_000)
  })

  it("a schedule that ends gives undefined after its last recurrence", () => {
    const step = stepper(runtime, Schedule.spaced(Duration.seconds(1)).pipe(Schedule.intersect(Schedule.recurs(2))))
    expect(step(0)).toBe(1_000)
    expect(step(1_000)).toBe(2_000)
    expect(step(2_000)).toBeUndefined()
  })

  it("a jittered schedule (the trickle's) draws from the runtime's Random, within its bounds", () => {
    const step = stepper(runtime, Schedule.spaced(Duration.seconds(10)).pipe(Schedule.jittered))
    for (let t = 0; t < 10; t++) {
      const next = step(t * 100_000)! - t * 100_000
      expect(next).toBeGreaterThanOrEqual(8_000)
      expect(next).toBeLessThanOrEqual(12_000)
    }
  })

  it("a spacing made by plainSchedule steps like Effect's spaced, without an effect (immediate)", () => {
    const plain = stepper(runtime, PlainSchedule.spaced(Duration.minutes(2)))
    const effect = stepper(runtime, Schedule.spaced(Duration.minutes(2)))
    expect(plain.immediate).toBe(true)
    expect(effect.immediate).toBeUndefined()
    for (const t of [0, 1_000, 500_000]) expect(plain(t)).toBe(effect(t))
  })

  it("a jittered spacing is immediate on the default Random (within its bounds), stepped by Effect under another Random", () => {
    const schedule = PlainSchedule.spaced(Duration.seconds(10), { min: 0.8, max: 1.2 })
    const live = stepper(Runtime.defaultRuntime, schedule)
    expect(live.immediate).toBe(true)
    const delays = Array.from({ length: 200 }, (_, i) => live(i * 100_000)! - i * 100_000)
    expect(Math.min(...delays)).toBeGreaterThanOrEqual(8_000)
    expect(Math.max(...delays)).toBeLessThanOrEqual(12_000)
    // Jittered, not fixed.
    expect(new Set(delays).size).toBeGreaterThan(1)
    // Under a Random of the user's: Effect steps it, drawing from that Random.
    const seeded = Effect.runSync(Effect.withRandom(Effect.runtime<never>(), Random.make("seed")))
    const tested = stepper(seeded, schedule)
    expect(tested.immediate).toBeUndefined()
    const next = tested(0)!
    expect(next).toBeGreaterThanOrEqual(8_000)
    expect(next).toBeLessThanOrEqual(12_000)
  })

  describe("the default trickle spacing, drawn from Math.random, against Effect's jitteredWith", () => {
    afterEach(() => {
      vi.restoreAllMocks()
    })
    // The draws at the ends and inside: a swapped min/max or a draw used as (1 - r) shows at each but 0.5.
    it.each([0, 0.1, 0.5, 0.75, 0.999])("Math.random() = %s: the plain step equals jitteredWith's under Random.fixed([the same])", (r) => {
      const effects = Schedule.jitteredWith(Schedule.spaced(Duration.seconds(10)), { min: 0.8, max: 1.2 })
      const fixed = Effect.runSync(Effect.withRandom(Effect.runtime<never>(), Random.fixed([r])))
      const reference = stepper(fixed, effects)
      expect(reference.immediate).toBeUndefined()
      vi.spyOn(Math, "random").mockReturnValue(r)
      const plain = stepper(Runtime.defaultRuntime, PeerConfig.defaults.trickleSchedule)
      expect(plain.immediate).toBe(true)
      for (const t of [0, 1_000, 123_456]) expect(plain(t)).toBe(reference(t))
    })
  })
})
