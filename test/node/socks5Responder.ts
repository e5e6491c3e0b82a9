/**
 * A test-only SOCKS5 server on 127.0.0.1 that stands in for Tor or an I2P
 * router: it maps made-up names (`….onion`, `….b32.i2p`, `….invalid`) to
 * local ports, records every request (methods offered, credentials, address
 * type, host, port), and can be told to fail in each way a proxy fails.
 *
 * It connects only to 127.0.0.0/8 and ::1 and never resolves a name: a name
 * not in `names` gets reply 4 (host unreachable). Written from RFC 1928 and
 * RFC 1929 independently of the client it tests (no shared code).
 *
 * @internal test support
 */
import * as Effect from "effect/Effect"
import type * as Scope from "effect/Scope"
import * as Net from "node:net"

export interface Request {
  /** Methods offered in the greeting. */
  readonly methods: ReadonlyArray<number>
  /** RFC 1929 credentials, when sent. */
  readonly username?: string
  readonly password?: string
  /** 1 (IPv4), 3 (name), 4 (IPv6). */
  readonly atyp: number
  readonly host: string
  readonly port: number
}

export interface ResponderOptions {
  /** Made-up names to local targets. */
  readonly names?: Readonly<Record<string, { readonly host: string; readonly port: number }>>
  /** Require username/password; other credentials fail with status 1. */
  readonly users?: Readonly<Record<string, string>>
  /** Reply with this code instead of connecting (1–8, or any byte). */
  readonly failWith?: number
  /** Never answer the CONNECT request (a proxy whose circuit never builds). */
  readonly hang?: boolean
  /** Hold the success reply until the target has sent something, then send both in one write. */
  readonly coalesce?: boolean
}

export interface Responder {
  readonly port: number
  readonly requests: Array<Request>
  /** Tunnels currently open (closed by either side → removed). */
  readonly open: () => number
  /** Client connections currently open, tunnelled or not. */
  readonly clients: () => number
}

const isLoopback = (host: string) => Net.isIPv4(host) ? host.startsWith("127.") : host === "0:0:0:0:0:0:0:1"

const reply = (code: number) => Buffer.from([5, code, 0, 1, 127, 0, 0, 1, 0, 0])

/** Starts the responder; it stops (every connection destroyed) when the scope closes. */
export const socks5Responder = (options: ResponderOptions = {}): Effect.Effect<Responder, never, Scope.Scope> =>
  Effect.acquireRelease(
    Effect.async<{ readonly server: Net.Server; readonly responder: Responder; readonly conns: Set<Net.Socket> }>((resume) => {
      const requests: Array<Request> = []
      const conns = new Set<Net.Socket>()
      let tunnels = 0
      let clients = 0
      const server = Net.createServer((client) => {
        conns.add(client)
        clients++
        client.on("close", () => {
          conns.delete(client)
          clients--
        })
        client.on("error", () => {})
        let buffer = Buffer.alloc(0)
        let step: "greeting" | "auth" | "request" | "done" = "greeting"
        let methods: Array<number> = []
        let credentials: { username?: string; password?: string } = {}
        const onData = (chunk: Buffer) => {
          buffer = Buffer.concat([buffer, chunk])
          for (;;) {
            if (step === "greeting") {
              if (buffer.length < 2 || buffer.length < 2 + buffer[1]!) return
              if (buffer[0] !== 5) return client.destroy()
              methods = [...buffer.subarray(2, 2 + buffer[1]!)]
              buffer = buffer.subarray(2 + buffer[1]!)
              const wanted = options.users === undefined ? 0 : 2
              if (!methods.includes(wanted)) {
                client.end(Buffer.from([5, 0xff]))
                step = "done"
                return
              }
              // Like Tor: take username/password whenever it is offered (that is how isolation reaches it).
              const chosen = methods.includes(2) ? 2 : 0
              client.write(Buffer.from([5, chosen]))
              step = chosen === 2 ? "auth" : "request"
            } else if (step === "auth") {
              if (buffer.length < 2) return
              const ulen = buffer[1]!
              if (buffer.length < 3 + ulen) return
              const plen = buffer[2 + ulen]!
              if (buffer.length < 3 + ulen + plen) return
              const username = buffer.subarray(2, 2 + ulen).toString("utf8")
              const password = buffer.subarray(3 + ulen, 3 + ulen + plen).toString("utf8")
              buffer = buffer.subarray(3 + ulen + plen)
              credentials = { username, password }
              const ok = options.users === undefined || options.users[username] === password
              if (!ok) {
                client.end(Buffer.from([1, 1]))
                step = "done"
                return
              }
              client.write(Buffer.from([1, 0]))
              step = "request"
            } else if (step === "request") {
              if (buffer.length < 5) return
              const atyp = buffer[3]!
              const addressLength = atyp === 1 ? 4 : atyp === 4 ? 16 : atyp === 3 ? 1 + buffer[4]! : -1
              if (addressLength < 0) return void client.end(reply(8))
              if (buffer.length < 4 + addressLength + 2) return
              const raw = buffer.subarray(4, 4 + addressLength)
              const host = atyp === 1
                ? [...raw].join(".")
                : atyp === 4
                ? ipv6(raw)
                : raw.subarray(1).toString("utf8")
              const port = buffer.readUInt16BE(4 + addressLength)
              const rest = buffer.subarray(4 + addressLength + 2)
              step = "done"
              client.off("data", onData)
              requests.push({ methods, ...credentials, atyp, host, port })
              return connect(client, atyp === 3 ? options.names?.[host] : { host, port }, rest)
            } else {
              return
            }
          }
        }
        client.on("data", onData)
      })
      const connect = (client: Net.Socket, target: { host: string; port: number } | undefined, rest: Buffer) => {
        if (options.hang) return
        if (options.failWith !== undefined) return void client.end(reply(options.failWith))
        if (target === undefined) return void client.end(reply(4))
        if (!isLoopback(target.host)) return void client.end(reply(2))
        const upstream = Net.createConnection({ host: target.host, port: target.port })
        conns.add(upstream)
        upstream.on("close", () => conns.delete(upstream))
        let connected = false
        upstream.on("error", (e: NodeJS.ErrnoException) => {
          if (!connected) client.end(reply(e.code === "ECONNREFUSED" ? 5 : 1))
          else client.destroy()
        })
        upstream.once("connect", () => {
          connected = true
          tunnels++
          upstream.once("close", () => tunnels--)
          if (rest.length > 0) upstream.write(rest)
          const pipe = () => {
            client.pipe(upstream)
            upstream.pipe(client)
            client.on("close", () => upstream.destroy())
            upstream.on("close", () => client.destroy())
          }
          if (!options.coalesce) {
            client.write(reply(0))
            return pipe()
          }
          upstream.once("data", (first: Buffer) => {
            client.write(Buffer.concat([reply(0), first]))
            pipe()
          })
        })
      }
      server.listen(0, "127.0.0.1", () => {
        const port = (server.address() as Net.AddressInfo).port
        resume(Effect.succeed({ server, conns, responder: { port, requests, open: () => tunnels, clients: () => clients } }))
      })
    }),
    ({ conns, server }) =>
      Effect.async<void>((resume) => {
        for (const c of conns) c.destroy()
        server.close(() => resume(Effect.void))
      })
  ).pipe(Effect.map(({ responder }) => responder))

const ipv6 = (raw: Uint8Array): string => {
  const groups: Array<string> = []
  for (let i = 0; i < 16; i += 2) groups.push(((raw[i]! << 8) | raw[i + 1]!).toString(16))
  return groups.join(":")
}
