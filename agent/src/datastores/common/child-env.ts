// The environment the agent gives every engine process it starts: nothing of its own (no secrets,
// no PG*/MYSQL_*/REDIS* variables that would redirect a tool), just a search path and a UTF-8 locale.
// Engines add what their tools need on top (a longer PATH, MYSQL_HISTFILE).

/** Base environment of every child process; spread it into spawn's `env`, never pass process.env. */
export const CHILD_ENV: Readonly<Record<string, string>> = Object.freeze({
  PATH: "/usr/local/bin:/usr/bin:/bin",
  LANG: "C.UTF-8",
});
