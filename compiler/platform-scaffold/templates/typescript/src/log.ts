// Structured logs: one JSON object per line on stdout, which the cluster ships to the
// org's log aggregator.

export type Fields = Record<string, string | number | boolean>;

export function log(level: "info" | "warn" | "error", msg: string, fields: Fields = {}): void {
  process.stdout.write(JSON.stringify({ time: new Date().toISOString(), level, msg, ...fields }) + "\n");
}
