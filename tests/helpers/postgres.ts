/**
 * A real PostgreSQL for tests: the machine's cluster (started if it is down), a superuser role for
 * the current OS user (peer auth over the unix socket, no password), and a throwaway database.
 */
import { execFileSync, spawnSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { existsSync } from "node:fs";
import { userInfo } from "node:os";

export interface TestDatabase {
  url: string;
  name: string;
  drop(): void;
}

const SOCKET = "/var/run/postgresql";

function asPostgres(sql: string): string {
  return execFileSync("su", ["postgres", "-c", `psql -v ON_ERROR_STOP=1 -tAc "${sql}"`], { encoding: "utf8" }).trim();
}

export function ensurePostgres(): void {
  if (!existsSync("/usr/bin/pg_lsclusters")) {
    throw new Error("PostgreSQL is not installed: `apt-get install postgresql` (npm test's setup does it as root).");
  }
  const clusters = execFileSync("pg_lsclusters", ["-h"], { encoding: "utf8" }).trim().split("\n").filter(Boolean);
  if (!clusters.length) throw new Error("PostgreSQL has no cluster: `pg_createcluster 15 main`.");
  const [version, name, , status] = clusters[0]!.split(/\s+/);
  if (status !== "online") {
    const r = spawnSync("pg_ctlcluster", [version!, name!, "start"], { encoding: "utf8" });
    if (r.status !== 0) throw new Error(`Could not start PostgreSQL ${version}/${name}: ${r.stderr}`);
  }
  const me = userInfo().username;
  if (asPostgres(`SELECT 1 FROM pg_roles WHERE rolname = '${me}'`) !== "1") asPostgres(`CREATE ROLE \\"${me}\\" SUPERUSER LOGIN`);
}

export function createTestDatabase(): TestDatabase {
  ensurePostgres();
  const name = `codeact_test_${randomBytes(5).toString("hex")}`;
  execFileSync("createdb", ["-h", SOCKET, name]);
  return {
    name,
    url: `postgresql://${encodeURIComponent(userInfo().username)}@localhost/${name}?host=${encodeURIComponent(SOCKET)}`,
    drop: () => void spawnSync("dropdb", ["-h", SOCKET, "--if-exists", "--force", name]),
  };
}
