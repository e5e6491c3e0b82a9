/**
 * The new and tried tables of the address book, after Bitcoin Core's addrman.
 *
 * Each table is a fixed array of buckets × slots. An address has exactly one
 * possible slot per table, chosen by a keyed hash: in the new table from its
 * network group and the group of whoever told us about it (one source group
 * reaches at most `newBucketsPerSourceGroup` buckets), in the tried table from
 * its own group (one group reaches at most `triedBucketsPerGroup` buckets).
 * Without the key an attacker cannot aim at slots, and with the per-group
 * limits one operator cannot fill the book however many addresses they own.
 *
 * When a slot is taken, the newcomer is dropped unless the occupant is
 * terrible (or the newcomer comes from the operator and the occupant from
 * gossip). Gossip only ever writes the new table, so tried entries cannot be
 * pushed out by it.
 *
 * The structure is mutable and synchronous: every operation is O(1) apart from
 * hashing, and the service runs each one as a single uninterrupted step.
 *
 * @internal
 */
import { sha256d } from "../../wire/Hash.js"
import * as NetAddress from "../../wire/NetAddress.js"
import { type AddressLike, isValid, netGroup, parseHostPort } from "./netGroup.js"
import { isReplaceable, isTerrible, isTrusted, type BookRecord, type Source } from "./policy.js"

/** @internal */
export interface TableConfig {
  readonly newBuckets: number
  readonly triedBuckets: number
  readonly bucketSize: number
  readonly newBucketsPerSourceGroup: number
  readonly triedBucketsPerGroup: number
}

/** Bitcoin Core's sizes: 1024 × 64 new slots, 256 × 64 tried slots. @internal */
export const defaultTableConfig: TableConfig = {
  newBuckets: 1024,
  triedBuckets: 256,
  bucketSize: 64,
  newBucketsPerSourceGroup: 64,
  triedBucketsPerGroup: 8
}

/** What the table needs to create a record. @internal */
export interface Candidate extends AddressLike {
  readonly services: bigint
  readonly lastSeen: number
  readonly source: Source
  readonly group: string
  readonly sourceGroup: string
  readonly lastAttempt?: number
  readonly lastSuccess?: number
  readonly attempts?: number
  readonly failures?: number
}

/** @internal */
export type InsertOutcome = "added" | "updated" | "collided"

/**
 * The group a source stands for: a peer's own network group, one shared
 * group for all DNS results and one for the peers file, and the address's own
 * group for user / manual additions.
 *
 * @internal
 */
export const sourceGroupOf = (source: Source, addressGroup: string): string => {
  if (source.startsWith("peer:")) {
    // A peer key is a host (gossip is limited per host), or host:port in books saved before.
    const peer = parseHostPort(source.slice(5), 1)
    return peer !== undefined && isValid(peer) ? netGroup(peer) : source
  }
  return source === "dns" || source === "file" ? source : addressGroup
}

const encoder = new TextEncoder()
const MEMO_LIMIT = 65_536

/** @internal */
export class AddressTable {
  readonly records = new Map<string, BookRecord>()
  readonly newList: Array<BookRecord> = []
  readonly triedList: Array<BookRecord> = []
  /** Bumped on every change, so the saver can skip an unchanged book. */
  version = 0
  /** Newly good addresses that found their tried slot held by a live entry. */
  triedCollisions = 0
  private readonly newSlots: Array<BookRecord | undefined>
  private readonly triedSlots: Array<BookRecord | undefined>
  /** The key followed by room for the hashed text, reused to spare an allocation per hash. */
  private readonly scratch: Uint8Array
  private readonly memoTable = new Map<string, number>()

  constructor(readonly config: TableConfig, readonly key: Uint8Array) {
    this.newSlots = new Array<BookRecord | undefined>(config.newBuckets * config.bucketSize).fill(undefined)
    this.triedSlots = new Array<BookRecord | undefined>(config.triedBuckets * config.bucketSize).fill(undefined)
    this.scratch = new Uint8Array(key.length + 512)
    this.scratch.set(key)
  }

  get capacity(): number {
    return this.newSlots.length + this.triedSlots.length
  }

  /** Keyed hash: the first 48 bits of sha256d(key ‖ utf8(data)). */
  hash(data: string): number {
    const room = this.scratch.length - this.key.length
    let input: Uint8Array
    if (data.length * 3 <= room) {
      input = this.scratch.subarray(0, this.key.length + encoder.encodeInto(data, this.scratch.subarray(this.key.length)).written)
    } else {
      const bytes = encoder.encode(data)
      input = new Uint8Array(this.key.length + bytes.length)
      input.set(this.key)
      input.set(bytes, this.key.length)
    }
    const h = sha256d(input)
    return h[0]! * 2 ** 40 + h[1]! * 2 ** 32 + (((h[2]! << 24) | (h[3]! << 16) | (h[4]! << 8) | h[5]!) >>> 0)
  }

  /** Bucket hashes depend on groups only, so they repeat a lot: remember them (bounded). */
  private memo(data: string): number {
    let h = this.memoTable.get(data)
    if (h === undefined) {
      if (this.memoTable.size >= MEMO_LIMIT) this.memoTable.clear()
      this.memoTable.set(data, h = this.hash(data))
    }
    return h
  }

  newBucket(group: string, sourceGroup: string): number {
    const spread = this.memo(`new\0${group}\0${sourceGroup}`) % this.config.newBucketsPerSourceGroup
    return this.memo(`new-bucket\0${sourceGroup}\0${spread}`) % this.config.newBuckets
  }

  triedBucket(group: string, key: string): number {
    const spread = this.hash(`tried\0${key}`) % this.config.triedBucketsPerGroup
    return this.memo(`tried-bucket\0${group}\0${spread}`) % this.config.triedBuckets
  }

  private slotIn(table: "new" | "tried", bucket: number, key: string): number {
    return bucket * this.config.bucketSize + (this.hash(`slot\0${table}\0${bucket}\0${key}`) % this.config.bucketSize)
  }

  newSlotOf(r: { readonly group: string; readonly sourceGroup: string; readonly key: string }): number {
    return this.slotIn("new", this.newBucket(r.group, r.sourceGroup), r.key)
  }

  triedSlotOf(r: { readonly group: string; readonly key: string }): number {
    return this.slotIn("tried", this.triedBucket(r.group, r.key), r.key)
  }

  /**
   * Adds a gossiped / seeded / user address to the new table, or refreshes
   * the record we already have (services are merged, `lastSeen` only moves
   * forward).
   */
  insert(c: Candidate, now: number): InsertOutcome {
    const key = NetAddress.toString(c)
    const existing = this.records.get(key)
    if (existing !== undefined) {
      existing.services |= c.services
      if (c.lastSeen > existing.lastSeen) existing.lastSeen = c.lastSeen
      this.version++
      return "updated"
    }
    const r = this.makeRecord(key, c)
    const slot = this.newSlotOf(r)
    const occupant = this.newSlots[slot]
    if (occupant !== undefined) {
      const displace = isTerrible(occupant, now) || (isTrusted(c.source) && !isTrusted(occupant.source))
      if (!displace) return "collided"
      this.remove(occupant)
    }
    this.link(r, "new", slot)
    return "added"
  }

  /** Puts a persisted record back: tried into its tried slot if free (else new), new into its new slot if free. */
  restore(c: Candidate, tried: boolean): boolean {
    const key = NetAddress.toString(c)
    if (this.records.has(key)) return false
    const r = this.makeRecord(key, c)
    if (tried) {
      const slot = this.triedSlotOf(r)
      if (this.triedSlots[slot] === undefined) {
        this.link(r, "tried", slot)
        return true
      }
    }
    const slot = this.newSlotOf(r)
    if (this.newSlots[slot] !== undefined) return false
    this.link(r, "new", slot)
    return true
  }

  private makeRecord(key: string, c: Candidate): BookRecord {
    return {
      key,
      network: c.network,
      address: Uint8Array.from(c.address),
      port: c.port,
      services: c.services,
      lastSeen: c.lastSeen,
      lastAttempt: c.lastAttempt ?? 0,
      lastSuccess: c.lastSuccess ?? 0,
      attempts: c.attempts ?? 0,
      failures: c.failures ?? 0,
      source: c.source,
      group: c.group,
      sourceGroup: c.sourceGroup,
      tried: false,
      slot: -1,
      listIndex: -1
    }
  }

  private link(r: BookRecord, table: "new" | "tried", slot: number): void {
    const list = table === "new" ? this.newList : this.triedList
    ;(table === "new" ? this.newSlots : this.triedSlots)[slot] = r
    r.tried = table === "tried"
    r.slot = slot
    r.listIndex = list.length
    list.push(r)
    this.records.set(r.key, r)
    this.version++
  }

  /** Takes a record out of its table (it stays in `records`). */
  private unlink(r: BookRecord): void {
    const list = r.tried ? this.triedList : this.newList
    ;(r.tried ? this.triedSlots : this.newSlots)[r.slot] = undefined
    const last = list.pop()!
    if (last !== r) {
      list[r.listIndex] = last
      last.listIndex = r.listIndex
    }
    r.slot = -1
    r.listIndex = -1
    this.version++
  }

  /** Forgets a record entirely. */
  remove(r: BookRecord): void {
    this.unlink(r)
    this.records.delete(r.key)
  }

  attempt(key: string, now: number): void {
    const r = this.records.get(key)
    if (r === undefined) return
    r.attempts++
    r.lastAttempt = now
    this.version++
  }

  connected(key: string, now: number): void {
    const r = this.records.get(key)
    if (r === undefined) return
    if (now > r.lastSeen) r.lastSeen = now
    this.version++
  }

  /** Clears service bits of a known address (a v2 attempt that met a v1 node clears NODE_P2P_V2). */
  clearServices(key: string, services: bigint): void {
    const r = this.records.get(key)
    if (r === undefined) return
    r.services &= ~services
    this.version++
  }

  failed(key: string): void {
    const r = this.records.get(key)
    if (r === undefined) return
    r.failures++
    this.version++
  }

  /**
   * A completed handshake: resets the failure counters and moves the address
   * to the tried table. If its tried slot is held by an entry that still looks
   * alive, the address stays in new (counted in `triedCollisions`); a dead
   * occupant goes back to the new table instead.
   */
  good(key: string, now: number): void {
    const r = this.records.get(key)
    if (r === undefined) return
    r.lastSuccess = now
    r.lastAttempt = now
    if (now > r.lastSeen) r.lastSeen = now
    r.attempts = 0
    r.failures = 0
    this.version++
    if (r.tried) return
    const slot = this.triedSlotOf(r)
    const occupant = this.triedSlots[slot]
    if (occupant !== undefined && !isReplaceable(occupant, now)) {
      this.triedCollisions++
      return
    }
    this.unlink(r)
    if (occupant !== undefined) this.unlink(occupant)
    this.link(r, "tried", slot)
    if (occupant !== undefined) {
      const back = this.newSlotOf(occupant)
      const there = this.newSlots[back]
      if (there !== undefined) this.remove(there)
      this.link(occupant, "new", back)
    }
  }
}
