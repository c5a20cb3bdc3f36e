# SPDX-License-Identifier: GPL-2.0-only
# Runtime faults are reported, counted and survived: a full disk, a log directory that disappears.
. tests/e2e/lib.sh

# ENOSPC on a tiny tmpfs: warnings once, no half line, sampling goes on, records resume after.
if need_root "faults/enospc"; then
	mnt="$T/small"
	mkdir -p "$mnt"
	if mount -t tmpfs -o size=256k tmpfs "$mnt"; then
		"${CW[@]}" --no-bpf -i 100ms --log-dir "$mnt" 2>"$T/enospc.err" &
		pid=$!
		f="$mnt/corewatch-$(date +%F).log"
		wait_lines "$f" 3 5
		dd if=/dev/zero of="$mnt/filler" bs=4k count=1000 2>/dev/null # fills it up
		sleep 1.5
		alive_full=no
		kill -0 $pid 2>/dev/null && alive_full=yes
		rm -f "$mnt/filler"
		sleep 1
		kill -TERM $pid
		wait $pid
		rc=$?
		nwarn=$(grep -c "No space left on device" "$T/enospc.err")
		if [ "$alive_full" = yes ] && [ $rc -eq 0 ] && [ "$nwarn" -eq 1 ] &&
			grep -q "writing records to .* again" "$T/enospc.err"; then
			pass "faults/enospc-reported-once-and-survived"
		else
			fail "faults/enospc-reported-once-and-survived" "alive=$alive_full rc=$rc warnings=$nwarn: $(tr '\n' ' ' <"$T/enospc.err" | head -c 300)"
		fi
		# Every line is whole and valid, and the records kept during the outage were written.
		check "faults/enospc-no-half-line" $PY "$VALIDATE" "$SCHEMA" "$f"
		pycheck faults/enospc-records "$f" <<'PYEOF'
import json, sys
recs = [json.loads(l) for l in open(sys.argv[1])]
mets = [r for r in recs if r["type"] == "metrics"]
last = mets[-1]["agent"]
ok = last["write_errors"] > 0 and last["records_dropped"] == 0 and len(mets) >= 20
print(("PASS" if ok else "FAIL") + " faults/enospc-counted-nothing-lost" + ("" if ok else f": {last} {len(mets)} records"))
PYEOF
		umount "$mnt"
	else
		skip_or_fail "faults/enospc" "cannot mount tmpfs"
	fi
fi

# The log directory is removed while running and a file takes its name for 0.6 s (nothing can be
# written: errors counted, records kept); once the file goes, the agent makes the directory again
# (its own mode), the new file starts with the inventory and the kept records come out first.
"${CW[@]}" --no-bpf -i 100ms --log-dir "$T/vanish" 2>"$T/vanish.err" &
pid=$!
f="$T/vanish/corewatch-$(date +%F).log"
wait_lines "$f" 3 5
rm -rf "$T/vanish" && : >"$T/vanish"
sleep 0.6
rm -f "$T/vanish"
wait_lines "$f" 3 5
kill -TERM $pid
wait $pid
rc=$?
if [ $rc -eq 0 ] && grep -q "Not a directory" "$T/vanish.err" && grep -q "was gone: created it again" "$T/vanish.err" &&
	[ "$(stat -c %a "$T/vanish")" = 2750 ] && $PY - "$f" <<'PYEOF'
import json, sys
recs = [json.loads(l) for l in open(sys.argv[1])]
a = recs[-1]["agent"]
# the records of the outage came out of the backlog: more lines than since the directory came back
assert a["write_errors"] >= 3 and a["records_dropped"] == 0 and len(recs) >= 6, (a, len(recs))
# the file made again starts with the inventory, as every new file does
assert recs[0]["type"] == "inventory" and sum(r["type"] == "inventory" for r in recs) == 1, [r["type"] for r in recs[:3]]
PYEOF
then
	pass "faults/log-dir-removed-is-recreated"
else
	fail "faults/log-dir-removed-is-recreated" "rc=$rc $(tr '\n' ' ' <"$T/vanish.err" | head -c 300)"
fi

# The wall clock jumps 30 days forward, then steps back, then on a day (libfaketime, its offset
# re-read from a file while corewatch runs; NO_FAKE_STAT keeps file times real, as in a real jump).
# Retention must keep the day just closed, every record must land in the file of its own date, and
# a day's .gz gains the lines of its second visit instead of losing its first.
FAKELIB=$(ls /usr/lib/*/faketime/libfaketime.so.1 2>/dev/null | head -1)
if [ -z "$FAKELIB" ]; then
	skip_or_fail "faults/clock-jumps" "no libfaketime (apt-get install faketime)"
else
	c="$T/clock"
	mkdir -p "$c/logs"
	d0=$(date +%F)
	# Days before today, written on their day (mtime matches the name).
	for k in 1 2 3; do
		dk=$(date -d "$d0 -$k days" +%F)
		printf '{"before":%d}\n' $k >"$c/logs/corewatch-$dk.log"
		touch -d "$dk 12:00" "$c/logs/corewatch-$dk.log"
	done
	echo "+0d" >"$c/offset"
	# (under SANITIZE=1 ASan must not insist on being the first library: libfaketime is)
	ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}verify_asan_link_order=0" \
		LD_PRELOAD=$FAKELIB FAKETIME_TIMESTAMP_FILE="$c/offset" FAKETIME_NO_CACHE=1 NO_FAKE_STAT=1 \
		"${CW[@]}" --no-bpf -i 100ms --log-dir "$c/logs" 2>"$c/err" &
	pid=$!
	d30=$(date -d "$d0 +30 days" +%F)
	d1=$(date -d "$d0 +1 day" +%F)
	gz_has() { [ -f "$1" ] && [ "$(zcat "$1" 2>/dev/null | wc -l)" -ge "$2" ]; }
	wait_lines "$c/logs/corewatch-$d0.log" 5 10
	echo "+30d" >"$c/offset" # forward: today's file is the day just closed
	wait_lines "$c/logs/corewatch-$d30.log" 5 10
	for ((i = 0; i < 50; i++)); do gz_has "$c/logs/corewatch-$d0.log.gz" 5 && break; sleep 0.1; done
	ls "$c/logs" >"$c/after-forward"
	echo "+0d" >"$c/offset" # back: records go to today's file again, not to the future one
	for ((i = 0; i < 100; i++)); do [ -f "$c/logs/corewatch-$d0.log" ] && break; sleep 0.1; done
	wait_lines "$c/logs/corewatch-$d0.log" 5 10
	for ((i = 0; i < 50; i++)); do gz_has "$c/logs/corewatch-$d30.log.gz" 5 && break; sleep 0.1; done
	ls "$c/logs" >"$c/after-back"
	echo "+1d" >"$c/offset" # tomorrow: today closes a second time, into the same .gz
	wait_lines "$c/logs/corewatch-$d1.log" 5 10
	for ((i = 0; i < 50; i++)); do [ ! -f "$c/logs/corewatch-$d0.log" ] && break; sleep 0.1; done
	sleep 0.3
	kill -TERM $pid
	wait $pid
	rc=$?
	pycheck faults/clock-jumps "$c" <<PYEOF
import gzip, json, os, sys, time
c = sys.argv[1]
logs = c + "/logs"
def check(name, ok, why=""):
    print(f"PASS {name}" if ok else f"FAIL {name}: {why}")
def lines(name):
    p = os.path.join(logs, name)
    data = gzip.open(p, "rt").read() if name.endswith(".gz") else open(p).read()
    return [json.loads(l) for l in data.splitlines()]
fwd = open(c + "/after-forward").read().split()
back = open(c + "/after-back").read().split()
final = sorted(os.listdir(logs))
d0, d30, d1 = "$d0", "$d30", "$d1"
check("faults/clock-forward-keeps-day-just-closed", f"corewatch-{d0}.log.gz" in fwd and f"corewatch-{d30}.log" in fwd, fwd)
# the days before were written on their day: 31+ days old by the new clock, by name and by mtime
check("faults/clock-forward-deletes-really-old-days", not any("before" in f or f.startswith("corewatch-") and f[10:20] < d0 for f in fwd), fwd)
check("faults/clock-back-writes-current-day", f"corewatch-{d0}.log" in back and f"corewatch-{d30}.log.gz" in back
      and f"corewatch-{d30}.log" not in back, back)
check("faults/clock-jumps-exit-0", $rc == 0, "rc=$rc")
# Every record is in the file of its own local date; nothing is lost; the day visited twice has both visits.
bad, total, visits = [], 0, {}
for f in final:
    day = f[len("corewatch-"):len("corewatch-") + 10]
    for r in lines(f):
        if "timestamp" not in r:
            continue
        total += 1
        rd = time.strftime("%Y-%m-%d", time.localtime(r["timestamp"]))
        if rd != day:
            bad.append((f, rd))
check("faults/clock-jumps-records-in-own-day-file", not bad and total >= 20, (bad[:5], total, final))
ts = [r["timestamp"] for r in lines(f"corewatch-{d0}.log.gz") if "timestamp" in r]
inv = [r for r in lines(f"corewatch-{d0}.log.gz") if r.get("type") == "inventory"]
# first visit: the inventory and 5+ records; second visit (after the step back): its own inventory
# (a file made anew) and 5+ more
check("faults/clock-back-day-gz-keeps-both-visits", len(inv) == 2 and len(ts) >= 10, (len(inv), len(ts)))
# every file the agent made starts with the inventory, taken on its own day
firsts = {f: (lambda rs: rs[0] if rs else {})(lines(f)) for f in final}
check("faults/every-new-file-starts-with-inventory", all(r.get("type") == "inventory" and
      time.strftime("%Y-%m-%d", time.localtime(r["timestamp"])) == f[10:20] for f, r in firsts.items()),
      {f: (r.get("type"), r.get("time")) for f, r in firsts.items()})
check("faults/clock-jumps-final-files", final == sorted([f"corewatch-{d0}.log.gz", f"corewatch-{d1}.log", f"corewatch-{d30}.log.gz"]), final)
PYEOF
fi

# Stopped for 5 s (SIGSTOP, then SIGCONT): the intervals it missed are counted, no burst of stale
# records follows, and no record covers a sliver of an interval (the late tick's neighbour is merged
# into the next record). Then storms of 200 SIGHUPs: every line whole, the loop still on time, no
# descriptor or memory left behind by the second.
# (under SANITIZE=1, ASan's quarantine of freed memory would read as growth: off for this agent)
ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}quarantine_size_mb=0" "${CW[@]}" --no-bpf -i 500ms >"$T/stop.out" 2>"$T/stop.err" &
pid=$!
wait_lines "$T/stop.out" 4 10
kill -STOP $pid
sleep 5
# continued 60 ms before a tick is due: the late tick and that one would make a 60 ms record
$PY -c 'import os, sys, time
t = time.time()
time.sleep((0.44 - t % 0.5) % 0.5)
os.kill(int(sys.argv[1]), 18)
print(f"{time.time():.6f}")' $pid >"$T/cont"
sleep 2.6
# two storms: the first warms the allocator (under ASan it takes ~1 MB once, then stays flat; the
# heap itself is flat, as valgrind's massif showed), the second must leave nothing behind
storm() {
	$PY -c 'import os, sys, time
for _ in range(200):
    os.kill(int(sys.argv[1]), 1)
    time.sleep(0.002)' $pid
	sleep 2.6
}
storm
fds0=$(ls /proc/$pid/fd | wc -l) rss0=$(awk '/^VmRSS/ {print $2}' /proc/$pid/status)
storm
fds1=$(ls /proc/$pid/fd | wc -l) rss1=$(awk '/^VmRSS/ {print $2}' /proc/$pid/status)
kill -TERM $pid
wait $pid
rc=$?
CONT=$(cat "$T/cont") RC=$rc FDS="$fds0 $fds1" RSS="$rss0 $rss1" pycheck faults/stop-and-hup-storm "$T/stop.out" <<'PYEOF'
import json, os, sys
from datetime import datetime, timezone
def check(name, ok, why=""):
    print(f"PASS faults/{name}" if ok else f"FAIL faults/{name}: {why}")
lines = open(sys.argv[1]).read().splitlines()
recs = []
for l in lines:
    try:
        recs.append(json.loads(l))
    except ValueError:
        recs.append(None)
check("stop-hup-every-line-whole", None not in recs and len(recs) > 10, f"{recs.count(None)} torn of {len(recs)}")
recs = [r for r in recs if r]
m = [r for r in recs if r["type"] == "metrics"]
t = [datetime.strptime(r["time"], "%Y-%m-%dT%H:%M:%S.%fZ").replace(tzinfo=timezone.utc).timestamp() for r in m]
cont = float(os.environ["CONT"])
gaps = [round(b - a, 3) for a, b in zip(t, t[1:])]
check("stop-no-sliver-records", all(g >= 0.25 for g in gaps), gaps)
# one record for the late tick, then the usual cadence: no catching up
after = [x for x in t if cont - 0.05 <= x < cont + 0.2]
check("stop-no-burst-after-sigcont", len(after) <= 1, [round(x - cont, 3) for x in t if cont - 1 < x < cont + 2])
before = [r["agent"]["missed_intervals"] for r, x in zip(m, t) if x < cont - 1]
later = [r["agent"]["missed_intervals"] for r, x in zip(m, t) if x > cont + 1]
missed = later[0] - before[-1] if before and later else -1
check("stop-missed-intervals-counted", 9 <= missed <= 11, f"{missed} (want about 5 s / 0.5 s - 1, and the merged one)")
late = [r["time"] for r, x in zip(m, t) if x > cont + 1 and int(r["time"][20:23]) % 500 > 100]
check("hup-storm-loop-on-time", not late and len(later) >= 8, (late, len(later)))
fds, rss = [int(x) for x in os.environ["FDS"].split()], [int(x) for x in os.environ["RSS"].split()]
check("hup-storm-nothing-leaked", fds[0] == fds[1] and rss[1] - rss[0] < 1024, f"fds {fds}, RSS kB {rss}")
check("hup-storm-exit-0", os.environ["RC"] == "0", os.environ["RC"])
PYEOF
