#!/usr/bin/env python3
"""Replays every counterexample that `compare` wrote of a model whose servers
are a real program (`lockcheck list` names them: redis-server for the
single-instance Redis locks and Redlock, postgres for the database locks,
zookeeper for the ZooKeeper locks, etcd for the etcd locks) on that program, and tabulates what
happened.

Runs `target/release/lockcheck replay TRACE --against SERVER` (build it
first: `cargo build --release`; it needs `redis-server`, PostgreSQL,
ZooKeeper, etcd and `gcc`; `--bin` names another binary) on each such trace under
reports/traces/ (written by `compare --update-reports`; `--traces DIR` reads
another directory), lassos unrolled (their loop run three times over in real
time), and the traces the binary refuses for
what a replay does not do (a restarted server that does what the real one
does not: a `redlock_delayed_restart` master), each counted. Prints a Markdown table per model and one
per trace; `--write` puts both in docs/real-servers.md (between its
`<!-- real-servers-summary -->` and `<!-- real-servers -->` markers) and a
one-line count in README.md (between its `<!-- real-servers -->` markers). `--check` exits 1 if any
trace did not reproduce (CI).
"""
import concurrent.futures, glob, json, re, subprocess, sys

lockcheck = sys.argv[sys.argv.index("--bin") + 1] if "--bin" in sys.argv else "target/release/lockcheck"
traces = sys.argv[sys.argv.index("--traces") + 1] if "--traces" in sys.argv else "reports/traces"

# The model's own word on its servers, from `lockcheck list`'s "Real servers" section.
listing = subprocess.run([lockcheck, "list"], capture_output=True, text=True, check=True).stdout
section = listing.split("Real servers", 1)[1].split("\n\n", 1)[0]
program_of = {}
for line in section.splitlines()[1:]:
    if "models:" not in line:
        continue  # e.g. the line on a Redis you run, which names no program
    program, models = line.split("models:")
    for model in models.split(","):
        program_of[model.strip()] = program.strip()

# What `replay --against` refuses to do, by the words of its refusal.
REFUSALS = {
    "does what a real one does not do": "a restarted server the real one is not",
}

def replay(job):
    """One trace's replay, and the first attempt's output where it took two.
    A replay whose servers did not start (exit 3; a server whose port a
    neighbour's took first starts again on another port by itself, so this
    is rarer) is tried once more, and so is one that did not
    reproduce (exit 1): real processes on a loaded machine have been seen to
    miss once in some thousand replays, and a trace that reproduces on the
    second attempt says so in its row."""
    path, program = job
    first = None
    for _ in range(2):
        run = subprocess.run([lockcheck, "replay", path, "--against", program],
                             capture_output=True, text=True)
        if run.returncode not in (1, 3):
            break
        first = first or run
    return run, first

jobs = []
for path in sorted(glob.glob(f"{traces}/*.json")):
    trace = json.load(open(path, encoding="utf-8"))
    program = program_of.get(trace["model"])
    if program is not None:
        jobs.append((path, program, trace))

# Eight replays at a time: each starts its own servers, and most of their
# time is waiting (a server starting, a ZooKeeper session expiring): eight
# at a time keep two cores about a third busy, and take half the time four
# did.
# Results are taken in the traces' order, so the tables do not depend on it.
with concurrent.futures.ThreadPoolExecutor(max_workers=8) as pool:
    runs = list(pool.map(replay, [(path, program) for path, program, _ in jobs]))

rows, per_model, versions, failed, refused = [], {}, {}, [], {}
retried = []
for (path, program, trace), (run, first) in zip(jobs, runs):
    model = trace["model"]
    out = run.stdout + run.stderr
    why = [what for words, what in REFUSALS.items() if words in out]
    if run.returncode == 4 and why:
        refused[why[0]] = refused.get(why[0], 0) + 1
        continue
    m = re.search(r"^on (.+?) \((?:one process|every session|every lease)", out, re.M)
    version = m.group(1) if m else program
    versions[program] = version
    commands = len(re.findall(r"^\s+\d+\s+\S+\s+-?\d+\s+c\d+\s", out.split(f"on {version}", 1)[-1], re.M))
    lost = re.search(r"^the counter on .*, (\d+) updates? lost$", out, re.M)
    lost = f"; the counter lost {lost.group(1)}" if lost else ""
    if run.returncode == 0 and first is not None and first.returncode == 1:
        differs = [l.strip() for l in (first.stdout + first.stderr).splitlines() if "<- differs" in l]
        retried.append((path, differs[0] if differs else first.stdout.strip().splitlines()[-1]))
        lost += "; on a second attempt"
    if run.returncode == 0 and commands:
        result = f"reproduced ({commands} requests{lost})"
    elif run.returncode == 0:
        result = "reproduced (no request reaches the server)"
    elif run.returncode == 1:
        result = "**not reproduced**"
        failed.append(path)
    else:
        sys.exit(f"{path}: exit {run.returncode}\n{out}")
    scenario = path.split("/")[-1].split(".")[1]
    found = " (by simulation)" if trace.get("simulation") else ""
    if "loop_start" in trace:
        found = " (lasso, its loop run 3 times)"
    rows.append(f"| `{model}` | {scenario} | {trace['property']}{found} | {version} | {result} |")
    m = per_model.setdefault(model, [version, 0, 0, 0])
    m[1] += 1
    m[2] += run.returncode == 0
    m[3] += commands

summary = ["| model | server | counterexamples replayed | reproduced | requests sent |",
           "|---|---|---|---|---|"]
summary += [f"| `{model}` | {version} | {n} | {ok} | {cmds} |"
            for model, (version, n, ok, cmds) in per_model.items()]
detail = ["| model | scenario | property | server | result |", "|---|---|---|---|---|"] + rows
summary, detail = "\n".join(summary), "\n".join(detail)

if "--check" in sys.argv:
    print(f"{len(rows)} counterexamples replayed on {', '.join(sorted(versions.values()))}: "
          f"{len(rows) - len(failed)} reproduced, {len(failed)} not"
          + "".join(f"; {n} left out ({what})" for what, n in refused.items()))
    for path in failed:
        print(f"  not reproduced: {path}")
    for path, line in retried:
        print(f"  reproduced on a second attempt: {path}; the first: {line}")
    sys.exit(1 if failed or not rows else 0)
elif "--write" in sys.argv:
    def replace(file, marker, table):
        text = open(file, encoding="utf-8").read()
        head, rest = text.split(f"<!-- {marker} -->\n", 1)
        _, tail = rest.split(f"<!-- /{marker} -->\n", 1)
        open(file, "w", encoding="utf-8").write(
            head + f"<!-- {marker} -->\n" + table + f"\n<!-- /{marker} -->\n" + tail)
    reproduced = sum(ok for _, _, ok, _ in per_model.values())
    left_out = "".join(f"; {n} left out ({what})" for what, n in refused.items())
    line = (f"{len(rows)} counterexamples of {len(per_model)} locks replayed on "
            f"{', '.join(sorted(set(versions.values())))}: {reproduced} reproduced{left_out}. "
            "Per lock and per trace: "
            "[Model against real server](docs/real-servers.md#model-against-real-server).")
    replace("README.md", "real-servers", line)
    replace("docs/real-servers.md", "real-servers-summary", summary)
    replace("docs/real-servers.md", "real-servers", detail)
else:
    print(summary + "\n\n" + detail)
