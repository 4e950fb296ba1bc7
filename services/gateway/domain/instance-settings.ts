// Allowed CIDRs as the API takes them: each one checked (services/platform/cidr.ts), duplicates
// refused, so what is stored is exactly what every engine enforces.
import { checkCidr } from "../../platform/cidr.js";
import { InvalidArgumentError } from "../../platform/errors.js";

export function checkedCidrs(field: string, cidrs: string[]): string[] {
  const seen = new Set<string>();
  cidrs.forEach((cidr, i) => {
    const problem = checkCidr(cidr);
    if (problem) throw new InvalidArgumentError(`${field}[${i}]`, problem);
    if (seen.has(cidr)) throw new InvalidArgumentError(`${field}[${i}]`, `"${cidr}" is listed twice`);
    seen.add(cidr);
  });
  return [...cidrs];
}
