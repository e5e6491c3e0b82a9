/**
 * A peer's known-inventory filter: the keys (`inventoryKey`) of the last
 * `capacity` inventory items the remote announced or was sent, the oldest
 * forgotten first, a key added again young again (as `BoundedSet`).
 *
 * Why not a `BoundedSet<number>`: a 53-bit key is not a small integer, so a
 * `Map` keeps each one as a heap number, and the Map's table and the
 * insertion order grow and shrink as keys come and go: about 66 bytes of
 * garbage per key added. A 1,000-item `inv` broadcast to 200 peers made
 * ~13 MB of it per broadcast, most of what the broadcast cost in GC. Here the
 * keys live in typed arrays that only grow (doubling, up to `capacity`), so
 * an add allocates nothing; at capacity the filter holds 24 bytes per item
 * (a key, its two neighbours in the age list, two index slots), less than
 * the Map did, and nothing before its first add (an idle peer pays nothing).
 *
 * Layout: entries `0..used` hold a key each and sit on a doubly linked list
 * from oldest (`oldest`) to youngest (`youngest`); `index` is an open-addressed
 * table (linear probing, at most half full) from a key to its entry + 1,
 * 0 for an empty slot. A key's home slot is its low bits: keys come from
 * hashes, which are uniformly random.
 *
 * @internal
 */
export class InventoryFilter {
  private keys = EMPTY_KEYS
  private prev = EMPTY_LINKS
  private next = EMPTY_LINKS
  private index = EMPTY_LINKS
  private mask = -1
  /** Entries in use (live keys: they are never freed, only reused for a new key). */
  private used = 0
  private oldest = NONE
  private youngest = NONE

  constructor(readonly capacity: number) {}

  get size(): number {
    return this.used
  }

  has(key: number): boolean {
    return this.used > 0 && this.index[this.slotOf(key)]! !== 0
  }

  /** Adds `key`, or makes it the youngest if present; past `capacity`, the oldest key goes. */
  add(key: number): void {
    if (this.capacity <= 0) return
    if (this.used > 0) {
      const slot = this.slotOf(key)
      const found = this.index[slot]!
      if (found !== 0) return this.touch(found - 1)
    }
    let entry: number
    if (this.used < this.capacity) {
      if (this.used === this.keys.length) this.grow()
      entry = this.used++
    } else {
      // Full: the oldest entry takes the new key.
      entry = this.oldest
      this.unindex(this.slotOf(this.keys[entry]!))
      this.unlink(entry)
    }
    this.keys[entry] = key
    this.index[this.slotOf(key)] = entry + 1
    this.linkYoungest(entry)
  }

  clear(): void {
    this.keys = EMPTY_KEYS
    this.prev = EMPTY_LINKS
    this.next = EMPTY_LINKS
    this.index = EMPTY_LINKS
    this.mask = -1
    this.used = 0
    this.oldest = NONE
    this.youngest = NONE
  }

  /** The slot holding `key`, or the empty slot where it would go. */
  private slotOf(key: number): number {
    const index = this.index
    const keys = this.keys
    const mask = this.mask
    let slot = key & mask
    for (;;) {
      const e = index[slot]!
      if (e === 0 || keys[e - 1] === key) return slot
      slot = (slot + 1) & mask
    }
  }

  /** Empties `slot`, moving later keys of its probe run back so that every key stays reachable from its home. */
  private unindex(slot: number): void {
    const index = this.index
    const keys = this.keys
    const mask = this.mask
    let hole = slot
    let j = slot
    for (;;) {
      j = (j + 1) & mask
      const e = index[j]!
      if (e === 0) break
      const home = keys[e - 1]! & mask
      // The key at `j` may fill the hole unless its home lies cyclically in (hole, j].
      const stays = hole <= j ? hole < home && home <= j : hole < home || home <= j
      if (!stays) {
        index[hole] = e
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
    const entries = Math.min(this.capacity, Math.max(16, this.keys.length * 2))
    const keys = new Float64Array(entries)
    keys.set(this.keys)
    const prev = new Int32Array(entries)
    prev.set(this.prev)
    const next = new Int32Array(entries)
    next.set(this.next)
    this.keys = keys
    this.prev = prev
    this.next = next
    let slots = 16
    while (slots < 2 * entries) slots *= 2
    this.index = new Int32Array(slots)
    this.mask = slots - 1
    for (let e = 0; e < this.used; e++) this.index[this.slotOf(keys[e]!)] = e + 1
  }
}

const NONE = -1
const EMPTY_KEYS = new Float64Array(0)
const EMPTY_LINKS = new Int32Array(0)
