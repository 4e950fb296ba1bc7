// Allowed CIDRs as the API takes them: each one checked (services/platform/cidr.ts), duplicates
// refused, and what the instance's engine cannot enforce refused, so what is stored is exactly
// what the engine enforces.
import { checkCidr } from "../../platform/cidr.js";
import { InvalidArgumentError } from "../../platform/errors.js";

export function checkedCidrs(field: string, cidrs: string[], engine: string): string[] {
  const seen = new Set<string>();
  cidrs.forEach((cidr, i) => {
    const problem = checkCidr(cidr);
    if (problem) throw new InvalidArgumentError(`${field}[${i}]`, problem);
    // MariaDB enforces CIDRs as account hosts, and its host syntax has no IPv6 networks.
    if (engine === "mariadb" && cidr.includes(":")) {
      throw new InvalidArgumentError(`${field}[${i}]`, `"${cidr}": MariaDB account hosts cannot express IPv6 networks; give IPv4 CIDRs`);
    }
    if (seen.has(cidr)) throw new InvalidArgumentError(`${field}[${i}]`, `"${cidr}" is listed twice`);
    seen.add(cidr);
  });
  return [...cidrs];
}
