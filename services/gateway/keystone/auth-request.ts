// Reads the body of POST /v3/auth/tokens: the identity (password of a user named by id, or by
// name in a domain; or a token to rescope) and the project scope. Malformed bodies are 400s, as
// Keystone's schema validation answers; names outside the one "Default" domain cannot log in (401).
import type { ProjectRef, UserRef } from "../identity/user-tokens.js";
import { isDefaultDomain, KeystoneError } from "./json.js";

export type AuthIdentity = { method: "password"; user: UserRef; password: string } | { method: "token"; token: string };

export interface AuthRequest {
  identity: AuthIdentity;
  /** undefined: unscoped (the user's only project is used, if it has exactly one). */
  scope: ProjectRef | undefined;
}

type Json = Record<string, unknown>;

function object(value: unknown, where: string): Json {
  if (typeof value !== "object" || value === null || Array.isArray(value)) throw new KeystoneError(400, `Expecting to find ${where} in the request body; it must be an object.`);
  return value as Json;
}

function optionalObject(value: unknown, where: string): Json | undefined {
  return value === undefined || value === null ? undefined : object(value, where);
}

function text(value: unknown, where: string): string | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== "string" || value === "" || value.length > 1024) throw new KeystoneError(400, `Invalid input for field '${where}': a non-empty string is expected.`);
  return value;
}

/** The refusal for a user or project named in a domain Hoard does not have. */
const notHere = "The request you have made requires authentication.";

/** A user or project named by id, or by name in a domain (which must be the default one). */
function reference(entity: Json, kind: "user" | "project", where: string): UserRef & ProjectRef {
  const id = text(entity.id, `${where}.id`);
  if (id !== undefined) return { id };
  const name = text(entity.name, `${where}.name`);
  if (name === undefined) throw new KeystoneError(400, `Expecting to find id or name in ${kind}.`);
  const domain = optionalObject(entity.domain, `${where}.domain`);
  if (!domain) throw new KeystoneError(400, `Expecting to find domain in ${kind}.`);
  if (!isDefaultDomain(domain)) throw new KeystoneError(401, notHere);
  return { name };
}

function identityOf(identity: Json): AuthIdentity {
  const methods = identity.methods;
  if (!Array.isArray(methods) || methods.length === 0 || !methods.every((m) => typeof m === "string")) {
    throw new KeystoneError(400, "Invalid input for field 'identity.methods': a non-empty list of method names is expected.");
  }
  if (methods.includes("password")) {
    const password = object(identity.password, "password in identity");
    const user = object(password.user, "user in password");
    const secret = user.password;
    if (typeof secret !== "string" || secret.length > 4096) throw new KeystoneError(400, "Invalid input for field 'identity.password.user.password': a string is expected.");
    return { method: "password", user: reference(user, "user", "identity.password.user"), password: secret };
  }
  if (methods.includes("token")) {
    const token = object(identity.token, "token in identity");
    const id = text(token.id, "identity.token.id");
    if (id === undefined) throw new KeystoneError(400, "Expecting to find id in token.");
    return { method: "token", token: id };
  }
  throw new KeystoneError(401, `Unsupported authentication method: ${methods.join(", ").slice(0, 64)}. Hoard accepts password and token.`);
}

function scopeOf(scope: unknown): ProjectRef | undefined {
  if (scope === undefined || scope === null) return undefined;
  if (scope === "unscoped") throw new KeystoneError(401, "Hoard issues project-scoped tokens only; name a project.");
  const s = object(scope, "scope");
  if (s.project === undefined) throw new KeystoneError(401, "Hoard issues project-scoped tokens only (no domain or system scope); name a project.");
  return reference(object(s.project, "project in scope"), "project", "scope.project");
}

/** Parses the JSON body; throws KeystoneError. */
export function parseAuthRequest(body: unknown): AuthRequest {
  const auth = object(object(body, "auth").auth, "auth");
  return { identity: identityOf(object(auth.identity, "identity in auth")), scope: scopeOf(auth.scope) };
}
