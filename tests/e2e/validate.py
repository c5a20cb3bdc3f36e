# SPDX-License-Identifier: GPL-2.0-only
"""Validates every line of the given files (or stdin) against docs/corewatch.schema.json.

Usage: validate.py SCHEMA [FILE...]; lines may carry the '<epoch> - ' prefix of --format stamped.
Exits 1 naming the first bad line. Needs Debian's python3-jsonschema.
"""
import json
import re
import sys

import jsonschema


def main():
    schema = json.load(open(sys.argv[1]))
    validator = jsonschema.Draft202012Validator(schema)
    files = sys.argv[2:] or ["-"]
    n = 0
    for name in files:
        stream = sys.stdin if name == "-" else open(name)
        for lineno, line in enumerate(stream, 1):
            line = re.sub(r"^[0-9]+ - ", "", line.rstrip("\n"))
            try:
                rec = json.loads(line)
            except ValueError as e:
                sys.exit(f"{name}:{lineno}: not JSON: {e}: {line[:120]}")
            errors = sorted(validator.iter_errors(rec), key=lambda e: list(e.path))
            if errors:
                best = jsonschema.exceptions.best_match(errors)
                sys.exit(f"{name}:{lineno}: {'/'.join(map(str, best.path))}: {best.message}")
            n += 1
    if n == 0:
        sys.exit("no records to validate")
    print(f"{n} records valid")


main()
