/**
 * A peer's known-inventory filter: the last `capacity` inventory items the
 * remote announced or was sent, the oldest forgotten first, an item added
 * again young again (as `BoundedSet`).
 *
 * An item's key is 64 bits: the first 8 bytes of its hash (hashes are
 * uniformly random), the first 4 mixed with its type without the witness
 * flag (a `MSG_WITNESS_TX` and a `MSG_TX` announcement name the same
 * transaction). Two items share a key with odds of 2^-64 per pair, far below
 * the 10^-6 false positives of the rolling bloom filter Bitcoin Core keeps for
 * the same job; a false match only withholds an announcement. Keys are read
 * straight from a vector's bytes, so a received `inv` is filtered from its
 * payload without building its vectors.
 *
 * Why not a `BoundedSet`: a key must then be one JS value (a string, or a
 * 53-bit number the `Map` keeps as a heap number), and the Map's table and
 * the insertion order grow and shrink as keys come and go: ~66 bytes of
 * garbage per key added, ~13 MB per 1,000-item `inv` broadcast to 200 peers,
 * most of what that broadcast cost in GC. Here keys live in typed arrays that
 * only grow (doubling, up to `capacity`), so an add allocates nothing; at
 * capacity the filter holds 32 bytes per item (the key, its home and current
 * slot, its two neighbours in the age list, two index slots), and nothing
 * before its first add.
 *
 * Layout: entries `0..used` hold a key each and sit on a doubly linked list
 * from oldest to youngest; `index` is an open-addressed table (linear
 * probing, at most half full) from a key to its entry + 1, 0 for an empty
 * slot. A key's slot comes from mixing it with a process-wide random salt:
 * the remote chooses the hashes it announces, and unsalted, it could announce
 * hashes that all land in one probe run.
 *
 * @internal
 */
export class InventoryFilter {
  /** Key of entry `e`: `keys[2e]` (high word) and `keys[2e + 1]` (low word). */
  private keys = EMPTY
  /** Entry `e`'s home slot (its key's salted hash) and the slot it is in now: no hashing or probing to remove it. */
  private homes = EMPTY
  private slots = EMPTY
  private prev = EMPTY
  private next = EMPTY
  private index = EMPTY
  private mask = -1
  /** Entries in use, each holding a live key (entries are reused, never freed). */
  private used = 0
  private oldest = NONE
  private youngest = NONE
  private readonly salt = saltOf()

  constructor(readonly capacity: number) {}

  get size(): number {
    return this.used
  }

  /** Whether the vector of `type` with this 32-byte `hash` is in the filter. */
  has(type: number, hash: Uint8Array): boolean {
    if (this.used === 0) return false
    const high = keyHigh(type, hash, 0)
    const low = keyLow(hash, 0)
    return this.index[this.probe(this.homeOf(high, low), high, low)]! !== 0
  }

  /** Adds the vector of `type` with this 32-byte `hash` (see `has`). */
  add(type: number, hash: Uint8Array): void {
    this.addKey(keyHigh(type, hash, 0), keyLow(hash, 0))
  }

  /** Adds the 36-byte vector at `bytes[offset]` as it is on the wire (u32 type, 32-byte hash). */
  addAt(bytes: Uint8Array, offset: number): void {
    const type = bytes[offset]! | (bytes[offset + 1]! << 8) | (bytes[offset + 2]! << 16) | (bytes[offset + 3]! << 24)
    this.addKey(keyHigh(type, bytes, offset + 4), keyLow(bytes, offset + 4))
  }

  clear(): void {
    this.keys = EMPTY
    this.homes = EMPTY
    this.slots = EMPTY
    this.prev = EMPTY
    this.next = EMPTY
    this.index = EMPTY
    this.mask = -1
    this.used = 0
    this.oldest = NONE
    this.youngest = NONE
  }

  /** Adds the key, or makes it the youngest if present; past `capacity`, the oldest key goes. */
  private addKey(high: number, low: number): void {
    if (this.capacity <= 0) return
    if (this.used === this.prev.length && this.used < this.capacity) this.grow()
    const home = this.homeOf(high, low)
    let slot = this.probe(home, high, low)
    const found = this.index[slot]!
    if (found !== 0) return this.touch(found - 1)
    let entry: number
    if (this.used < this.capacity) entry = this.used++
    else {
      // Full: the oldest entry takes the new key; its removal may open a slot nearer the new key's home.
      entry = this.oldest
      this.unindex(this.slots[entry]!)
      this.unlink(entry)
      slot = this.probe(home, high, low)
    }
    this.keys[2 * entry] = high
    this.keys[2 * entry + 1] = low
    this.homes[entry] = home
    this.slots[entry] = slot
    this.index[slot] = entry + 1
    this.linkYoungest(entry)
  }

  /** The key's home slot: the key mixed with the salt (murmur3's finalizer, twice). */
  private homeOf(high: number, low: number): number {
    let h = high ^ this.salt
    h = Math.imul(h ^ (h >>> 16), 0x85eb_ca6b)
    h = Math.imul(h ^ (h >>> 13), 0xc2b2_ae35)
    h ^= (h >>> 16) ^ low
    h = Math.imul(h ^ (h >>> 16), 0x85eb_ca6b)
    h = Math.imul(h ^ (h >>> 13), 0xc2b2_ae35)
    return (h ^ (h >>> 16)) & this.mask
  }

  /** From `home`, the slot holding the key, or the empty slot where it would go. */
  private probe(home: number, high: number, low: number): number {
    const index = this.index
    const keys = this.keys
    const mask = this.mask
    let slot = home
    for (;;) {
      const e = index[slot]!
      if (e === 0 || (keys[2 * e - 1] === low && keys[2 * e - 2] === high)) return slot
      slot = (slot + 1) & mask
    }
  }

  /** Empties `slot`, moving later keys of its probe run back so that every key stays reachable from its home. */
  private unindex(slot: number): void {
    const index = this.index
    const homes = this.homes
    const mask = this.mask
    let hole = slot
    let j = slot
    for (;;) {
      j = (j + 1) & mask
      const e = index[j]!
      if (e === 0) break
      const home = homes[e - 1]!
      // The key at `j` may fill the hole unless its home lies cyclically in (hole, j].
      const stays = hole <= j ? hole < home && home <= j : hole < home || home <= j
      if (!stays) {
        index[hole] = e
        this.slots[e - 1] = hole
        hole = j
      }
    }
    index[hole] = 0
  }

  private touch(entry: number): void {
    if (entry === this.youngest) return
    this.unlink(entry)
    this.linkYoungest(entry)
  }

  private unlink(entry: number): void {
    const p = this.prev[entry]!
    const n = this.next[entry]!
    if (p === NONE) this.oldest = n
    else this.next[p] = n
    if (n === NONE) this.youngest = p
    else this.prev[n] = p
  }

  private linkYoungest(entry: number): void {
    this.prev[entry] = this.youngest
    this.next[entry] = NONE
    if (this.youngest === NONE) this.oldest = entry
    else this.next[this.youngest] = entry
    this.youngest = entry
  }

  /** Doubles the entries (up to `capacity`) and rebuilds the index at twice their number. */
  private grow(): void {
    const entries = Math.min(this.capacity, Math.max(16, 2 * this.prev.length))
    const widen = (a: Int32Array, n: number) => {
      const b = new Int32Array(n)
      b.set(a)
      return b
    }
    this.keys = widen(this.keys, 2 * entries)
    this.homes = new Int32Array(entries)
    this.slots = new Int32Array(entries)
    this.prev = widen(this.prev, entries)
    this.next = widen(this.next, entries)
    let slots = 16
    while (slots < 2 * entries) slots *= 2
    this.index = new Int32Array(slots)
    this.mask = slots - 1
    for (let e = 0; e < this.used; e++) {
      const high = this.keys[2 * e]!
      const low = this.keys[2 * e + 1]!
      const home = this.homeOf(high, low)
      const slot = this.probe(home, high, low)
      this.homes[e] = home
      this.slots[e] = slot
      this.index[slot] = e + 1
    }
  }
}

/** The key's high word: the hash's first 4 bytes mixed with the type without the witness flag (spread over all 32 bits). */
const keyHigh = (type: number, h: Uint8Array, o: number): number =>
  (h[o]! | (h[o + 1]! << 8) | (h[o + 2]! << 16) | (h[o + 3]! << 24)) ^ Math.imul(type & 0x3fff_ffff, 0x9e37_79b1)

/** The key's low word: the hash's next 4 bytes. */
const keyLow = (h: Uint8Array, o: number): number => h[o + 4]! | (h[o + 5]! << 8) | (h[o + 6]! << 16) | (h[o + 7]! << 24)

const NONE = -1
const EMPTY = new Int32Array(0)

let processSalt: number | undefined

/** A random salt drawn once per process (Web Crypto where present: it must be unguessable to a remote). */
const saltOf = (): number => {
  if (processSalt === undefined) {
    const webCrypto = (globalThis as { crypto?: { getRandomValues?: (b: Uint32Array) => Uint32Array } }).crypto
    processSalt = webCrypto?.getRandomValues !== undefined
      ? webCrypto.getRandomValues(new Uint32Array(1))[0]! | 0
      : (Math.random() * 2 ** 32) | 0
  }
  return processSalt
}
