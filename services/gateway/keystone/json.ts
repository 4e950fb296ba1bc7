// Keystone v3's JSON shapes, as keystoneauth and python-openstackclient read them: the one
// "Default" domain, token bodies, and error bodies ({"error": {"code", "title", "message"}}).
import type { TokenInfo } from "../identity/user-tokens.js";

/** Hoard has one identity domain, Keystone's default. */
export const defaultDomain = Object.freeze({ id: "default", name: "Default" });

/** Whether a domain reference (by id or name) means the default domain. */
export function isDefaultDomain(domain: { id?: unknown; name?: unknown }): boolean {
  const id = typeof domain.id === "string" ? domain.id : undefined;
  const name = typeof domain.name === "string" ? domain.name : undefined;
  if (id === undefined && name === undefined) return false;
  return (id === undefined || id === "default" || id === "Default") && (name === undefined || name === "Default" || name === "default");
}

/** Keystone writes times with microseconds: 2026-01-01T00:00:00.000000Z. */
export function keystoneTime(date: Date): string {
  return date.toISOString().replace(/Z$/, "000Z");
}

/** The token's audit id: 22 URL-safe base64 characters, as Keystone's, from the token row's id. */
export function auditId(tokenId: string): string {
  const hex = tokenId.replace(/-/g, "");
  return /^[0-9a-f]{32}$/i.test(hex) ? Buffer.from(hex, "hex").toString("base64url") : Buffer.from(tokenId).toString("base64url").slice(0, 22);
}

/** The body of POST and GET /v3/auth/tokens. */
export function tokenBody(info: TokenInfo, catalog: unknown[] | undefined) {
  return {
    token: {
      methods: info.methods,
      user: { domain: defaultDomain, id: info.user.id, name: info.user.name, password_expires_at: null },
      audit_ids: [auditId(info.tokenId)],
      expires_at: keystoneTime(info.expiresAt),
      issued_at: keystoneTime(info.issuedAt),
      project: { domain: defaultDomain, id: info.project.id, name: info.project.name },
      is_domain: false,
      roles: info.roles.map((r) => ({ id: r, name: r })),
      ...(catalog ? { catalog } : {}),
    },
  };
}

const titles: Record<number, string> = {
  400: "Bad Request",
  401: "Unauthorized",
  403: "Forbidden",
  404: "Not Found",
  405: "Method Not Allowed",
  413: "Request Entity Too Large",
  415: "Unsupported Media Type",
  500: "Internal Server Error",
};

/** Keystone's error body. */
export function errorBody(code: number, message: string) {
  return { error: { code, title: titles[code] ?? "Error", message } };
}

/** A refusal a handler throws; the router turns it into errorBody. */
export class KeystoneError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
    this.name = "KeystoneError";
  }
}
