// Shared by the Trove API tests: a project with member and reader tokens on a stack, and a
// fetch-based caller of the Trove surface as python-troveclient calls it (X-Auth-Token).
import type { Stack } from "./harness.js";

export interface TroveProject {
  id: string;
  member: string;
  reader: string;
}

/** Creates project `name` with a member token and a reader token. */
export async function createTroveProject(stack: Stack, name: string): Promise<TroveProject> {
  const project = JSON.parse((await stack.manage(["project", "create", name, "-f", "json"])).stdout) as { id: string };
  const token = async (roles: string) =>
    (JSON.parse((await stack.manage(["token", "create", name, "--name", roles, "--roles", roles, "-f", "json"])).stdout) as { secret: string }).secret;
  return { id: project.id, member: await token("member"), reader: await token("reader") };
}

/** The id of the stack's bootstrap "admin" project. */
export async function adminProjectId(stack: Stack): Promise<string> {
  const projects = JSON.parse((await stack.manage(["project", "list", "-f", "json"])).stdout) as { id: string; name: string }[];
  return projects.find((p) => p.name === "admin")?.id ?? "";
}

export interface TroveAnswer {
  status: number;
  json: Record<string, unknown> | undefined;
}

/** One Trove call: `path` is absolute ("/v1.0/<project>/instances") and the token goes in X-Auth-Token. */
export async function trove(stack: Stack, method: string, path: string, token?: string, body?: unknown): Promise<TroveAnswer> {
  const headers: Record<string, string> = { accept: "application/json" };
  if (token !== undefined) headers["x-auth-token"] = token;
  if (body !== undefined) headers["content-type"] = "application/json";
  const res = await fetch(`${stack.url}${path}`, { method, headers, body: body === undefined ? undefined : typeof body === "string" ? body : JSON.stringify(body) });
  const text = await res.text();
  return { status: res.status, json: text === "" ? undefined : (JSON.parse(text) as Record<string, unknown>) };
}

/** The fault body's single key and its code, e.g. ["itemNotFound", 404]. */
export function faultOf(answer: TroveAnswer): [string, number, string] {
  const [name, fault] = Object.entries(answer.json ?? {})[0] ?? ["", {}];
  const f = fault as { code?: number; message?: string };
  return [name, f.code ?? 0, f.message ?? ""];
}
