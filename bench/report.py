"""Turns bench/run.sh's results.tsv into BENCHMARKS.md: every figure with the
command that produced it, then the ratios of the targets."""

import platform
import subprocess
import sys
from datetime import datetime, timezone

results_path, seconds, connections = sys.argv[1], sys.argv[2], sys.argv[3]
rows = [line.rstrip("\n").split("\t") for line in open(results_path) if line.strip()]
value = {r[0]: r[1] for r in rows}


def num(name):
    try:
        return float(value[name].split()[0])
    except (KeyError, ValueError, IndexError):
        return None


def ratio(a, b):
    x, y = num(a), num(b)
    return f"{x / y:.2f}x" if x and y else "n/a"


def p99(name):
    for r in rows:
        if r[0] == name and len(r) > 3 and r[3]:
            return float(r[3])
    return None


def p50(name):
    for r in rows:
        if r[0] == name and len(r) > 2 and r[2]:
            return float(r[2])
    return None


cpu = subprocess.run(["sh", "-c", "lscpu | sed -n 's/^Model name: *//p'"], capture_output=True, text=True).stdout.strip()
print("# Benchmarks\n")
print(f"Run of `bench/run.sh` on {datetime.now(timezone.utc):%Y-%m-%d %H:%M} UTC, {platform.machine()}, "
      f"{cpu or 'unknown CPU'}, 2 cores shared by servers and load; {connections} connections, {seconds} s per figure, "
      "all on loopback. Absolute figures drift on this shared machine; the ratios are taken within one run.\n")
print("## Figures\n")
print("| what | req/s | p50 ms | p99 ms | errors | command |")
print("|---|---:|---:|---:|---:|---|")
for r in rows:
    r += [""] * (6 - len(r))
    print(f"| {r[0]} | {r[1]} | {r[2]} | {r[3]} | {r[4]} | `{r[5]}` |")

print("\n## Targets\n")
print("| target | measured |")
print("|---|---|")
apache, apache_fresh = "Apache mod_auth_digest: ping, nonce reused (MD5)", "Apache mod_auth_digest: ping, fresh challenge (MD5)"
sizes = sorted({r[0].split(" accounts:")[0].split(", ")[-1] for r in rows if " accounts:" in r[0]}, key=int)
for size in sizes:
    for backend in ["SQLite", "PostgreSQL"]:
        label = f"{backend}, {size} accounts:"
        print(f"| REST ping, nonce reused, {backend}, {size} accounts ≥ 1.0× Apache | {ratio(label + ' REST ping, nonce reused (MD5)', apache)} |")
        print(f"| REST ping, fresh challenge, {backend}, {size} accounts ≥ 1.0× Apache | {ratio(label + ' REST ping, fresh challenge (MD5)', apache_fresh)} |")
        rest, grpc = p99(label + " REST ping at half load"), p99(label + " gRPC VerifyDigest at half load")
        print(f"| p99 at half load, {backend}, {size} accounts: REST ≤ 2 ms, gRPC ≤ 1 ms | REST {rest} ms, gRPC {grpc} ms |")
        print(f"| API key costs no more than Digest on a known nonce, {backend}, {size} accounts | "
              f"{ratio(label + ' REST ping, API key', label + ' REST ping, nonce reused (MD5)')} of its rate |")
    pg = f"PostgreSQL, {size} accounts:"
    print(f"| VerifyDigest on PostgreSQL ≥ 2× pgbench soci + nonce CAS ({size} accounts) | "
          f"{ratio(pg + ' gRPC VerifyDigest', f'pgbench, {size} accounts: soci query + nonce compare-and-set')} |")
    print(f"| GetCredentials ≥ 1.0× pgbench soci query ({size} accounts) | "
          f"{ratio(pg + ' gRPC GetCredentials', f'pgbench, {size} accounts: soci query')} |")
if len(sizes) >= 2:
    small, large = sizes[0], sizes[-1]
    for backend in ["SQLite", "PostgreSQL"]:
        a, b = p99(f"{backend}, {small} accounts: REST ping at half load"), p99(f"{backend}, {large} accounts: REST ping at half load")
        growth = f"{b / a:.2f}x" if a and b else "n/a"
        print(f"| {backend}: p99 at {large} accounts ≤ 1.2× at {small} | {growth} |")
        print(f"| {backend}: core RSS at {large} accounts ≤ 64 MiB | {value.get(f'{backend}, {large} accounts: core RSS', 'n/a')} |")

if len(sizes) > 1:
    small, large = sizes[0], sizes[-1]
    for backend in ["SQLite", "PostgreSQL"]:
        for what in ["REST accounts, first page (API key)", "REST accounts, prefix search (API key)"]:
            a, b = p50(f"{backend}, {small} accounts: {what}"), p50(f"{backend}, {large} accounts: {what}")
            measured = f"{b / a:.2f}x ({a} ms, {b} ms)" if a and b else "n/a"
            print(f"| {what.split(' (')[0]}, {backend}: p50 at {large} ≤ 1.5× at {small} accounts | {measured} |")
print(f"| HTTP ceiling (nginx, static) | {value.get('nginx: static pong (no authentication)', 'n/a')} req/s |")

print("""
## How the hot path is built, and why

- **A check on a known nonce is one statement.** The core keeps active accounts and their HA1s
  in memory (`--account-cache-entries`), each copy tagged with the `account_epoch` it was read
  at; triggers move that counter on any change to `accounts` or `passwords`, whoever makes it.
  `VerifyDigest` checks the answer in memory (fields, response in constant time), then accepts
  it with one conditional `UPDATE nonces SET nc = $new WHERE nonce, account, opaque match AND
  nc < $new AND expires_at > now AND account_epoch unchanged`. That statement is the only
  arbiter between replicas (PostgreSQL re-checks it on the locked row; SQLite has one writer),
  and a stale copy of an account makes it refuse, never accept. Any refusal is judged again on
  fresh reads, in the contract's order, so the reason is exact and a wrong password never
  burns a client's `nc`. `GetCredentials` answers from memory while a background read of the
  epoch (every 100 ms) is under 250 ms old.
- **Nonces are not account data.** Losing them in a crash only makes clients take a new
  challenge. On PostgreSQL the `nonces` table is `UNLOGGED` (its commits wait for no WAL
  flush); on SQLite they live in `<file>-nonces` (WAL, `synchronous=OFF`, replaced if a machine
  crash damaged it). Accounts and passwords keep full durability (logged tables;
  `synchronous=FULL`).
- **SQLite nonce statements run inline.** sqlx runs each SQLite connection on a thread of its
  own, and a profile showed the core spending more CPU switching threads than running SQL. The
  nonce statements now run on the request's thread through one rusqlite connection (same
  SQLite library) under a mutex: microseconds, no hand-off.
- **PostgreSQL nonce statements are grouped.** Concurrent callers queue their rows; whenever a
  statement slot is free, everything queued goes into one `INSERT … SELECT FROM unnest` or
  `UPDATE … FROM unnest`, each row with its own conditions. An idle core sends each row alone,
  at once. Those statements keep cached plans on connections where the planner can only choose
  keyed index lookups (sequential scans, hash and merge joins, JIT off), because a generic plan
  made while the table was empty would otherwise stay a sequential scan as it grows; account
  queries use custom plans for the same reason.
- **Threads.** In the REST figures each server has one worker thread (`FLEXIAPI_WORKER_THREADS=1`,
  what a pod with a 1-CPU limit gets): the load tool, the gateway, the core and the database
  share 2 cores, and a second worker per server only added cross-thread wake-ups. In the gRPC
  figures the core runs alone with tokio's default (both cores), as Flexisip calls it.
- **A request by API key is one read.** The key's SHA-256 and its owner come back from one
  joined statement through the unique index on the fingerprint; on SQLite it runs inline on the
  nonce file's connection (the accounts database is attached), on PostgreSQL on connections of
  its own with cached keyed plans (on the account connections, planned afresh each time, it ran
  at 0.45x the Digest check). The use is recorded at most once a minute per key, so a busy key
  costs no write.
- **The account list costs the same at any size.** Page by primary key (or by `(domain, id)`),
  the total from each space's `accounts_count` (kept by triggers, a statement-level one on
  PostgreSQL so a bulk insert updates each space once), and `search` as a byte range of the
  username and email indexes (`COLLATE "C"` on PostgreSQL), counted over the matches only. The
  core's gRPC sockets set TCP_NODELAY: a page of accounts is written in more than one piece, and
  without it each such answer waited 40 ms for the gateway's delayed ACK.
- **MariaDB nonces are in a MEMORY table.** What one autocommit nonce `UPDATE` costs in each
  engine MariaDB offers (`bench/mariadb-nonce-engines.sh`: 5,000 in a stored procedure, so no
  client round trip counts; MariaDB 10.11.19 on this machine, `innodb_flush_log_at_trx_commit=1`):
  InnoDB 0.237 ms each, Aria with `TRANSACTIONAL=0` 0.020 ms, MEMORY 0.012 ms. InnoDB waits
  for a redo-log flush at every commit, and the setting that would lift it is global (it would
  weaken the accounts' durability too, and an application may not change it for one table).
  Aria is MariaDB-only; MEMORY exists in MySQL 8 as well, locks the table per statement (the
  `nc` compare-and-set stays atomic for every replica on that server), and loses its rows on a
  server restart, which costs clients only a new challenge, as PostgreSQL's UNLOGGED table
  after a crash. The core sizes it at 1 GiB at each start (a restart rebuilds it at the
  server's 16 MiB default, about 67,000 nonces).
- **pgbench's naive baseline** writes its nonce compare-and-set to an ordinary, logged table
  (`durable_nonces`): the naive design keeps nonces durably.

What the figures include: the load tool, the gateway, the core and the database all share the
same 2 cores, so every figure here is a whole-system figure; Apache and nginx run alone with the
load tool.

## Part 2 and the Digest hot path: before and after

`bench/before-after.sh /tmp/before-target/release` (the build before part 2, f5a8488, against
this one, each on its own SQLite file, alternated 3 times, 8 s per figure, the defaults a user
gets), medians:

| figure | before | after | ratio |
|---|---:|---:|---:|
| 16 connections, nonce reused | 8,891 req/s | 9,803 req/s | 1.10x |
| 32 connections, nonce reused | 9,621 req/s | 9,546 req/s | 0.99x |
| 16 connections, fresh challenge | 4,279 req/s | 3,755 req/s | 0.88x |
| 32 connections, fresh challenge | 4,624 req/s | 4,286 req/s | 0.93x |

The reused-nonce path holds. The fresh-challenge path (two gRPC calls per request) lost
7-12 %: `bench/cpu-per-request.sh fresh` puts it in the core, 141 µs of CPU per exchange
without TCP_NODELAY on its gRPC sockets and 152-153 µs with it (same build, toggled, alternated
twice), the gateway a few µs more too: each answer now leaves in more, smaller segments. Without
TCP_NODELAY, any answer written in more than one piece (a page of accounts) waited 40 ms for
the gateway's delayed ACK, so it stays on. Recovering the 11 µs means writing each gRPC answer
in one segment (coalescing hyper's HTTP/2 flushes), not turning the option off.

## Moving in from FlexiAPI: import speed

`bench/import.sh` (2026-12-02, this machine, 2 cores shared by MariaDB, the target database
and the importer): a FlexiAPI 2026 database generated in the local MariaDB 10.11, 1,000,008
accounts with an MD5 and a SHA-256 HA1 each (2,000,016 password rows), imported by the
release build of `core-service import flexiapi` with its defaults (1,000 accounts a
transaction) into a new database of each backend:

| target | time | accounts/s | target ≥ 20,000/s |
|---|---:|---:|---|
| SQLite | 21.8 s | 45,948 | yes |
| PostgreSQL 15 | 40.1 s | 24,907 | yes |
| MariaDB 10.11 | 82.8 s | 12,084 | (no target) |

How it got there (100,000 accounts, same machine): the first version ran at 5,100/s into
SQLite and 8,800/s into PostgreSQL. On SQLite, 83 % of the CPU was in
`sqlite3_bind_parameter_name`: sqlx looks every `$n` of a statement up by name, and SQLite's
lookup is linear, so a 10,000-parameter insert cost O(n²); the bulk statements use `?` there
(31,000/s). On PostgreSQL, each column is bound as one array (`unnest`, `= ANY`) instead of a
VALUES list of 6,000 parameters, and the import transactions plan as usual
(`plan_cache_mode=auto`): the account connections force custom plans, which the foreign-key
check of every password row paid by planning its lookup afresh (10.0 s to 5.0 s). They also
commit without waiting for the WAL flush (5.0 s to 4.5 s), and the import ends with one
synchronous commit, so when it reports success every batch is on disk; a crash before that
loses whole batches only, which a second run copies. Folding the existence checks into the
insert (`NOT EXISTS`, `RETURNING`) made it slower (7.0 s): the planner hashed whole tables.
Reading the next batch from FlexiAPI while writing the current one gained nothing measurable
(the database, not the importer, is the bottleneck: 0.6 s of the importer's CPU for 100,000
accounts). MariaDB, which has no array binding and row-level triggers (the epoch and the space
counter move once per row), is left at 12,000/s.
""")

