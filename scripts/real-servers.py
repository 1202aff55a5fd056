#!/usr/bin/env python3
"""Replays every counterexample of the locks on plain Redis servers (the
single-instance locks and Redlock) that `compare` wrote, on real
redis-servers, and tabulates what happened.

Runs `target/release/lockcheck replay TRACE --against redis-server` (build it
first: `cargo build --release`; it needs `redis-server` and `gcc`; `--bin`
names another binary) on each such trace under reports/traces/ (written by
`compare --update-reports`; `--traces DIR` reads another directory), lassos
left out (and restarts of a master that `redlock_delayed_restart` keeps
away). Prints a Markdown table per model and one per trace; `--write`
replaces them between the `<!-- real-servers -->` markers in README.md and
docs/real-servers.md. `--check` exits 1 if any trace did not reproduce (CI).
"""
import glob, json, re, subprocess, sys

lockcheck = sys.argv[sys.argv.index("--bin") + 1] if "--bin" in sys.argv else "target/release/lockcheck"
rows, per_model, version = [], {}, None
traces = sys.argv[sys.argv.index("--traces") + 1] if "--traces" in sys.argv else "reports/traces"
failed = []
for path in sorted(glob.glob(f"{traces}/*.json")):
    trace = json.load(open(path, encoding="utf-8"))
    model = trace["model"]
    # As lockcheck::real::redis::runs_on_plain_redis: the single-instance locks and Redlock.
    plain = (model.startswith("redis_") and not model.startswith("redis_failover")) \
        or model.startswith("redisson_") or model.startswith("redlock")
    kept_away = model == "redlock_delayed_restart" and any("restart" in a for a in trace["actions"])
    if not plain or kept_away or "loop_start" in trace:
        continue
    run = subprocess.run([lockcheck, "replay", path, "--against", "redis-server"],
                         capture_output=True, text=True)
    out = run.stdout + run.stderr
    m = re.search(r"redis-server (\d+\.\d+\.\d+)", out)
    version = version or (m and m.group(1))
    commands = len(re.findall(r"^\s+\d+\s+\S+\s+-?\d+\s+c\d+\s", out.split("on redis-server", 1)[-1], re.M))
    if run.returncode == 0 and commands:
        result = f"reproduced ({commands} commands)"
    elif run.returncode == 0:
        result = "reproduced (no command reaches the server)"
    elif run.returncode == 1:
        result = "**not reproduced**"
        failed.append(path)
    else:
        sys.exit(f"{path}: exit {run.returncode}\n{out}")
    scenario = path.split("/")[-1].split(".")[1]
    found = " (by simulation)" if trace.get("simulation") else ""
    rows.append(f"| `{trace['model']}` | {scenario} | {trace['property']}{found} | {result} |")
    m = per_model.setdefault(trace["model"], [0, 0, 0])
    m[0] += 1
    m[1] += run.returncode == 0
    m[2] += commands

summary = [f"| model | counterexamples replayed | reproduced on redis-server {version} | commands sent |",
           "|---|---|---|---|"]
summary += [f"| `{model}` | {n} | {ok} | {cmds} |" for model, (n, ok, cmds) in per_model.items()]
detail = ["| model | scenario | property | on redis-server " + str(version) + " |", "|---|---|---|---|"] + rows
summary, detail = "\n".join(summary), "\n".join(detail)

if "--check" in sys.argv:
    print(f"{len(rows)} counterexamples replayed on redis-server {version}: "
          f"{len(rows) - len(failed)} reproduced, {len(failed)} not")
    for path in failed:
        print(f"  not reproduced: {path}")
    sys.exit(1 if failed or not rows else 0)
elif "--write" in sys.argv:
    for file, table in [("README.md", summary), ("docs/real-servers.md", detail)]:
        text = open(file, encoding="utf-8").read()
        head, rest = text.split("<!-- real-servers -->\n", 1)
        _, tail = rest.split("<!-- /real-servers -->\n", 1)
        open(file, "w", encoding="utf-8").write(
            head + "<!-- real-servers -->\n" + table + "\n<!-- /real-servers -->\n" + tail)
else:
    print(summary + "\n\n" + detail)
