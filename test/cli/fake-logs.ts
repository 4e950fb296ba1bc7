// The fake gateway's instance logs: per instance, an always-on "error" log holding three lines and the
// optional "general" and "slow" logs, empty and off. A cursor is the byte offset read up to; tests
// append text to see `log tail --follow` print it.
import { create } from "@bufbuild/protobuf";
import { Code, ConnectError } from "@connectrpc/connect";
import { InstanceLogSchema, type InstanceLog } from "../../gen/proto/hoard/v1/instance_pb.js";

/** The error log's text when an instance is created. */
export const initialErrorLog = "2025-03-01 10:00:00 LOG: starting\n2025-03-01 10:00:01 LOG: listening\n2025-03-01 10:00:02 LOG: ready\n";

interface Log {
  meta: InstanceLog;
  text: string;
}

/** One instance's logs. */
export class FakeLogs {
  private readonly logs: Log[] = [
    { meta: create(InstanceLogSchema, { name: "error", type: "SYS", enabled: true, description: "server errors and start-up" }), text: initialErrorLog },
    { meta: create(InstanceLogSchema, { name: "general", type: "USER", description: "every statement" }), text: "" },
    { meta: create(InstanceLogSchema, { name: "slow", type: "USER", description: "slow statements" }), text: "" },
  ];

  list(): InstanceLog[] {
    return this.logs.map((l) => ({ ...l.meta, sizeBytes: BigInt(Buffer.byteLength(l.text)) }));
  }

  set(name: string, enabled: boolean): InstanceLog {
    const log = this.find(name);
    if (log.meta.type === "SYS") throw new ConnectError(`log "${name}" is always on`, Code.FailedPrecondition);
    log.meta.enabled = enabled;
    return { ...log.meta, sizeBytes: BigInt(Buffer.byteLength(log.text)) };
  }

  /** The last `lines` lines (50 when 0) without a cursor; what follows the cursor with one. */
  read(name: string, lines: number, cursor: string): { text: string; cursor: string } {
    const log = this.find(name);
    const end = String(log.text.length);
    if (cursor !== "") {
      if (!/^\d+$/.test(cursor)) throw new ConnectError("cursor: not one this server issued", Code.InvalidArgument);
      return { text: log.text.slice(Number(cursor)), cursor: end };
    }
    const all = log.text.split(/(?<=\n)/).filter((l) => l !== "");
    return { text: all.slice(-(lines || 50)).join(""), cursor: end };
  }

  append(name: string, text: string): void {
    this.find(name).text += text;
  }

  private find(name: string): Log {
    const log = this.logs.find((l) => l.meta.name === name);
    if (log === undefined) throw new ConnectError(`log "${name}" not found`, Code.NotFound);
    return log;
  }
}
