# SPDX-License-Identifier: GPL-2.0-only
# corewatch report: over three synthetic days (gzip with two members, gzip, plain stamped; torn and
# foreign lines, alert records, histograms, an interval change that outgrows the p95 bound, a
# second host's file), --format json against an independent Python oracle (exact min/max/p95,
# avg to 1e-9, merged buckets, counts, alert spans), window edges, --metric, csv and table,
# bad input, and (with the chart renderer) the SVG files and the HTML page.
. tests/e2e/lib.sh

export TZ=UTC # the oracle picks files by their UTC date
D="$T/logs"
$PY tests/tools/report_gen.py test "$D" --seed 7 || fail report/generate "report_gen.py failed"
ORACLE=(tests/tools/report_oracle.py "$D")
R=("$COREWATCH" report --log-dir "$D")

# oracle NAME REPORT-ARGS -- ORACLE-ARGS
oracle() {
	local name=$1 args=() out
	shift
	while [ $# -gt 0 ] && [ "$1" != -- ]; do args+=("$1"); shift; done
	shift
	if ! "${R[@]}" --format json "${args[@]}" >"$T/$name.json" 2>"$T/$name.err"; then
		fail "report/$name" "exit $?: $(head -2 "$T/$name.err")"
		return
	fi
	if out=$($PY "${ORACLE[@]}" "$T/$name.json" "$@" 2>&1); then
		pass "report/$name"
		echo "  info $name: $out"
	else
		fail "report/$name" "$(echo "$out" | head -4 | tr '\n' ' ')"
	fi
}

# every file, host vm: 3 days, the second host's file read and its records left out
oracle all --host vm -- --host vm --expect-records 1440
# [2026-11-21 10:00, 16:00): 24 records at 300 s, then 240 at 60 s; the record at 16:00 is out,
# the one at 10:00 in. The files' start says 300 s: the bound (74) is too small, a second pass.
oracle window --host vm --from 2026-11-21T10:00:00Z --to '2026-11-21 16:00' -- \
	--host vm --from 2026-11-21T10:00:00Z --to 2026-11-21T16:00:00Z --expect-records 264
# an offset and a window across midnight (day 2 gzip into day 3 stamped, the alert resolved there):
# 180 records at 60 s before midnight, 36 at 300 s after
oracle offset --host vm --from 2026-11-21T23:00:00+02:00 --to 2026-11-22T03:00:00Z -- \
	--host vm --from 2026-11-21T21:00:00Z --to 2026-11-22T03:00:00Z --expect-records 216
# --metric: a section, an instance selector, a histogram by instance
oracle metric --host vm --metric cpu --metric 'disks{device=vdb}' --metric 'block.devices{device=vda}' \
	--metric memory.used_pct -- --host vm --metric-prefix cpu --metric-prefix 'disks{device=vdb}' \
	--metric-prefix 'block.devices{device=vda}' --metric-prefix memory.used_pct --expect-records 1440
# the generator's own count of the torn and foreign lines it wrote (all files are read above)
$PY - "$D/manifest.json" "$T/all.json" <<'PYEOF' && pass report/manifest-counts || fail report/manifest-counts "$(cat "$T/all.json" | head -c 300)"
import json, sys
m = json.load(open(sys.argv[1]))["files"]
j = json.load(open(sys.argv[2]))
assert j["lines_torn"] == sum(f["torn"] for f in m.values()) > 0, j["lines_torn"]
assert j["lines_foreign"] == sum(f["foreign"] for f in m.values()) > 0, j["lines_foreign"]
spans = {a["name"]: a for a in j["alerts"]}
assert spans["cpu_high"]["duration_s"] == 1800 and not spans["cpu_high"]["still_firing"], spans
assert spans["disk_full"]["instance"] == "mount=/var" and spans["disk_full"]["duration_s"] == 11 * 3600 + 2 * 3600  # 13:00 to 02:00 the next day
assert spans["memory_high"]["still_firing"] and spans["memory_high"]["resolved_at"] is None
PYEOF

# damaged gzip: a day cut in half, a CRC flipped, bytes after the last member; plain text named .gz
# and gzip named .log. The oracle counts the metrics records Python's zlib gets out of each file.
G="$T/gz"
first=$(ls "$D"/*.log.gz | head -1)
gzcase() { # NAME FILE-NAME: writes stdin to G/NAME/FILE-NAME
	mkdir -p "$G/$1" && cat >"$G/$1/$2"
}
size=$(stat -c %s "$first")
head -c $((size / 2)) "$first" | gzcase trunc "$(basename "$first")"
$PY -c 'import sys; b = bytearray(open(sys.argv[1], "rb").read()); b[-6] ^= 0xff; sys.stdout.buffer.write(b)' "$first" |
	gzcase crc "$(basename "$first")"
{ cat "$first"; printf 'not gzip'; } | gzcase trail "$(basename "$first")"
zcat "$first" | gzcase plain-named-gz "$(basename "$first")"
gzcase gzip-named-log "$(basename "$first" .gz)" <"$first"
for c in trunc crc trail plain-named-gz gzip-named-log; do
	"$COREWATCH" report --log-dir "$G/$c" --format json >"$T/gz-$c.json" 2>"$T/gz-$c.err"
	echo $? >"$T/gz-$c.rc"
done
$PY - "$G" "$T" "$first" <<'PYEOF' && pass report/gzip-damaged || fail report/gzip-damaged "$(cat "$T"/gz-*.err | tr '\n' ' ' | head -c 400)"
import glob, json, os, sys, zlib
G, T = sys.argv[1], sys.argv[2]

def inflate(data):
    """What zlib recovers: member after member, up to the first damage; and whether it hit one."""
    out, bad = b"", None
    while data:
        if data[:2] != b"\x1f\x8b":
            return out, "trailing"
        d = zlib.decompressobj(31)
        try:
            out += d.decompress(data)
        except zlib.error:
            return out, "crc"
        if not d.eof:
            return out, "truncated"
        data = d.unused_data
    return out, bad

def records(text):
    n = 0
    for line in text.decode(errors="replace").splitlines():
        try:
            r = json.loads(line)
        except ValueError:
            continue
        n += isinstance(r, dict) and r.get("type") == "metrics" and "schema" in r
    return n

want_msg = {"trunc": "truncated gzip stream", "crc": "CRC mismatch", "trail": "bytes after the last gzip member ignored"}
for case in ("trunc", "crc", "trail", "plain-named-gz", "gzip-named-log"):
    (path,) = glob.glob(f"{G}/{case}/*")
    raw = open(path, "rb").read()
    text, damage = inflate(raw) if raw[:2] == b"\x1f\x8b" else (raw, None)
    err = open(f"{T}/gz-{case}.err").read()
    rc = int(open(f"{T}/gz-{case}.rc").read())
    assert rc == 0, (case, rc, err)
    got = json.load(open(f"{T}/gz-{case}.json"))["records"]
    if case in want_msg:
        assert damage, (case, "the oracle saw no damage")
        assert os.path.basename(path) in err and want_msg[case] in err, (case, err)
    else:
        assert "gzip" not in err, (case, err)
    if case == "crc":  # the member's text is read before its CRC is checked: at least zlib's, at most all
        assert records(text) <= got <= records(inflate(open(sys.argv[3], "rb").read())[0]), (case, got)
    else:
        assert got == records(text) > 0, (case, got, records(text))
    print(f"  info gzip {case}: {got} records, {err.strip().splitlines()[0] if err.strip() else 'no warning'}")
PYEOF

# the second host alone: 30 records
oracle other --host other -- --host other --expect-records 30

# csv: the same numbers as the json, row for row
"${R[@]}" --host vm --format csv --metric cpu.busy_pct --metric 'filesystems{mount=/var}' >"$T/r.csv" 2>/dev/null
$PY - "$T/r.csv" "$T/all.json" <<'PYEOF' && pass report/csv || fail report/csv "csv differs from json"
import csv, json, sys
rows = [r for r in csv.DictReader(open(sys.argv[1])) if r["kind"] == "series"]
js = {(s["metric"], s["instance"] or ""): s for s in json.load(open(sys.argv[2]))["series"]}
assert len(rows) == 6, len(rows)  # busy_pct + the 5 fields of /var
for r in rows:
    s = js[(r["metric"], r["instance"])]
    assert int(r["samples"]) == s["samples"] and float(r["p95"]) == s["p95"] and float(r["avg"]) == s["avg"], r
PYEOF

# the table: a section header per section, a row per instance, the numbers of the json
"${R[@]}" --host vm --metric filesystems --metric cpu.busy_pct >"$T/r.txt" 2>/dev/null
$PY - "$T/r.txt" "$T/all.json" <<'PYEOF' && pass report/table || fail report/table "$(head -5 "$T/r.txt")"
import json, sys
lines = open(sys.argv[1]).read().splitlines()
j = json.load(open(sys.argv[2]))
fr, lr = (j[k][:19].replace("T", " ") for k in ("first_record", "last_record"))  # TZ=UTC
head = f"host vm, {fr} .. {lr} (local time), 1440 records from 4 files; {j['lines_torn']} torn and 4 foreign"
assert lines[0].startswith(head), lines[0]
heads = [l.split()[0] for l in lines[1:] if l and not l.startswith(" ")]
assert heads == ["cpu", "filesystems", "alerts"], heads  # alerts are not narrowed by --metric
js = {s["path"]: s for s in json.load(open(sys.argv[2]))["series"]}
row = next(l for l in lines if l.startswith("  busy_pct"))
f = row.split()
s = js["cpu.busy_pct"]
assert int(f[2]) == s["samples"] and abs(float(f[5]) - s["p95"]) < 0.001 and abs(float(f[6]) - s["max"]) < 0.001, row
assert sum(1 for l in lines if "mount=/var,device=/dev/vdb" in l) == 5
PYEOF

# several hosts without --host: refused, like a bad flag
expect_2() {
	local name=$1 pat=$2 rc
	shift 2
	"${R[@]}" "$@" >"$T/o" 2>"$T/e"
	rc=$?
	if [ $rc -eq 2 ] && grep -qF -- "$pat" "$T/e" && [ ! -s "$T/o" ] && [ "$(wc -l <"$T/e")" -eq 1 ]; then
		pass "report/bad-$name"
	else
		fail "report/bad-$name" "exit $rc, stderr: $(head -2 "$T/e" | tr '\n' ' '), stdout bytes: $(wc -c <"$T/o")"
	fi
}
expect_2 two-hosts "--host: $D holds records of 2 hosts (vm, other): pick one with --host"
expect_2 from "--from: 'tomorrow' is not a time" --from tomorrow
expect_2 to "--to: '2026-13-01' is not a time" --to 2026-13-01
expect_2 order "--from: '-1h' is not before --to '-2h'" --from -1h --to -2h
expect_2 format "--format: 'xml' is not one of table, json, csv" --format xml
expect_2 metric-section "--metric: 'cpux': the record has no section 'cpux'" --metric cpux
expect_2 metric-field "--metric: 'cpu.busy': 'cpu' has no field 'busy'" --metric cpu.busy
expect_2 metric-label "--metric: 'disks{nolabel=x}': 'disks' instances have no label 'nolabel'" --metric 'disks{nolabel=x}'
expect_2 metric-selector "--metric: 'memory{a=b}': 'memory' is not a list of instances" --metric 'memory{a=b}'
expect_2 unknown "unknown option '--frm'" --frm -1h
expect_2 missing "--from: missing value" --from
expect_2 log-dir "--log-dir: $T/none: No such file or directory" --log-dir "$T/none"

# charts: once the renderer is there (tests/tools/svgcheck comes with it)
if [ -x tests/tools/svgcheck ] || [ -f tests/tools/svgcheck ]; then
	if "${R[@]}" --host vm --from 2026-11-21 --to 2026-11-22 --metric cpu --metric filesystems.used_pct \
		--metric sched --metric block --svg "$T/svg" --html "$T/r.html" >/dev/null 2>"$T/svg.err"; then
		n=$(ls "$T/svg" | wc -l)
		if [ "$n" -ge 8 ] && tests/tools/svgcheck "$T"/svg/*.svg >"$T/svgcheck.out" 2>&1; then
			pass report/svg
		else
			fail report/svg "$n files; $(tail -3 "$T/svgcheck.out" | tr '\n' ' ')"
		fi
		if grep -qE '(src|href)="(https?:)?//' "$T/r.html"; then
			fail report/html-self-contained "an external reference"
		else
			pass report/html-self-contained
		fi
		want=$(grep -c '<div class="chart"' "$T/r.html")
		if out=$($PY tests/tools/browser_check.py "$T/r.html" --expect-charts "$want" 2>&1); then
			pass report/html-browser
		else
			fail report/html-browser "$(echo "$out" | tail -3 | tr '\n' ' ')"
		fi
	else
		fail report/svg "exit $?: $(head -2 "$T/svg.err")"
	fi
	# without --from the grid starts at the first record, not at its file's midnight: a day's last
	# 4 hours at 60 s are 240 points (from midnight the grid would be 240 s wide: 60 points)
	mkdir -p "$T/late"
	$PY - "$D" "$T/late" <<'PYEOF'
import glob, gzip, json, os, sys
(src,) = glob.glob(f"{sys.argv[1]}/corewatch-2026-11-21.log.gz")
with gzip.open(src, "rt") as f, open(f"{sys.argv[2]}/corewatch-2026-11-21.log", "w") as out:
    for line in f:
        try:
            r = json.loads(line)
        except ValueError:
            continue
        if isinstance(r, dict) and r.get("type") == "metrics" and r.get("time", "") >= "2026-11-21T20:00":
            out.write(line)
PYEOF
	want=$(grep -c '"type":"metrics"' "$T/late/corewatch-2026-11-21.log")
	"$COREWATCH" report --log-dir "$T/late" --metric cpu.busy_pct --svg "$T/late-svg" >/dev/null 2>"$T/late.err"
	got=$(grep -o ' d="[^"]*"' "$T/late-svg/cpu.busy_pct.svg" 2>/dev/null | head -1 | grep -o '[ML]' | wc -l)
	if [ "$want" -eq 240 ] && [ "$got" -eq "$want" ]; then
		pass report/svg-grid-from-first-record
	else
		fail report/svg-grid-from-first-record "$got points for $want records $(head -2 "$T/late.err")"
	fi
else
	skip_or_fail report/charts "no tests/tools/svgcheck: the chart branch is not merged"
fi
