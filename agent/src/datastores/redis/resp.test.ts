// The RESP2 client: encoding, incremental parsing, and the connection's timeouts and failures
// against a real TCP server that answers what each test scripts.
import net from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { RespConnectionError, RespError, connectResp, encodeCommand, parseReply } from "./resp.js";

describe("encodeCommand", () => {
  it("writes an array of bulk strings, counting bytes not characters", () => {
    expect(encodeCommand(["SET", "k", "ünï code", ""]).toString("utf8")).toBe("*4\r\n$3\r\nSET\r\n$1\r\nk\r\n$10\r\nünï code\r\n$0\r\n\r\n");
  });
});

describe("parseReply", () => {
  const parse = (text: string): unknown => parseReply(Buffer.from(text))?.value;

  it("parses every RESP2 type", () => {
    expect(parse("+OK\r\n")).toBe("OK");
    expect(parse(":-42\r\n")).toBe(-42);
    expect(parse("$5\r\nhe\r\nl\r\n")).toBe("he\r\nl");
    expect(parse("$0\r\n\r\n")).toBe("");
    expect(parse("$-1\r\n")).toBeNull();
    expect(parse("*-1\r\n")).toBeNull();
    expect(parse("*0\r\n")).toEqual([]);
    expect(parse("*3\r\n$1\r\na\r\n*2\r\n:1\r\n$-1\r\n-ERR inner\r\n")).toEqual(["a", [1, null], new RespError("ERR inner")]);
    const error = parse("-WRONGPASS invalid username-password pair\r\n");
    expect(error).toBeInstanceOf(RespError);
    expect(error).toMatchObject({ code: "WRONGPASS", message: "WRONGPASS invalid username-password pair" });
  });

  it("says undefined until the whole reply is there, at every cut", () => {
    const text = "*2\r\n$5\r\nhello\r\n*1\r\n:7\r\n";
    for (let cut = 0; cut < text.length; cut++) expect(parseReply(Buffer.from(text.slice(0, cut)))).toBeUndefined();
    expect(parseReply(Buffer.from(text))).toEqual({ value: ["hello", [7]], next: text.length });
  });

  it("reads a reply at an offset and reports where the next one starts", () => {
    const buffer = Buffer.from("+OK\r\n:5\r\n");
    expect(parseReply(buffer, 5)).toEqual({ value: 5, next: buffer.length });
  });

  it("rejects what is not RESP2", () => {
    expect(() => parseReply(Buffer.from("HTTP/1.1 400\r\n"))).toThrow(RespConnectionError);
    expect(() => parseReply(Buffer.from(":12x\r\n"))).toThrow(/malformed integer/);
    expect(() => parseReply(Buffer.from("$2\r\nabcd\r\n"))).toThrow(/CRLF/);
  });
});

describe("RespConnection", () => {
  const servers: net.Server[] = [];
  afterEach(async () => {
    for (const server of servers.splice(0)) await new Promise((resolve) => server.close(resolve));
  });

  /** A server that hands each received chunk to `respond`, which writes what it likes. */
  async function serve(respond: (data: string, socket: net.Socket) => void): Promise<number> {
    const server = net.createServer((socket) => {
      socket.on("data", (data) => respond(data.toString("utf8"), socket));
      socket.on("error", () => {});
    });
    servers.push(server);
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    return (server.address() as net.AddressInfo).port;
  }

  it("matches pipelined replies to commands, even when they arrive byte by byte", async () => {
    const port = await serve((_data, socket) => {
      const replies = "+PONG\r\n$3\r\nbar\r\n-ERR nope\r\n";
      if (_data.includes("FAIL")) for (const byte of replies) socket.write(byte);
    });
    const conn = await connectResp({ host: "127.0.0.1", port });
    try {
      const replies = [conn.command(["PING"]), conn.command(["GET", "foo"]), conn.command(["FAIL"])];
      await expect(replies[0]).resolves.toBe("PONG");
      await expect(replies[1]).resolves.toBe("bar");
      await expect(replies[2]).rejects.toMatchObject({ name: "RespError", code: "ERR" });
    } finally {
      conn.close();
    }
  });

  it("times out a command without naming its arguments, and fails the connection", async () => {
    const port = await serve(() => {});
    const conn = await connectResp({ host: "127.0.0.1", port, commandTimeoutMs: 50 });
    const error = await conn.command(["AUTH", "user", "s3cret-password"]).catch((err: unknown) => err);
    expect(error).toMatchObject({ name: "RespConnectionError", code: "ETIMEDOUT" });
    expect(String((error as Error).message)).not.toMatch(/s3cret|user/);
    await expect(conn.command(["PING"])).rejects.toMatchObject({ code: "ETIMEDOUT" });
  });

  it("rejects pending commands with ECLOSED when the server hangs up", async () => {
    const port = await serve((_data, socket) => socket.end());
    const conn = await connectResp({ host: "127.0.0.1", port });
    await expect(conn.command(["SHUTDOWN"])).rejects.toMatchObject({ code: "ECLOSED" });
  });

  it("reports connection failures with the socket's code", async () => {
    await expect(connectResp({ path: "/nonexistent/redis.sock" })).rejects.toMatchObject({ code: "ENOENT" });
    const port = await serve(() => {});
    await new Promise((resolve) => servers.pop()?.close(resolve));
    await expect(connectResp({ host: "127.0.0.1", port })).rejects.toMatchObject({ code: "ECONNREFUSED" });
  });
});
