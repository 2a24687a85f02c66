"""Turns bench/run.sh's results into BENCHMARKS.md (on stdout) and its chart.

Arguments: results.tsv (part 2 and 3: name, req/s, p50, p99, errors,
command), sweep.tsv (part 1: round, server, mode, connections, rate, req/s,
p50, p99, errors, command), seconds, connections (part 2), the chart's path
(SVG, written), and notes.md (the prose kept between runs, appended)."""

import os
import platform
import statistics
import subprocess
import sys
from datetime import datetime, timezone

results_path, sweep_path, seconds, connections, chart_path, notes_path = sys.argv[1:7]
rows = [line.rstrip("\n").split("\t") for line in open(results_path) if line.strip()]
sweep = [line.rstrip("\n").split("\t") for line in open(sweep_path) if line.strip()]
value = {r[0]: r[1] for r in rows}

SERVERS = [("apache", "Apache mod_auth_digest"), ("sqlite", "core on SQLite"),
           ("postgres", "core on PostgreSQL"), ("mysql", "core on MariaDB")]
NAMES = dict(SERVERS)
COLORS = {"apache": "#222222", "sqlite": "#1f77b4", "postgres": "#ff7f0e", "mysql": "#2ca02c"}


def figures(server, mode, conns):
    return [r for r in sweep if r[1] == server and r[2] == mode and int(r[3]) == conns]


def median(server, mode, conns, column=5):
    found = [float(r[column]) for r in figures(server, mode, conns)]
    return statistics.median(found) if found else None


def connection_counts(mode):
    return sorted({int(r[3]) for r in sweep if r[2] == mode})


def rounds():
    return len({r[0] for r in sweep if r[1] == "apache"})


def num(name):
    try:
        return float(value[name].split()[0])
    except (KeyError, ValueError, IndexError):
        return None


def ratio(a, b):
    x, y = num(a), num(b)
    return f"{x / y:.2f}x" if x and y else "n/a"


def column_of(name, index):
    for r in rows:
        if r[0] == name and len(r) > index and r[index]:
            return float(r[index])
    return None


def verdict(ok):
    return "met" if ok else "**missed**"


# --- the chart ----------------------------------------------------------------
def chart():
    counts = connection_counts("reused")
    if not counts:
        return
    width, height, left, right, top, bottom = 820, 440, 70, 230, 40, 50
    plot_w, plot_h = width - left - right, height - top - bottom
    peak = max(float(r[5]) for r in sweep if r[2] in ("reused", "fresh")) * 1.1
    x = {c: left + plot_w * i / max(len(counts) - 1, 1) for i, c in enumerate(counts)}

    def y(v):
        return top + plot_h * (1 - v / peak)

    out = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
           f'font-family="sans-serif" font-size="12">',
           f'<rect width="{width}" height="{height}" fill="white"/>',
           f'<text x="{left}" y="22" font-size="14" font-weight="bold">REST ping by Digest: requests/s '
           f'against connections (medians of {rounds()} rounds, defaults)</text>']
    step = 10 ** (len(str(int(peak))) - 1)
    while peak / step < 4:
        step /= 2
    tick = 0.0
    while tick <= peak:
        out.append(f'<line x1="{left}" x2="{left + plot_w}" y1="{y(tick):.1f}" y2="{y(tick):.1f}" stroke="#ddd"/>')
        out.append(f'<text x="{left - 6}" y="{y(tick) + 4:.1f}" text-anchor="end">{tick:,.0f}</text>')
        tick += step
    for c in counts:
        out.append(f'<text x="{x[c]:.1f}" y="{top + plot_h + 18}" text-anchor="middle">{c}</text>')
    out.append(f'<text x="{left + plot_w / 2}" y="{height - 8}" text-anchor="middle">connections</text>')
    legend_y = top + 10
    for server, name in SERVERS:
        for mode, dash, label in [("reused", "", "nonce reused"), ("fresh", ' stroke-dasharray="5,4"', "fresh challenge")]:
            points = [(x[c], y(m)) for c in connection_counts(mode) if c in x
                      for m in [median(server, mode, c)] if m is not None]
            if not points:
                continue
            path = " ".join(f"{px:.1f},{py:.1f}" for px, py in points)
            out.append(f'<polyline points="{path}" fill="none" stroke="{COLORS[server]}" stroke-width="2"{dash}/>')
            out.extend(f'<circle cx="{px:.1f}" cy="{py:.1f}" r="3" fill="{COLORS[server]}"/>' for px, py in points)
            out.append(f'<line x1="{width - right + 15}" x2="{width - right + 40}" y1="{legend_y}" y2="{legend_y}" '
                       f'stroke="{COLORS[server]}" stroke-width="2"{dash}/>')
            short = name.replace("core on ", "").replace(" mod_auth_digest", "")
            out.append(f'<text x="{width - right + 46}" y="{legend_y + 4}">{short}, {label}</text>')
            legend_y += 18
    out.append("</svg>")
    with open(chart_path, "w") as f:
        f.write("\n".join(out) + "\n")


chart()

# --- the report -----------------------------------------------------------------
cpu = subprocess.run(["sh", "-c", "lscpu | sed -n 's/^Model name: *//p'"], capture_output=True, text=True).stdout.strip()
cores = os.cpu_count()
print("# Benchmarks\n")
run_at = os.environ.get("BENCH_RUN_AT") or f"{datetime.now(timezone.utc):%Y-%m-%d %H:%M} UTC"
print(f"Run of `bench/run.sh` on {run_at}, {platform.machine()}, "
      f"{cpu or 'unknown CPU'}, {cores} cores shared by the servers, their database and the load tool "
      f"(`flexiapi-bench`, one thread); {seconds} s per figure, all on loopback. Every server runs with the "
      "defaults a user gets (no worker, log or pool setting); a row labelled *tuned* says what it changed. "
      "Absolute figures drift on this shared machine; ratios are taken within one run.\n")

# bench/run.sh's BENCH_TRANSPORT: how the gateway reaches the core.
HOP = ("the gateway reaching the core over its Unix socket (`--unix-socket`, as `scripts/run` "
       "starts them)" if os.environ.get("BENCH_TRANSPORT") == "unix"
       else "the gateway reaching the core over loopback TCP (as two hosts or pods would)")
print("## With the defaults, against Apache\n")
print(f"Medians of {rounds()} rounds; each round measures every server in turn, in an order that "
      "rotates, so each gets the machine at several moments. Apache httpd 2.4 `mod_auth_digest` "
      "checks `nc` (`AuthDigestNcCheck On`); the project runs the gateway and the core (1,000 "
      f"accounts), {HOP}, with its database on the same 2 cores.\n")
print(f"![requests/s against connections]({os.path.basename(chart_path)})\n")
for mode, title in [("reused", "Nonce reused (`nc` + 1 on one nonce per connection)"),
                    ("fresh", "A fresh challenge before every request (two exchanges)")]:
    print(f"**{title}**, requests/s (ratio to Apache):\n")
    print("| connections | " + " | ".join(name for _, name in SERVERS) + " |")
    print("|---:|" + "---:|" * len(SERVERS))
    for c in connection_counts(mode):
        apache = median("apache", mode, c)
        cells = []
        for server, _ in SERVERS:
            m = median(server, mode, c)
            if m is None:
                cells.append("n/a")
            elif server == "apache" or not apache:
                cells.append(f"{m:,.0f}")
            else:
                cells.append(f"{m:,.0f} ({m / apache:.2f}x)")
        print(f"| {c} | " + " | ".join(cells) + " |")
    print()

print("**Latency at half of Apache's maximum rate** (the same offered load for every server), "
      "p50 / p99 in ms:\n")
print("| connections | rate | " + " | ".join(name for _, name in SERVERS) + " |")
print("|---:|---:|" + "---:|" * len(SERVERS))
for c in connection_counts("half"):
    rate = figures("apache", "half", c)[0][4] if figures("apache", "half", c) else "?"
    cells = []
    for server, _ in SERVERS:
        p50, p99 = median(server, "half", c, 6), median(server, "half", c, 7)
        cells.append(f"{p50:.3f} / {p99:.3f}" if p50 is not None else "n/a")
    print(f"| {c} | {rate} req/s | " + " | ".join(cells) + " |")
print()

tuned = [r for r in sweep if "tuned" in r[1]]
if tuned:
    print("Tuned, for comparison only (one round):\n")
    print("| what | connections | req/s | ratio to the default |")
    print("|---|---:|---:|---:|")
    for r in tuned:
        default = median(r[1].split(",")[0], "reused", int(r[3]))
        share = f"{float(r[5]) / default:.2f}x" if default else "n/a"
        print(f"| {r[1]}, nonce reused | {r[3]} | {float(r[5]):,.0f} | {share} |")
    print()

print("## Targets\n")
print("| target | measured | |")
print("|---|---|---|")
for c in connection_counts("fresh"):
    for server in ("sqlite", "postgres", "mysql"):
        for mode, label in [("reused", "nonce reused"), ("fresh", "fresh challenge")]:
            m, a = median(server, mode, c), median("apache", mode, c)
            if m and a:
                print(f"| REST ping, {label}, {NAMES[server]}, {c} connections ≥ 1.0× Apache | {m / a:.2f}x | {verdict(m >= a)} |")
    for server in ("sqlite", "postgres"):
        p50, apache = median(server, "half", c, 6), median("apache", "half", c, 6)
        if p50 is not None and apache is not None:
            print(f"| p50 at half Apache's maximum, {NAMES[server]}, {c} connections ≤ Apache's | "
                  f"{p50:.3f} ms against {apache:.3f} ms | {verdict(p50 <= apache)} |")
    for mode, label in [("reused", "nonce reused"), ("fresh", "fresh challenge")]:
        m, pg = median("mysql", mode, c), median("postgres", mode, c)
        if m and pg:
            print(f"| REST ping, {label}, MariaDB ≥ 0.8× PostgreSQL, {c} connections | {m / pg:.2f}x | {verdict(m >= 0.8 * pg)} |")

# One client alone: two hops of ours against Apache's one (issue 30).
for server in ("sqlite", "postgres", "mysql"):
    p50, apache = median(server, "reused", 1, 6), median("apache", "reused", 1, 6)
    if p50 is not None and apache:
        print(f"| one client, nonce reused, {NAMES[server]}: p50 ≤ 1.5× Apache's | "
              f"{p50:.3f} ms against {apache:.3f} ms ({p50 / apache:.1f}x) | {verdict(p50 <= 1.5 * apache)} |")

sizes = sorted({r[0].split(" accounts:")[0].split(", ")[-1] for r in rows if " accounts:" in r[0]}, key=int)
for size in sizes:
    for backend in ["SQLite", "PostgreSQL"]:
        label = f"{backend}, {size} accounts:"
        rest, grpc = column_of(label + " REST ping at half load", 3), column_of(label + " gRPC VerifyDigest at half load", 3)
        print(f"| p99 at half load, {backend}, {size} accounts: REST ≤ 2 ms, gRPC ≤ 1 ms | REST {rest} ms, gRPC {grpc} ms | "
              f"{verdict(rest is not None and grpc is not None and rest <= 2 and grpc <= 1)} |")
        a, d = num(label + " REST ping, API key"), num(label + " REST ping, nonce reused (MD5)")
        print(f"| API key costs no more than Digest on a known nonce, {backend}, {size} accounts | "
              f"{ratio(label + ' REST ping, API key', label + ' REST ping, nonce reused (MD5)')} of its rate | {verdict(bool(a and d and a >= d))} |")
    pg = f"PostgreSQL, {size} accounts:"
    v, n = num(pg + " gRPC VerifyDigest"), num(f"pgbench, {size} accounts: soci query + nonce compare-and-set")
    print(f"| VerifyDigest on PostgreSQL ≥ 2× pgbench soci + nonce CAS ({size} accounts) | "
          f"{ratio(pg + ' gRPC VerifyDigest', f'pgbench, {size} accounts: soci query + nonce compare-and-set')} | {verdict(bool(v and n and v >= 2 * n))} |")
    g, s = num(pg + " gRPC GetCredentials"), num(f"pgbench, {size} accounts: soci query")
    print(f"| GetCredentials ≥ 1.0× pgbench soci query ({size} accounts) | "
          f"{ratio(pg + ' gRPC GetCredentials', f'pgbench, {size} accounts: soci query')} | {verdict(bool(g and s and g >= s))} |")
if len(sizes) >= 2:
    small, large = sizes[0], sizes[-1]
    for backend in ["SQLite", "PostgreSQL"]:
        a, b = column_of(f"{backend}, {small} accounts: REST ping at half load", 3), column_of(f"{backend}, {large} accounts: REST ping at half load", 3)
        growth = f"{b / a:.2f}x" if a and b else "n/a"
        print(f"| {backend}: p99 at {large} accounts ≤ 1.2× at {small} | {growth} | {verdict(bool(a and b and b <= 1.2 * a))} |")
        rss = value.get(f"{backend}, {large} accounts: core RSS", "n/a")
        print(f"| {backend}: core RSS at {large} accounts ≤ 64 MiB | {rss} | {verdict(num(f'{backend}, {large} accounts: core RSS') is not None and num(f'{backend}, {large} accounts: core RSS') <= 65536)} |")
        for what in ["REST accounts, first page (API key)", "REST accounts, prefix search (API key)"]:
            a, b = column_of(f"{backend}, {small} accounts: {what}", 2), column_of(f"{backend}, {large} accounts: {what}", 2)
            measured = f"{b / a:.2f}x ({a} ms, {b} ms)" if a and b else "n/a"
            print(f"| {what.split(' (')[0]}, {backend}: p50 at {large} ≤ 1.5× at {small} accounts | {measured} | {verdict(bool(a and b and b <= 1.5 * a))} |")
print(f"| HTTP ceiling (nginx, static) | {value.get('nginx: static pong (no authentication)', 'n/a')} req/s | |")

print(f"\n## Figures: everything else\n\nOne run each, {connections} connections, the defaults.\n")
print("| what | req/s | p50 ms | p99 ms | errors | command |")
print("|---|---:|---:|---:|---:|---|")
for r in rows:
    r += [""] * (6 - len(r))
    print(f"| {r[0]} | {r[1]} | {r[2]} | {r[3]} | {r[4]} | `{r[5]}` |")

print("\n## Figures: every round against Apache\n")
print("| round | server | mode | connections | req/s | p50 ms | p99 ms | errors | command |")
print("|---:|---|---|---:|---:|---:|---:|---:|---|")
for r in sweep:
    print(f"| {r[0]} | {NAMES.get(r[1], r[1])} | {r[2]} | {r[3]} | {r[5]} | {r[6]} | {r[7]} | {r[8]} | `{r[9]}` |")
print()
print(open(notes_path).read().rstrip())
