/**
 * A set that forgets its oldest member once it holds `capacity` members.
 * Backs the per-peer known-address filter (the known-inventory one is an
 * `InventoryFilter`, which allocates nothing per key) and the process-wide
 * recent-nonce registry: bounded memory whatever a peer sends.
 *
 * @internal
 */
export class BoundedSet<K> {
  /** Member → stamp of its newest entry in `order`. */
  private readonly items = new Map<K, number>()
  /**
   * Members oldest first, with their stamps. A refreshed member is appended
   * again; its older entry is stale (its stamp no longer matches) and skipped.
   * (Evicting through `Set.prototype.values().next()` instead costs a scan over
   * every slot deleted since the table was last rehashed, on every add.)
   */
  private order: Array<K> = []
  private stamps: Array<number> = []
  private head = 0
  private stamp = 0
  constructor(readonly capacity: number) {}

  has(key: K): boolean {
    return this.items.has(key)
  }

  add(key: K): void {
    // A key seen again is young again; a new key past capacity pushes out the oldest.
    if (!this.items.has(key) && this.items.size >= this.capacity) this.evictOldest()
    const stamp = ++this.stamp
    this.items.set(key, stamp)
    this.order.push(key)
    this.stamps.push(stamp)
    if (this.order.length - this.head > 2 * this.capacity + 64) this.compact()
  }

  clear(): void {
    this.items.clear()
    this.order = []
    this.stamps = []
    this.head = 0
  }

  get size(): number {
    return this.items.size
  }

  private evictOldest(): void {
    while (this.head < this.order.length) {
      const key = this.order[this.head]!
      const stamp = this.stamps[this.head]!
      this.head++
      if (this.items.get(key) === stamp) {
        this.items.delete(key)
        break
      }
    }
    if (this.head > 1024 && this.head * 2 > this.order.length) this.compact()
  }

  /** Drops consumed and stale entries of `order`. */
  private compact(): void {
    const order: Array<K> = []
    const stamps: Array<number> = []
    for (let i = this.head; i < this.order.length; i++) {
      const key = this.order[i]!
      if (this.items.get(key) === this.stamps[i]) {
        order.push(key)
        stamps.push(this.stamps[i]!)
      }
    }
    this.order = order
    this.stamps = stamps
    this.head = 0
  }
}

/**
 * The key of an inventory vector in a known-inventory filter: a number made
 * of 53 bits of its 32-byte hash (a hash is uniformly random) mixed with its
 * type without the witness flag. Two different items share a key with odds
 * of 2^-53 per pair (a filter holds a few thousand), far below the 10^-6
 * false positives Bitcoin Core accepts in the rolling bloom filter it keeps
 * for the same purpose; a false match only withholds an announcement the
 * remote would most likely not need. A number is 16 bytes and no string
 * building: a 1,000-item `inv` made 1,000 string keys per receiving peer,
 * most of what the filter cost in allocation. Hashes of another length
 * (none today) get a string key, which never equals a number.
 * @internal
 */
export const inventoryKey = (type: number, h: Uint8Array): number | string => {
  const t = type & 0x3fff_ffff
  if (h.length !== 32) {
    let s = String.fromCharCode(t & 0xffff, t >>> 16)
    for (let i = 0; i < h.length; i++) s += String.fromCharCode(h[i]!)
    return s
  }
  return keyOf(t, h, 0)
}

/**
 * `inventoryKey` of the 36-byte vector at `bytes[offset]` as it is on the
 * wire (u32 type, 32-byte hash): the same key, read from a received
 * message's payload without building the vector.
 * @internal
 */
export const inventoryKeyAt = (bytes: Uint8Array, offset: number): number => {
  const type = bytes[offset]! | (bytes[offset + 1]! << 8) | (bytes[offset + 2]! << 16) | (bytes[offset + 3]! << 24)
  return keyOf(type & 0x3fff_ffff, bytes, offset + 4)
}

/** The key of type `t` (witness flag cleared) and the 32-byte hash at `h[o]`. */
const keyOf = (t: number, h: Uint8Array, o: number): number => {
  // Spread the (small) type over all 32 bits before mixing it in, so types differ in many bits.
  const high = ((h[o]! | (h[o + 1]! << 8) | (h[o + 2]! << 16) | (h[o + 3]! << 24)) ^ Math.imul(t, 0x9e37_79b1)) >>> 0
  const low = (h[o + 4]! | (h[o + 5]! << 8) | ((h[o + 6]! & 0x1f) << 16)) >>> 0
  return high * 0x20_0000 + low
}
