#!/usr/bin/env python3
"""Prints the README's verdict matrix from the pinned verdicts in tests/*_models.rs.

The pins are what the test suite enforces, so the table cannot drift from the
checker: run this after changing a model or scenario and paste its output
between the `<!-- matrix -->` markers in README.md (or pass --write).
"""
import glob, re, sys, subprocess

ORDER = ["no-faults", "holder-crash", "gc-pause", "clock-jump", "clock-drift", "message-loss",
         "partition", "server-restart", "async-network", "crowd-atomic"]
SHORT = {0: "mutex", 1: "resource", 3: "progress", 4: "deadlock", 5: "starvation"}

pins = {}
for f in sorted(glob.glob("tests/*_models.rs")):
    for m, sc, verdicts in re.findall(r'^\s+\w+: "([\w_]+)", "([\w-]+)", \d+, "([^"]+)";', open(f).read(), re.M):
        pins[(m, sc)] = verdicts.split()

listing = subprocess.run(["cargo", "run", "--release", "-q", "--", "list"], capture_output=True, text=True).stdout
models = re.findall(r"^  (\S+)\s{2,}", listing.split("Parameters")[0], re.M)
scenarios = [s for s in ORDER if any(k[1] == s for k in pins)]

lines = ["| model | " + " | ".join(scenarios) + " |", "|---|" + "---|" * len(scenarios)]
for m in models:
    cells = []
    for s in scenarios:
        v = pins.get((m, s))
        suffix = ""
        if v is None:
            # Too large for CI under the standard scenario: show the 1-tick
            # variant of it, marked, if the model has one.
            v = pins.get((m, s + "-1tick"))
            suffix = " ¹"
        if v is None:
            cells.append("on demand")
            continue
        bad = [f"{SHORT[i]} ✗{v[i].split(':')[1]}" for i in (0, 1, 3, 4, 5)
               if i < len(v) and v[i].startswith("violated")]
        # Liveness under fairness, where the scenario expects it: "live" when
        # both hold, else the lassos (stem+loop) among `bad`.
        live = " (live)" if len(v) > 4 and all(x == "holds" for x in v[4:]) else ""
        cells.append((", ".join(bad) if bad else "ok") + live + suffix)
    lines.append(f"| `{m}` | " + " | ".join(cells) + " |")
table = "\n".join(lines)
if "--write" in sys.argv:
    text = open("README.md").read()
    start, end = text.index("<!-- matrix -->"), text.index("<!-- /matrix -->")
    open("README.md", "w").write(text[:start] + "<!-- matrix -->\n" + table + "\n" + text[end:])
else:
    print(table)
