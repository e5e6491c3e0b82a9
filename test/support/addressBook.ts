/**
 * Shared fixtures for the address book tests: address builders, a realistic
 * clock start, a seeded `Random` and a fixed bucketing key.
 */
import * as Effect from "effect/Effect"
import * as Random from "effect/Random"
import * as TestClock from "effect/TestClock"
import * as AddressBook from "../../src/network/AddressBook.js"
import * as NetAddress from "../../src/wire/NetAddress.js"

/** 2023-11-14T22:13:20Z, in milliseconds. */
export const START = 1_700_000_000_000
/** `START` in Unix seconds. */
export const START_S = START / 1000

/** A fixed bucketing key, so bucket placement is the same on every run. */
export const KEY = Uint8Array.from({ length: 32 }, (_, i) => i + 1)

/** Default book options for tests: fixed key, loopback allowed. */
export const options = (extra: AddressBook.Options = {}): AddressBook.Options => ({ key: KEY, allowLocal: true, ...extra })

/** An IPv4 address input. */
export const v4 = (a: number, b: number, c: number, d: number, port = 8333, time?: number): AddressBook.AddressInput => ({
  network: NetAddress.NetworkId.IPv4,
  address: Uint8Array.of(a, b, c, d),
  port,
  services: 1n,
  ...(time === undefined ? {} : { time })
})

const PUBLIC_FIRST_OCTETS = Array.from({ length: 223 }, (_, i) => i + 1).filter(
  (a) => ![10, 100, 127, 169, 172, 192, 198, 203].includes(a)
)

/** The `n`-th of a list of public IPv4 addresses; consecutive ones are in different /16s. */
export const spread = (n: number, port = 8333): AddressBook.AddressInput => {
  const l = PUBLIC_FIRST_OCTETS.length
  return v4(PUBLIC_FIRST_OCTETS[n % l]!, Math.floor(n / l) & 255, Math.floor(n / (l * 256)) & 255, 7, port)
}

/** Sets the test clock to `START` and seeds `Random`, then runs `self`. */
export const fixed = <A, E, R>(self: Effect.Effect<A, E, R>, seed = "address-book"): Effect.Effect<A, E, R> =>
  Effect.suspend(() => Effect.zipRight(TestClock.setTime(START), self).pipe(Effect.withRandom(Random.make(seed))))

/** Runs `self` with a fresh in-memory book. */
export const withBook = <A, E, R>(
  f: (book: AddressBook.AddressBookShape) => Effect.Effect<A, E, R>,
  extra: AddressBook.Options = {}
): Effect.Effect<A, E, R> => fixed(Effect.flatMap(AddressBook.make(options(extra)), f))
