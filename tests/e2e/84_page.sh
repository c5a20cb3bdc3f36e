# SPDX-License-Identifier: GPL-2.0-only
# The live page ("/" with --listen): with a token file, the login form, POST /login and its cookie
# (which the API takes too); the page's values against their oracles (hostname, /proc/cpuinfo,
# /proc/meminfo, /proc/uptime) and against /api/v1/snapshot of the same record; the charts' data
# after a few records; a headless Chromium with the cookie (no console error, every chart plotted,
# the host name shown); the token in no body, URL or log line. Then without a token file: the page
# at once, /login not there. (20 clients polling the page: 72_endpoint.sh.)
. tests/e2e/lib.sh

port=$($PY tests/tools/free_port.py)
export PAGE_TOKEN=page-token-0123456789abcdef PAGE_DIR=$T
printf '%s\n' "$PAGE_TOKEN" >"$T/token"
chmod 600 "$T/token"
# a rule that fires from the first record: the page lists it
"${CW[@]}" -v -i 1s --listen "127.0.0.1:$port" --listen-token-file "$T/token" \
	--alert 'mem_present: memory.total_bytes > 1024 severity critical' >"$T/out" 2>"$T/err" &
cw=$!
pids+=($cw)
# direct writes, so that the block latency chart has data, going on until the page is read (the
# block table lists the last record's devices: a loop that ended ~5 s in raced the page's fetch)
(for i in $(seq 60); do dd if=/dev/zero of="$T/io" bs=256k count=4 oflag=direct 2>/dev/null; sleep 0.4; done) &
pids+=($!)
if ! wait_grep "$T/out" '"type":"metrics"' 15; then
	fail "page/started" "$(tail -3 "$T/err")"
	exit 0
fi

pycheck page/auth "$port" <<'PYEOF'
import http.client, os, sys
port, tok = int(sys.argv[1]), os.environ["PAGE_TOKEN"]

def req(method, path, body=None, headers={}):
    c = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
    c.request(method, path, body=body, headers=headers)
    r = c.getresponse()
    data = r.read().decode()
    c.close()
    return r, data

def res(name, ok, why):
    print(f"PASS page/{name}" if ok else f"FAIL page/{name}: {why}")

form = {"Content-Type": "application/x-www-form-urlencoded"}
r, body = req("GET", "/")
res("login-form-without-cookie", r.status == 401 and '<form method="post" action="/login">' in body
    and 'name="token"' in body and tok not in body, f"{r.status} {body[:200]}")
r, body = req("POST", "/login", "token=not-the-token-0123456789", form)
res("wrong-token-401", r.status == 401 and "wrong token" in body and r.getheader("Set-Cookie") is None
    and tok not in body, f"{r.status} {r.getheaders()}")
r, body = req("POST", "/login", "token=" + tok + "&" + "x" * 5000, form)
res("login-body-over-4k-413", r.status == 413 and r.getheader("Set-Cookie") is None, f"{r.status}")
r, body = req("GET", "/login")
res("get-login-405", r.status == 405 and r.getheader("Allow") == "POST", f"{r.status} {r.getheader('Allow')}")
r, body = req("POST", "/metrics", "token=" + tok, form)
res("post-elsewhere-405", r.status == 405 and r.getheader("Allow") == "GET, HEAD", f"{r.status}")
r, body = req("POST", "/login", "token=" + tok.replace("-", "%2D"), form)
sc = r.getheader("Set-Cookie") or ""
attrs = [a.strip() for a in sc.split(";")]
res("right-token-303-cookie", r.status == 303 and r.getheader("Location") == "/"
    and attrs[0].startswith("corewatch_session=") and {"HttpOnly", "SameSite=Strict", "Path=/"} <= set(attrs[1:])
    and tok not in sc, f"{r.status} {r.getheaders()}")
cookie = attrs[0]
open(os.environ["PAGE_DIR"] + "/cookie", "w").write(cookie)
r, body = req("GET", "/", headers={"Cookie": cookie})
res("page-with-cookie", r.status == 200 and "<svg" in body and tok not in body
    and "default-src 'none'" in (r.getheader("Content-Security-Policy") or ""), f"{r.status} {body[:200]}")
r, _ = req("GET", "/api/v1/snapshot", headers={"Cookie": cookie})
r2, _ = req("GET", "/metrics", headers={"Cookie": cookie})
r3, _ = req("GET", "/api/v1/snapshot", headers={"Cookie": cookie[:-1] + ("0" if cookie[-1] != "0" else "1")})
r4, _ = req("GET", "/", headers={"Authorization": "Bearer " + tok})
r5, _ = req("GET", "/api/v1/snapshot", headers={"Authorization": "Bearer " + tok[:-1] + "x"})
res("api-takes-the-cookie", r.status == 200 and r2.status == 200 and r3.status == 401 and r4.status == 200
    and r5.status == 401,
    f"snapshot {r.status}, metrics {r2.status}, wrong cookie {r3.status}, page by bearer {r4.status}, "
    f"wrong bearer {r5.status}")
PYEOF

# three records more, so that every chart has several points
n=$(grep -c '"type":"metrics"' "$T/out")
for ((i = 0; i < 100; i++)); do
	[ "$(grep -c '"type":"metrics"' "$T/out")" -ge $((n + 3)) ] && break
	sleep 0.1
done
pycheck page/values "$port" <<'PYEOF'
import html.parser, http.client, json, os, re, socket, sys, time
port, cookie = int(sys.argv[1]), open(os.environ["PAGE_DIR"] + "/cookie").read()

def get(path):
    c = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
    c.request("GET", path, headers={"Cookie": cookie})
    r = c.getresponse()
    data = r.read().decode()
    c.close()
    return data

def res(name, ok, why):
    print(f"PASS page/{name}" if ok else f"FAIL page/{name}: {why}")

class Page(html.parser.HTMLParser):
    """Text by element id; tables by id as rows of cell texts; the SVGs' text."""
    def __init__(self):
        super().__init__()
        self.ids, self.tables, self.stack, self.svgs, self.table = {}, {}, [], [], None
    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "table" and "id" in a:
            self.table = self.tables.setdefault(a["id"], [])
        if tag == "tr" and self.table is not None:
            self.table.append([])
        if tag in ("td", "th") and self.table is not None:
            self.table[-1].append("")
        if tag == "svg":
            self.svgs.append("")
        self.stack.append((tag, a.get("id")))
        if "id" in a:
            self.ids[a["id"]] = ""
    def handle_endtag(self, tag):
        while self.stack:
            t, _ = self.stack.pop()
            if t == tag:
                break
        if tag == "table":
            self.table = None
    def handle_data(self, d):
        for _, i in self.stack:
            if i:
                self.ids[i] += d
        if self.table is not None and self.table and self.table[-1] and any(t in ("td", "th") for t, _ in self.stack):
            self.table[-1][-1] += d
        if self.svgs and any(t == "svg" for t, _ in self.stack):
            self.svgs[-1] += d

# the page and the snapshot of the same record (a record may land between the two: try again)
for _ in range(6):
    body = get("/")
    snap = json.loads(get("/api/v1/snapshot"))
    p = Page()
    p.feed(body)
    if p.ids.get("time") == snap["time"]:
        break
    time.sleep(0.2)
ids = p.ids
res("same-record", ids.get("time") == snap["time"], f"page {ids.get('time')} snapshot {snap['time']}")

UNITS = {"B": 1, "KiB": 1 << 10, "MiB": 1 << 20, "GiB": 1 << 30, "TiB": 1 << 40}
def bytes_of(s):
    """'23.5 GiB' -> (bytes, half a unit of its last digit)."""
    m = re.fullmatch(r"(-?[0-9.]+) (B|KiB|MiB|GiB|TiB)(/s)?", s.strip())
    if not m:
        return None, None
    digits = m.group(1).split(".")
    step = 10 ** -len(digits[1]) if len(digits) > 1 else 1
    return float(m.group(1)) * UNITS[m.group(2)], step / 2 * UNITS[m.group(2)]

def pct_of(s):
    m = re.fullmatch(r"(-?[0-9.]+) %", s.strip())
    return float(m.group(1)) if m else None

def close_bytes(s, want):
    v, tol = bytes_of(s)
    return v is not None and abs(v - want) <= tol * 1.001 + 1

res("hostname", ids.get("host") == socket.gethostname() == snap["host"],
    f"page {ids.get('host')!r}, hostname {socket.gethostname()!r}, snapshot {snap['host']!r}")
ncpu = sum(1 for l in open("/proc/cpuinfo") if l.startswith("processor"))
res("cpu-count", ids.get("cpu-count") == str(ncpu), f"page {ids.get('cpu-count')}, /proc/cpuinfo {ncpu}")
memtotal = next(int(l.split()[1]) * 1024 for l in open("/proc/meminfo") if l.startswith("MemTotal:"))
res("memtotal", close_bytes(ids.get("mem-total", ""), memtotal), f"page {ids.get('mem-total')}, MemTotal {memtotal}")
up = float(open("/proc/uptime").read().split()[0])
parts = re.findall(r"(\d+) (d|h|min|s)", ids.get("uptime", ""))
page_up = sum(int(v) * {"d": 86400, "h": 3600, "min": 60, "s": 1}[u] for v, u in parts)
res("uptime", abs(page_up - snap["uptime_s"]) <= 1 and abs(page_up - up) <= 5,
    f"page {ids.get('uptime')} ({page_up} s), snapshot {snap['uptime_s']}, /proc/uptime {up}")

bad = []
for key, field in (("cpu-busy", "busy_pct"), ("cpu-user", "user_pct"), ("cpu-system", "system_pct")):
    v = pct_of(ids.get(key, ""))
    if v is None or abs(v - snap["cpu"][field]) > 0.051:
        bad.append(f"{key} {ids.get(key)} vs {snap['cpu'][field]}")
for key, field in (("mem-used", "used_bytes"), ("mem-available", "available_bytes")):
    if not close_bytes(ids.get(key, ""), snap["memory"][field]):
        bad.append(f"{key} {ids.get(key)} vs {snap['memory'][field]}")
for key in ("load1", "load5", "load15"):
    if abs(float(ids.get(key, "nan")) - snap["load"][key]) > 0.0051:
        bad.append(f"{key} {ids.get(key)} vs {snap['load'][key]}")
p99 = snap.get("sched", {}).get("runqueue_latency_us", {}).get("p99")
m = re.fullmatch(r"([0-9.]+) (us|ms|s)", ids.get("runq-p99", ""))
if p99 is None or not m or abs(float(m.group(1)) * {"us": 1, "ms": 1e3, "s": 1e6}[m.group(2)] - p99) > max(0.5, p99 * 0.006):
    bad.append(f"runq-p99 {ids.get('runq-p99')} vs {p99}")
res("values-match-snapshot", not bad, "; ".join(bad))

def col(table, i):
    return [r[i] for r in p.tables.get(table, [])[1:]]
want = {"filesystems": [f["mount"] for f in snap["filesystems"]], "disks": [d["device"] for d in snap["disks"]],
        "network": [n["name"] for n in snap["network"]["interfaces"]],
        "top-processes": [str(t["pid"]) for t in snap["sched"]["top_cpu"]]}
got = {k: col(k, 0) for k in want}
res("tables-match-snapshot", got == want and want["filesystems"] and want["top-processes"], f"page {got}, snapshot {want}")
cgs = sorted(snap.get("cgroups", []), key=lambda c: -(c["cpu_pct"] if c["cpu_pct"] is not None else -1))
res("top-cgroups-by-cpu", col("top-cgroups", 0) == [c["path"] for c in cgs[:10]],
    f"page {col('top-cgroups', 0)}, snapshot {[c['path'] for c in cgs[:10]]}")
fs = p.tables["filesystems"][1]
res("filesystem-used-pct", pct_of(fs[6]) is not None and abs(pct_of(fs[6]) - snap["filesystems"][0]["used_pct"]) <= 0.051,
    f"page {fs}, snapshot {snap['filesystems'][0]}")
# one wrong token POSTed, one wrong bearer header; the wrong cookie and the 413 are not counted
res("wrong-tokens-counted", snap["agent"]["http_wrong_tokens"] == 2, f"{snap['agent']['http_wrong_tokens']}")
res("alerts-firing", ids.get("alerts-firing") == str(snap["agent"]["alerts_firing"]) == "1"
    and "mem_present" in ids.get("alerts", "") and "critical" in ids.get("alerts", ""),
    f"page {ids.get('alerts-firing')} {ids.get('alerts')!r}, snapshot {snap['agent']['alerts_firing']}")
blk = p.tables.get("block", [])
res("block-latency-table", len(blk) > 1 and any(r[1] == "write" for r in blk[1:]), f"{blk}")
res("seven-charts-with-data", len(p.svgs) == 7 and not any("no data" in s for s in p.svgs),
    f"{len(p.svgs)} charts, without data: {[s[:60] for s in p.svgs if 'no data' in s]}")
res("self-contained", not re.search(r"""(src|href)\s*=|url\(|@import|https?://(?!www\.w3\.org/)""", body),
    re.findall(r""".{30}(?:(?:src|href)\s*=|url\(|@import|https?://).{30}""", body)[:3])
PYEOF

# a real browser with the cookie: no console error, all 7 charts plotted (a drawn data element in each),
# the host name on screen
$PY tests/tools/browser_check.py --cookie "$(cat "$T/cookie")" --expect-text "$(hostname)" \
	--screenshot "$T/page.png" "http://127.0.0.1:$port/" >"$T/browser.json" 2>"$T/browser.err"
echo $? >"$T/browser.rc"
pycheck page/browser "$T" <<'PYEOF'
import json, sys
d = sys.argv[1]
rc = open(d + "/browser.rc").read().strip()
try:
    j = json.load(open(d + "/browser.json"))
except ValueError:
    print(f"FAIL page/browser: exit {rc}, no JSON: " + open(d + "/browser.err").read()[-300:].replace("\n", " "))
    sys.exit()
print(f"INFO browser: {j['svg_count']} charts, {j['plotted']} plotted, {len(j['console_errors'])} console errors, "
      f"{j['elapsed_s']} s")
ok = rc == "0" and not j["console_errors"] and j["svg_count"] == 7 and j["plotted"] == 7 and j["text_found"]
print("PASS page/browser" if ok else f"FAIL page/browser: exit {rc}, {j}")
PYEOF

renders=$(grep -c 'page rendered' "$T/err")
recs=$(grep -c '"type":"metrics"' "$T/out")
sed -n 's/.*page rendered in \([0-9.]*\) ms, \([0-9]*\) bytes/\1 \2/p' "$T/err" | sort -n | tail -1 |
	while read -r ms bytes; do echo "  info page: $renders renders for $recs records, slowest ${ms} ms, $bytes bytes"; done
if [ "$renders" -ge 2 ] && [ "$renders" -le "$((recs + 1))" ]; then
	pass page/rendered-at-most-once-per-record
else
	fail page/rendered-at-most-once-per-record "$renders renders for $recs records"
fi
if grep -qF "$PAGE_TOKEN" "$T/err" "$T/out"; then
	fail "page/token-in-no-log" "$(grep -F "$PAGE_TOKEN" "$T/err" "$T/out" | head -2)"
else
	pass "page/token-in-no-log"
fi
kill -TERM $cw
wait $cw

# without a token file: the page at once, no login
port=$($PY tests/tools/free_port.py)
"${CW[@]}" --no-bpf -i 1s --listen "127.0.0.1:$port" >"$T/out2" 2>"$T/err2" &
cw=$!
pids+=($cw)
wait_grep "$T/out2" '"type":"metrics"' 15 || fail "page/open-started" "$(tail -3 "$T/err2")"
pycheck page/open "$port" <<'PYEOF'
import http.client, socket, sys
port = int(sys.argv[1])
def req(method, path, body=None):
    c = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
    c.request(method, path, body=body, headers={"Content-Type": "application/x-www-form-urlencoded"})
    r = c.getresponse()
    return r, r.read().decode()
r, body = req("GET", "/")
ok = r.status == 200 and f'<h1 id="host">{socket.gethostname()}</h1>' in body and "<form" not in body
print("PASS page/no-token-page-at-once" if ok else f"FAIL page/no-token-page-at-once: {r.status} {body[:200]}")
r, _ = req("POST", "/login", "token=x")
print("PASS page/no-token-no-login" if r.status == 405 else f"FAIL page/no-token-no-login: {r.status}")
PYEOF
kill -TERM $cw
wait $cw
