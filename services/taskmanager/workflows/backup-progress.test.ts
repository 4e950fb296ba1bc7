// The backup workflow's progress poller against a GuestAgentService served in process by connect:
// it records what a running backup reports, skips what does not change and what is not running,
// shrugs off failed polls, and after stop() never writes again.
import { createClient, createRouterTransport, ConnectError, Code } from "@connectrpc/connect";
import { setTimeout as sleep } from "node:timers/promises";
import { describe, expect, it } from "vitest";
import type { MessageInitShape } from "@bufbuild/protobuf";
import { GetBackupProgressResponseSchema, GuestAgentService } from "../../../gen/proto/hoard/guestagent/v1/guestagent_pb.js";
import { createLogger } from "../../platform/logger.js";
import type { BackupChange } from "../store/tasks.js";
import { pollBackupProgress } from "./backup-progress.js";

type Answer = MessageInitShape<typeof GetBackupProgressResponseSchema> | Error;

/** An agent answering GetBackupProgress from `answers` in turn (the last one for good). */
function agentAnswering(answers: Answer[]) {
  let asked = 0;
  const transport = createRouterTransport(({ service }) => {
    service(GuestAgentService, {
      getBackupProgress(req) {
        expect(req.backupId).toBe("bk-1");
        const answer = answers[Math.min(asked++, answers.length - 1)] ?? { running: false };
        if (answer instanceof Error) throw answer;
        return answer;
      },
    });
  });
  return { agent: createClient(GuestAgentService, transport), asked: () => asked };
}

const logger = createLogger("test", "silent");

describe("pollBackupProgress", () => {
  it("records each new report of a running backup, not repeats or a finished one; survives failed polls", async () => {
    const { agent, asked } = agentAnswering([
      new ConnectError("no responders", Code.Unavailable),
      { running: true, bytesDone: 10n },
      { running: true, bytesDone: 10n, estimatedTotalBytes: 100n },
      { running: true, bytesDone: 60n, estimatedTotalBytes: 100n },
      { running: false },
    ]);
    const records: BackupChange[] = [];
    const poller = pollBackupProgress({ agent, backupId: "bk-1", intervalMs: 5, record: async (c) => void records.push(c), logger });
    while (asked() < 7) await sleep(5);
    await poller.stop();
    expect(records.map((r) => [r.progressBytes, r.progressTotalBytes])).toEqual([
      [10n, null],
      [60n, 100n],
    ]);
  });

  it("a failing write is skipped; after stop() nothing more is asked or written", async () => {
    const { agent, asked } = agentAnswering([{ running: true, bytesDone: 1n }, { running: true, bytesDone: 2n }, { running: true, bytesDone: 3n }]);
    let writes = 0;
    const poller = pollBackupProgress({
      agent,
      backupId: "bk-1",
      intervalMs: 5,
      record: async () => {
        writes++;
        if (writes === 1) throw new Error("database is locked");
      },
      logger,
    });
    while (writes < 3) await sleep(5);
    await poller.stop();
    const [askedAtStop, writesAtStop] = [asked(), writes];
    await sleep(50);
    expect([asked(), writes]).toEqual([askedAtStop, writesAtStop]);
  });
});
