#!/usr/bin/env python3
"""Copies the verdict matrix from reports/comparison.md into README.md.

`cargo run --release -- compare --update-reports` writes reports/comparison.md; run this after
it to refresh the table between the `<!-- matrix -->` markers in README.md,
with each violation linking to its counterexample in reports/comparison.md.
`--write` edits README.md in place; without it the table is printed.
"""
import re, sys

report = open("reports/comparison.md", encoding="utf-8").read()
lines = report.splitlines()
start = next(i for i, l in enumerate(lines) if l.startswith("| model |"))
end = start
while end < len(lines) and lines[end].startswith("|"):
    end += 1
table = "\n".join(lines[start:end]).replace("](#", "](reports/comparison.md#")

if "--write" in sys.argv:
    readme = open("README.md", encoding="utf-8").read()
    new = re.sub(r"<!-- matrix -->\n.*?<!-- /matrix -->",
                 lambda _: "<!-- matrix -->\n" + table + "\n<!-- /matrix -->", readme, flags=re.S)
    open("README.md", "w", encoding="utf-8").write(new)
else:
    print(table)
