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

# The log directory is removed while running, then comes back.
"${CW[@]}" --no-bpf -i 100ms --log-dir "$T/vanish" 2>"$T/vanish.err" &
pid=$!
f="$T/vanish/corewatch-$(date +%F).log"
wait_lines "$f" 3 5
rm -rf "$T/vanish"
sleep 0.6
mkdir "$T/vanish"
wait_lines "$f" 3 5
kill -TERM $pid
wait $pid
rc=$?
if [ $rc -eq 0 ] && grep -q "No such file or directory" "$T/vanish.err" &&
	$PY - "$f" <<'PYEOF'
import json, sys
recs = [json.loads(l) for l in open(sys.argv[1])]
a = recs[-1]["agent"]
# the records of the outage came out of the backlog: more lines than since the directory came back
assert a["write_errors"] >= 3 and a["records_dropped"] == 0 and len(recs) >= 6, (a, len(recs))
PYEOF
then
	pass "faults/log-dir-removed-and-restored"
else
	fail "faults/log-dir-removed-and-restored" "rc=$rc $(tr '\n' ' ' <"$T/vanish.err" | head -c 300)"
fi
