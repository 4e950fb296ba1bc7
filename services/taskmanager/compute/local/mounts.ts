// What is mounted where, from /proc/self/mounts (the kernel's view, not a possibly stale /etc/mtab).

import { readFile } from "node:fs/promises";

export interface MountEntry {
  source: string;
  target: string;
  fsType: string;
}

/** All mounts of this process's mount namespace. */
export async function readMounts(): Promise<MountEntry[]> {
  const text = await readFile("/proc/self/mounts", "utf8");
  const entries: MountEntry[] = [];
  for (const line of text.split("\n")) {
    const [source, target, fsType] = line.split(" ");
    if (source === undefined || target === undefined || fsType === undefined) continue;
    entries.push({ source: unescapeMountField(source), target: unescapeMountField(target), fsType });
  }
  return entries;
}

/** The mount at exactly `target` (the last one, when several are stacked), if any. */
export async function findMount(target: string): Promise<MountEntry | undefined> {
  return (await readMounts()).filter((m) => m.target === target).at(-1);
}

/** Mounts at or below `dir`, deepest first, so they can be unmounted in that order. */
export async function mountsUnder(dir: string): Promise<MountEntry[]> {
  const below = (await readMounts()).filter((m) => m.target === dir || m.target.startsWith(`${dir}/`));
  return below.sort((a, b) => b.target.length - a.target.length);
}

/** The kernel writes space, tab, newline and backslash in mount fields as octal escapes. */
function unescapeMountField(field: string): string {
  return field.replace(/\\([0-7]{3})/g, (_, octal: string) => String.fromCharCode(parseInt(octal, 8)));
}
