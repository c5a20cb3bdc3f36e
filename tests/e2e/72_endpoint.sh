# SPDX-License-Identifier: GPL-2.0-only
# The --listen endpoint as HTTP clients use it and abuse it: kept-alive and pipelined requests each
# answered at once, the bearer scheme in any case, 405 naming what is allowed; slow clients
# (slowloris) from many addresses never keep a scraper out, one address holds at most 8
# connections, and both defences are counted in the record (agent.http_*); 20 clients polling the
# live page every second, beside clients that never read it, keep records on their tick and cost
# one rendering per record.
. tests/e2e/lib.sh

port=$($PY tests/tools/free_port.py)
printf 'abcdefghijklmnop0123456789\n' >"$T/token"
chmod 600 "$T/token"
# on 0.0.0.0: the slow clients come from other loopback addresses (127.0.0.2...) than the scraper
# -v: the log says when the page is rendered
"${CW[@]}" -v --no-bpf -i 500ms --listen "0.0.0.0:$port" --listen-token-file "$T/token" >"$T/out" 2>"$T/err" &
cw=$!
pids+=($cw)
wait_lines "$T/out" 2 15 || fail "endpoint/started" "$(tail -3 "$T/err")"

pycheck endpoint/http "$port" <<'PYEOF'
import socket, sys, time
port = int(sys.argv[1])
tok = b"abcdefghijklmnop0123456789"

def responses(s, n, timeout=3.0):
    """Reads until n responses (by their Content-Length) have arrived; returns them and the time."""
    s.settimeout(timeout)
    buf, got, t0 = b"", [], time.monotonic()
    while len(got) < n:
        while b"\r\n\r\n" in buf:
            head, rest = buf.split(b"\r\n\r\n", 1)
            length = next((int(l.split(b":")[1]) for l in head.split(b"\r\n")
                           if l.lower().startswith(b"content-length:")), 0)
            if len(rest) < length:
                break
            got.append((head.decode(), rest[:length]))
            buf = rest[length:]
        if len(got) >= n:
            break
        try:
            d = s.recv(65536)
        except socket.timeout:
            break
        if not d:
            break
        buf += d
    return got, time.monotonic() - t0

def res(name, ok, why):
    print(f"PASS endpoint/{name}" if ok else f"FAIL endpoint/{name}: {why}")

# three pipelined requests in one write: three answers, in order, without waiting for a timer
s = socket.create_connection(("127.0.0.1", port))
s.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n"
          b"GET /metrics HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer " + tok + b"\r\n\r\n"
          b"GET /nope HTTP/1.1\r\nHost: x\r\n\r\n")
got, took = responses(s, 3)
codes = [h.split()[1] for h, _ in got]
res("pipelined-requests-each-answered", codes == ["200", "200", "404"] and took < 0.5,
    f"codes {codes} in {took:.3f} s")
# the same connection kept alive for a fourth
s.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
got, took = responses(s, 1)
res("keep-alive", [h.split()[1] for h, _ in got] == ["200"] and took < 0.5, f"{got} in {took:.3f} s")
s.close()

def one(req):
    s = socket.create_connection(("127.0.0.1", port))
    s.sendall(req)
    got, _ = responses(s, 1)
    s.close()
    return got[0] if got else ("none", b"")

for scheme in (b"bearer", b"BEARER", b"Bearer  "):
    h, _ = one(b"GET /metrics HTTP/1.1\r\nHost: x\r\nAuthorization: " + scheme + b" " + tok + b"\r\n\r\n")
    res(f"auth-scheme-any-case {scheme.decode().strip()}", h.split()[1] == "200", h.split("\r\n")[0])
h, _ = one(b"GET /metrics HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer " + tok + b"x\r\n\r\n")
res("auth-longer-token-refused", h.split()[1] == "401", h.split("\r\n")[0])
h, _ = one(b"DELETE /metrics HTTP/1.1\r\nHost: x\r\n\r\n")
allow = [l for l in h.split("\r\n") if l.lower().startswith("allow:")]
res("405-names-allowed-methods", h.split()[1] == "405" and allow == ["Allow: GET, HEAD"], h.replace("\r\n", " | "))
PYEOF

# Slowloris: 100 clients from 20 addresses, each trickling one header line every 2 s and
# reconnecting when closed, against a scraper from 127.0.0.1 every 0.5 s for 12 s. Then 20 clients
# from one address: 8 are let in.
n0=$(wc -l <"$T/out")
pycheck endpoint/slowloris "$port" <<'PYEOF'
import socket, sys, threading, time
port = int(sys.argv[1])
tok = b"abcdefghijklmnop0123456789"
stop = time.monotonic() + 12
opened = [0]

def trickler(addr):
    while time.monotonic() < stop:
        try:
            s = socket.create_connection(("127.0.0.1", port), timeout=2, source_address=(addr, 0))
            opened[0] += 1
            s.sendall(b"GET /metrics HTTP/1.1\r\n")
            while time.monotonic() < stop:
                time.sleep(2)
                s.sendall(b"X-Slow: 1\r\n")
        except OSError:
            time.sleep(0.2)

ts = [threading.Thread(target=trickler, args=(f"127.0.0.{2 + i % 20}",), daemon=True) for i in range(100)]
for t in ts:
    t.start()
time.sleep(1)
lat, bad = [], []
while time.monotonic() < stop - 0.5:
    t0 = time.monotonic()
    try:
        s = socket.create_connection(("127.0.0.1", port), timeout=1)
        s.settimeout(1)
        s.sendall(b"GET /metrics HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer " + tok + b"\r\n\r\n")
        head = s.recv(64)
        s.close()
        if not head.startswith(b"HTTP/1.1 200"):
            bad.append(head[:20])
    except OSError as e:
        bad.append(str(e))
    lat.append(time.monotonic() - t0)
    time.sleep(max(0, 0.5 - (time.monotonic() - t0)))
late = [round(x, 3) for x in lat if x >= 1]
print(f"INFO slowloris: {len(lat)} scrapes, slowest {max(lat):.3f} s; slow clients opened {opened[0]} connections")
ok = len(lat) >= 15 and not bad and not late
print("PASS endpoint/scrapes-served-under-slowloris" if ok else
      f"FAIL endpoint/scrapes-served-under-slowloris: {len(lat)} scrapes, failed {bad[:3]}, over 1 s {late}")
for t in ts:
    t.join(5)

# one address: 8 connections held, the rest closed at once
socks, refused = [], 0
for i in range(20):
    try:
        s = socket.create_connection(("127.0.0.1", port), timeout=2, source_address=("127.0.0.30", 0))
        s.settimeout(0.5)
        try:
            if s.recv(1) == b"":
                refused += 1
                s.close()
                continue
        except socket.timeout:
            pass
        socks.append(s)
    except OSError:
        refused += 1
print(f"INFO one address: {len(socks)} held, {refused} refused")
ok = len(socks) == 8 and refused == 12
print("PASS endpoint/eight-connections-per-address" if ok else
      f"FAIL endpoint/eight-connections-per-address: {len(socks)} held, {refused} refused")
for s in socks:
    s.close()
PYEOF
sleep 1.2
pycheck endpoint/counted "$T/out" <<PYEOF
import json, sys
recs = [json.loads(l) for l in open(sys.argv[1])]
a, a0 = recs[-1]["agent"], recs[$n0 - 1]["agent"]
closed = a["http_clients_closed"] - a0["http_clients_closed"]
refused = a["http_clients_refused"] - a0["http_clients_refused"]
print(f"INFO counted: {closed} closed, {refused} refused, {a['http_requests']} requests answered")
print("PASS endpoint/slow-clients-closed-counted" if closed >= 100 else f"FAIL endpoint/slow-clients-closed-counted: {closed}")
print("PASS endpoint/refusals-counted" if refused >= 12 else f"FAIL endpoint/refusals-counted: {refused}")
print("PASS endpoint/requests-counted" if a["http_requests"] >= 20 else f"FAIL endpoint/requests-counted: {a}")
PYEOF
# The live page: 20 clients from 20 addresses poll it every second over kept-alive connections for
# 8 s, and 3 more ask for it and never read (a small receive buffer: the answer cannot all be
# sent). Records stay on their 500 ms tick: offsets from the wall-clock multiple, gaps.
n0=$(wc -l <"$T/out")
r0=$(grep -c 'page rendered' "$T/err")
pycheck endpoint/page-pollers "$port" <<'PYEOF'
import http.client, socket, sys, threading, time
port = int(sys.argv[1])
tok = "abcdefghijklmnop0123456789"
stop = time.monotonic() + 8
lat, bad = [], []

def poller(i):
    c = http.client.HTTPConnection("127.0.0.1", port, timeout=3, source_address=(f"127.0.1.{i + 1}", 0))
    while time.monotonic() < stop:
        t0 = time.monotonic()
        try:
            c.request("GET", "/", headers={"Authorization": "Bearer " + tok})
            r = c.getresponse()
            body = r.read()
            if r.status != 200 or b"</html>" not in body:
                bad.append(r.status)
        except (OSError, http.client.HTTPException) as e:
            bad.append(str(e))
            c.close()
        lat.append(time.monotonic() - t0)
        time.sleep(max(0, 1 - (time.monotonic() - t0)))
    c.close()

stuck = []
for i in range(3):
    s = socket.socket()
    s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 2048)
    s.connect(("127.0.0.1", port))
    s.sendall(f"GET / HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {tok}\r\n\r\n".encode() * 4)
    stuck.append(s)
ts = [threading.Thread(target=poller, args=(i,)) for i in range(20)]
for t in ts:
    t.start()
for t in ts:
    t.join(15)
for s in stuck:
    s.close()
print(f"INFO page pollers: {len(lat)} pages, slowest {max(lat):.3f} s, median {sorted(lat)[len(lat) // 2] * 1000:.1f} ms")
ok = len(lat) >= 140 and not bad and max(lat) < 1
print("PASS endpoint/page-polled-by-20" if ok else
      f"FAIL endpoint/page-polled-by-20: {len(lat)} pages, failed {bad[:3]}, slowest {max(lat):.3f} s")
PYEOF
pycheck endpoint/page-ticks "$T/out" <<PYEOF
import json, sys
from datetime import datetime
lines = open(sys.argv[1]).readlines()
before = [json.loads(l) for l in lines[:$n0] if '"type":"metrics"' in l][-10:]
during = [json.loads(l) for l in lines[$n0:] if '"type":"metrics"' in l]
def ms(r):
    return int(datetime.strptime(r["time"], "%Y-%m-%dT%H:%M:%S.%f%z").timestamp() * 1000)
off = [ms(r) % 500 for r in during]
gaps = [ms(b) - ms(a) for a, b in zip(during, during[1:])]
print(f"INFO tick offsets with 20 page pollers: {len(during)} records, max {max(off)} ms, "
      f"mean {sum(off) / len(off):.1f} ms (before: max {max(ms(r) % 500 for r in before)} ms)")
missed = during[-1]["agent"]["missed_intervals"] - during[0]["agent"]["missed_intervals"]
# a record's time is when its sample ran (ms): a tick's wakeup latency shows as 499/501 gaps
ok = len(during) >= 16 and max(off) < 100 and all(abs(g - 500) < 100 for g in gaps) and missed == 0
print("PASS endpoint/records-on-tick-under-page-load" if ok else
      f"FAIL endpoint/records-on-tick-under-page-load: {len(during)} records, offsets {off}, gaps {set(gaps)}, missed {missed}")
PYEOF
renders=$(($(grep -c 'page rendered' "$T/err") - r0))
recs=$(($(wc -l <"$T/out") - n0))
echo "  info page renders with 20 pollers: $renders for $recs records; $(sed -n 's/.*page rendered in \([0-9.]*\) ms, \([0-9]*\) bytes/\1 ms \2 bytes/p' "$T/err" | sort -n | tail -1) the slowest"
# 160 pages, polled in step once a second: one rendering a second, never more than one a record
if [ "$renders" -ge 6 ] && [ "$renders" -le "$((recs + 1))" ]; then
	pass endpoint/page-rendered-once-per-record
else
	fail endpoint/page-rendered-once-per-record "$renders renders for $recs records"
fi
kill -TERM $cw
wait $cw
