// Trove writes times as UTC without a zone suffix or fractions: "2026-11-25T22:40:00".
import { timestampDate, type Timestamp } from "@bufbuild/protobuf/wkt";

export function troveTime(ts: Timestamp | undefined): string | undefined {
  return ts ? timestampDate(ts).toISOString().slice(0, 19) : undefined;
}
