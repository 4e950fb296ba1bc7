import { describe, expect, it } from "vitest";
import { checkCidr } from "./cidr.js";

describe("checkCidr", () => {
  it.each(["10.0.0.0/8", "0.0.0.0/0", "127.0.0.1/32", "192.168.1.0/24", "2001:db8::/32", "::/0", "::1/128", "fe80::/10"])("accepts %s", (cidr) => {
    expect(checkCidr(cidr)).toBeUndefined();
  });

  it.each([
    ["10.0.0.0", "not a CIDR"],
    ["10.0.0.1/8", "host bits set; the network is 10.0.0.0/8"],
    ["10.0.0.0/33", "prefix length between 0 and 32"],
    ["10.0.0.0/-1", "prefix length"],
    ["300.0.0.0/8", "not an IPv4 or IPv6 address"],
    ["2001:db8::1/32", "host bits set; the network is 2001:db8:0:0:0:0:0:0/32"],
    ["2001:db8::/129", "between 0 and 128"],
    ["::ffff:10.0.0.0/104", "embedded IPv4"],
    ["abc/8", "not an IPv4 or IPv6 address"],
  ])("rejects %s", (cidr, problem) => {
    expect(checkCidr(cidr)).toContain(problem);
  });
});
