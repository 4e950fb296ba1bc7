// Gives each instance its own address: a distinct loopback address on the engine's standard port,
// or the host address with a port from a range. "Taken" means recorded in another instance's
// instance.json or already listening; one mutex makes concurrent allocations in this process safe.

import { AddressExhaustedError } from "./errors.js";
import { standardPort } from "./engine-ports.js";
import { formatIpv4 } from "./ipv4.js";
import { createMutex } from "./mutex.js";
import type { ResolvedOptions } from "./options.js";
import { canBind } from "./port-probe.js";

export interface Address {
  host: string;
  port: number;
}

/** Addresses recorded by the other instances of this provider. */
export type TakenAddresses = () => Promise<Address[]>;

export interface AddressAllocator {
  /**
   * Picks a free address for `engine` and hands it to `commit` (which records it, e.g. by writing
   * instance.json) while still holding the lock, so no concurrent call can pick the same one.
   */
  allocate<T>(engine: string, commit: (address: Address) => Promise<T>): Promise<T>;
}

/** Loopback addresses tried before giving up: a /16 worth, more instances than a host can run. */
const MAX_LOOPBACK_CANDIDATES = 65_536;

/** Creates the allocator for the provider's address mode. */
export function createAddressAllocator(options: ResolvedOptions, taken: TakenAddresses): AddressAllocator {
  const mutex = createMutex();
  return {
    allocate<T>(engine: string, commit: (address: Address) => Promise<T>): Promise<T> {
      return mutex.runExclusive(async () => {
        const others = await taken();
        const address =
          options.addressMode === "loopback"
            ? await pickLoopback(options.loopbackBase, standardPort(engine), others)
            : await pickHostPort(options.hostAddress, options.portRange, others);
        return commit(address);
      });
    },
  };
}

async function pickLoopback(base: number, port: number, others: Address[]): Promise<Address> {
  const used = new Set(others.map((a) => a.host));
  const limit = Math.min(base + MAX_LOOPBACK_CANDIDATES, 0x7fffffff);
  for (let candidate = base + 1; candidate < limit; candidate++) {
    const lastOctet = candidate & 255;
    if (lastOctet === 0 || lastOctet === 255) continue;
    const host = formatIpv4(candidate);
    if (used.has(host)) continue;
    if (await canBind(host, port)) return { host, port };
  }
  throw new AddressExhaustedError(`no free loopback address after ${formatIpv4(base)} for port ${port}`);
}

async function pickHostPort(host: string, [start, end]: readonly [number, number], others: Address[]): Promise<Address> {
  // Any other instance's port counts, whatever its host: a wildcard listener clashes with every address.
  const used = new Set(others.map((a) => a.port));
  for (let port = start; port <= end; port++) {
    if (used.has(port)) continue;
    if (await canBind(host, port)) return { host, port };
  }
  throw new AddressExhaustedError(`no free port on ${host} in ${start}-${end}`);
}
