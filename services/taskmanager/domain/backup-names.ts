// Names of the backups a schedule takes: "auto-<instance>-<UTC yyyymmddThhmmss>", within the
// 64 characters a backup name may have (a long instance name is shortened).

const maxNameLength = 64;
const stampLength = "yyyymmddThhmmss".length;

/** The name of the scheduled backup of `instanceName` started at `at`. */
export function autoBackupName(instanceName: string, at: Date): string {
  const stamp = at.toISOString().replace(/[-:]/g, "").slice(0, stampLength);
  const room = maxNameLength - "auto-".length - 1 - stampLength;
  return `auto-${instanceName.slice(0, room)}-${stamp}`;
}
