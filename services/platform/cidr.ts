// CIDR notation ("10.0.0.0/8", "2001:db8::/32") checked the same way by the gateway and the agent,
// so what the API accepts is exactly what the engines are given.
import { isIP } from "node:net";

/** Why `cidr` is not a CIDR with its host bits clear, or undefined when it is one. */
export function checkCidr(cidr: string): string | undefined {
  const slash = cidr.indexOf("/");
  if (slash < 0) return `"${cidr}" is not a CIDR: expected address/prefix, e.g. 10.0.0.0/8`;
  const address = cidr.slice(0, slash);
  const prefixText = cidr.slice(slash + 1);
  const family = isIP(address) as 0 | 4 | 6;
  if (family === 0) return `"${address}" is not an IPv4 or IPv6 address`;
  const bits = family === 4 ? 32 : 128;
  if (!/^\d{1,3}$/.test(prefixText) || Number(prefixText) > bits) return `"${prefixText}" is not a prefix length between 0 and ${bits}`;
  if (family === 6 && address.includes(".")) return `"${address}": write IPv6 addresses without an embedded IPv4 part`;
  if (!hostBitsClear(address, family, Number(prefixText))) {
    return `"${cidr}" has host bits set; the network is ${networkOf(address, family, Number(prefixText))}/${prefixText}`;
  }
  return undefined;
}

function addressBits(address: string, family: 4 | 6): bigint {
  if (family === 4) return address.split(".").reduce((acc, part) => (acc << 8n) | BigInt(Number(part)), 0n);
  const [head = "", tail] = address.split("::");
  const headParts = head ? head.split(":") : [];
  const tailParts = tail ? tail.split(":") : [];
  const missing = 8 - headParts.length - tailParts.length;
  const parts = tail === undefined ? headParts : [...headParts, ...Array<string>(missing).fill("0"), ...tailParts];
  return parts.reduce((acc, part) => (acc << 16n) | BigInt(parseInt(part || "0", 16)), 0n);
}

function hostMask(family: 4 | 6, prefix: number): bigint {
  const bits = family === 4 ? 32 : 128;
  return (1n << BigInt(bits - prefix)) - 1n;
}

function hostBitsClear(address: string, family: 4 | 6, prefix: number): boolean {
  return (addressBits(address, family) & hostMask(family, prefix)) === 0n;
}

function networkOf(address: string, family: 4 | 6, prefix: number): string {
  const network = addressBits(address, family) & ~hostMask(family, prefix);
  if (family === 4) return [24n, 16n, 8n, 0n].map((shift) => String((network >> shift) & 255n)).join(".");
  const groups: string[] = [];
  for (let shift = 112n; shift >= 0n; shift -= 16n) groups.push(((network >> shift) & 0xffffn).toString(16));
  return groups.join(":");
}
