// The switches of the USER logs (slow, general) as the settings that turn them on or off. PostgreSQL
// writes both into its one server log, driven by log_min_duration_statement and log_statement,
// which a configuration group may set too. A switch left alone (undefined) follows the parameters;
// a switch set wins over them until a configuration changes that parameter (see adjustSwitches):
// whichever was asked for last is what the instance does.

/** The USER logs' switches; absent: follow the configuration's parameters (or the server default: off). */
export interface LogSwitches {
  slow?: boolean;
  general?: boolean;
}

/** The USER logs and the parameter each one turns on. */
export const SWITCHED_PARAMETER = { slow: "log_min_duration_statement", general: "log_statement" } as const;

/** Threshold of a slow log switched on without a configuration that sets one. */
export const DEFAULT_SLOW_MS = 1000;

/**
 * Settings that make the server do what the switches say: slow on keeps a threshold the parameters
 * set (>= 0) or uses DEFAULT_SLOW_MS; general on logs every statement; off turns each one off.
 */
export function switchSettings(switches: LogSwitches, parameters: Record<string, string>): Array<[string, string]> {
  const settings: Array<[string, string]> = [];
  if (switches.slow !== undefined) {
    const configured = thresholdMs(parameterValue(parameters, SWITCHED_PARAMETER.slow));
    const threshold = !switches.slow ? -1 : configured !== undefined && configured >= 0 ? configured : DEFAULT_SLOW_MS;
    settings.push([SWITCHED_PARAMETER.slow, String(threshold)]);
  }
  if (switches.general !== undefined) settings.push([SWITCHED_PARAMETER.general, switches.general ? "all" : "none"]);
  return settings;
}

/**
 * Whether each USER log is being written, given the settings hoard.conf holds: slow when
 * log_min_duration_statement is 0 or more, general when log_statement logs anything ('ddl', 'mod'
 * or 'all'; switching it on makes it 'all').
 */
export function logsEnabled(settings: ReadonlyArray<readonly [string, unknown]>): Required<LogSwitches> {
  const value = (name: string): string | undefined => {
    const found = settings.findLast(([key]) => key === name);
    return found === undefined ? undefined : String(found[1]);
  };
  const threshold = thresholdMs(value(SWITCHED_PARAMETER.slow));
  const statements = value(SWITCHED_PARAMETER.general)?.trim().toLowerCase();
  return { slow: threshold !== undefined && threshold >= 0, general: statements !== undefined && statements !== "none" };
}

/**
 * The switches after a configuration replaced `before` with `after`: a switch whose parameter the
 * configuration changed (set, changed or removed) gives way to it; the others stay. A resize, which
 * sends the same parameters again, leaves every switch as it was.
 */
export function adjustSwitches(switches: LogSwitches, before: Record<string, string> | undefined, after: Record<string, string>): LogSwitches {
  const adjusted: LogSwitches = { ...switches };
  for (const log of ["slow", "general"] as const) {
    const name = SWITCHED_PARAMETER[log];
    if (before === undefined || parameterValue(before, name) !== parameterValue(after, name)) delete adjusted[log];
  }
  return adjusted;
}

/** A parameter's value, its name matched case-insensitively as PostgreSQL does. */
function parameterValue(parameters: Record<string, string>, name: string): string | undefined {
  const found = Object.entries(parameters).findLast(([key]) => key.toLowerCase() === name);
  return found?.[1];
}

const UNIT_MS: Record<string, number> = { us: 0.001, ms: 1, s: 1000, min: 60_000, h: 3_600_000, d: 86_400_000 };

/** log_min_duration_statement in milliseconds ("250", "250ms", "1s", "-1"); undefined when unset or unreadable. */
function thresholdMs(value: string | undefined): number | undefined {
  const match = /^\s*(-?\d+(?:\.\d+)?)\s*(us|ms|s|min|h|d)?\s*$/.exec(value ?? "");
  if (!match) return undefined;
  const ms = Number(match[1]) * UNIT_MS[match[2] ?? "ms"]!;
  return ms < 0 ? -1 : Math.round(ms);
}
