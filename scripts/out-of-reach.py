#!/usr/bin/env python3
"""Lists the cells of the matrix that the search does not finish.

Reads reports/comparison.json (written by `cargo run --release -- compare --update-reports`)
and prints, for every cell whose search stopped at a limit with a property
undecided or decided only by the seeded simulation, the states searched, the
limit, the undecided properties and what the simulation found, as a Markdown
table. `--write` replaces the table between the `<!-- out-of-reach -->`
markers in docs/checker.md.
"""
import json, sys

c = json.load(open("reports/comparison.json", encoding="utf-8"))
rows = ["| model | scenario | states searched | stopped by | undecided after the search | seeded simulation (seed 1) |",
        "|---|---|---|---|---|---|"]
for cell in c["cells"]:
    r = cell.get("report")
    if not r or r["stats"]["complete"]:
        continue
    undecided = [p for p in r["properties"] if p["verdict"] == "inconclusive"]
    by_simulation = [p for p in r["properties"] if p.get("simulation") and p["verdict"] == "violated"]
    if not undecided and not by_simulation:
        continue
    stop = r["stats"]["stop"]
    stop = "state limit" if "state limit" in stop else ("memory limit" if "memory" in stop else stop)
    runs = next((p["simulation"]["runs"] for p in r["properties"] if p.get("simulation")), None)
    found = [f"{p['property']} violated ({p['steps']} steps)" for p in by_simulation]
    if undecided:
        names = ", ".join(p["property"] for p in undecided)
        found.append(f"no violation of {names} in {runs} runs" if runs else "not run")
    rows.append(f"| `{r['model']}` | {r['scenario']} | {r['stats']['unique_states']:,} | {stop} | "
                f"{', '.join(p['property'] for p in undecided) or '—'} | {'; '.join(found)} |")
table = "\n".join(rows)

if "--write" in sys.argv:
    readme = open("docs/checker.md", encoding="utf-8").read()
    head, rest = readme.split("<!-- out-of-reach -->\n", 1)
    _, tail = rest.split("<!-- /out-of-reach -->\n", 1)
    open("docs/checker.md", "w", encoding="utf-8").write(
        head + "<!-- out-of-reach -->\n" + table + "\n<!-- /out-of-reach -->\n" + tail)
else:
    print(table)
