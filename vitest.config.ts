import { defineConfig } from "vitest/config";

// Unit tests sit beside the code; integration and end-to-end tests under test/ start real
// processes (nats-server, PostgreSQL, the services), so they get long timeouts and run in forks.
export default defineConfig({
  test: {
    include: ["services/**/*.test.ts", "agent/**/*.test.ts", "cli/**/*.test.ts", "test/**/*.test.ts"],
    exclude: ["node_modules", "dist", "gen"],
    pool: "forks",
    testTimeout: 120_000,
    hookTimeout: 180_000,
  },
});
