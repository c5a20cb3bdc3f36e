# SPDX-License-Identifier: GPL-2.0-only
# Command line and config file: bad input exits 2 with a one-line reason; --check-config; --help.
. tests/e2e/lib.sh

# expect_2 NAME PATTERN ARGS...: exit status 2, PATTERN on stderr, nothing on stdout.
expect_2() {
	local name=$1 pat=$2 rc
	shift 2
	"${CW[@]}" "$@" >"$T/o" 2>"$T/e"
	rc=$?
	if [ $rc -eq 2 ] && grep -q -- "$pat" "$T/e" && [ ! -s "$T/o" ] && [ "$(wc -l <"$T/e")" -eq 1 ]; then
		pass "cli/$name"
	else
		fail "cli/$name" "exit $rc, stderr: $(head -2 "$T/e"), stdout bytes: $(wc -c <"$T/o")"
	fi
}
printf 'interval = 1s\nno-such-key = 3\n' >"$T/unknown.conf"
printf '# retention\nretention-days = 100000\n' >"$T/bounds.conf"
printf 'interval = 2s\nformat = stamped\n' >"$T/good.conf"
expect_2 interval-abc "--interval: 'abc'" --interval abc
expect_2 interval-0 "--interval: '0' is out of range" --interval 0
expect_2 count-negative "--count: '-1'" --count -1
expect_2 unknown-flag "unknown option '--no-such-flag'" --no-such-flag
expect_2 unknown-config-key "$T/unknown.conf:2: unknown key 'no-such-key'" -c "$T/unknown.conf"
expect_2 config-out-of-bounds "$T/bounds.conf:2: retention-days" -c "$T/bounds.conf"
expect_2 missing-config "$T/none.conf: No such file" -c "$T/none.conf"
# sizes: only on metrics in bytes, in powers of 1024 units; the rule and the column, or file:line
expect_2 size-unit-not-bytes "--alert: 'x: cpu.busy_pct > 2G': column 19: '2G': a size unit applies only" \
	--alert 'x: cpu.busy_pct > 2G'
printf '[corewatch]\nalert = m: memory.available_bytes < 2GB\n' >"$T/size.conf"
expect_2 size-unit-decimal "$T/size.conf:2: alert: 'm: memory.available_bytes < 2GB': column 29: '2GB' is not a number or a size" \
	-c "$T/size.conf"
expect_2 format-text-log-dir "--format text: is for a terminal" --format text --log-dir "$T/logs-text"
printf 'abcdefghijklmnop0123456789\n' >"$T/token.world" && chmod 644 "$T/token.world"
expect_2 token-file-world-readable "--listen-token-file: $T/token.world is readable by every user (mode 0644)" \
	--listen 127.0.0.1:1 --listen-token-file "$T/token.world" -n 1
expect_2 log-dir-is-file "--log-dir: '$T/good.conf' is not a directory" --log-dir "$T/good.conf" -n 1

out=$("${CW[@]}" --check-config -c "$T/good.conf" -i 500ms 2>&1)
if [ $? -eq 0 ] && echo "$out" | $PY -c '
import json, sys
c = json.load(sys.stdin)
assert c["interval"] == "500ms" and c["format"] == "stamped" and c["retention-days"] == 7, c'; then
	pass "cli/check-config-prints-effective-config"
else
	fail "cli/check-config-prints-effective-config" "$out"
fi
expect_2 check-config-bad "$T/unknown.conf:2" --check-config -c "$T/unknown.conf"
# Secrets in URLs and headers are never printed: passwords in userinfo, secret header values.
cat >"$T/secrets.conf" <<'EOF'
alert-webhook = https://hookuser:hunter2-pw@example.com/hook
alert-webhook-header = Authorization: Bearer s3cr3t-bearer
alert-webhook-header = X-Api-Key: s3cr3t-key
alert-webhook-header = X-Team: ops
alertmanager = http://am:am-p%40ss@127.0.0.1:9093
smtp-url = smtp://mailer:mail:pw@mail.example.com:587
smtp-from = corewatch@example.com
alert-email = ops@example.com
EOF
out=$("${CW[@]}" --check-config -c "$T/secrets.conf" 2>&1)
if [ $? -eq 0 ] && ! echo "$out" | grep -qE 'hunter2|s3cr3t|am-p|mail:pw' && echo "$out" | $PY -c '
import json, sys
c = json.load(sys.stdin)
assert c["alert-webhook"] == "https://hookuser:***@example.com/hook", c["alert-webhook"]
assert c["alert-webhook-header"] == ["Authorization: ***", "X-Api-Key: ***", "X-Team: ops"], c["alert-webhook-header"]
assert c["alertmanager"] == "http://am:***@127.0.0.1:9093" and c["smtp-url"] == "smtp://mailer:***@mail.example.com:587", c'; then
	pass "cli/check-config-redacts-secrets"
else
	fail "cli/check-config-redacts-secrets" "$out"
fi
# --ca-file: a file that cannot decide whom alerts are sent to is refused before anything starts
printf 'not a certificate\n' >"$T/notpem"
printf -- '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n' >"$T/open.pem"
chmod 666 "$T/open.pem"
expect_2 ca-file-unused "--ca-file: no --alert-webhook, --alertmanager or --alert-email uses it" --ca-file /etc/hostname
expect_2 ca-file-missing "--ca-file: $T/none: No such file or directory" --ca-file "$T/none" --alert-webhook https://h/x
expect_2 ca-file-not-pem "--ca-file: $T/notpem: no PEM certificate" --ca-file "$T/notpem" --alert-webhook https://h/x
expect_2 ca-file-world-writable "--ca-file: $T/open.pem is writable by every user (mode 0666)" --ca-file "$T/open.pem" \
	--alertmanager https://h/
expect_2 ca-file-directory "--ca-file: $T: not a regular file" --ca-file "$T" --alert-email a@b.c --smtp-url smtps://h \
	--smtp-from c@d.e
expect_2 smtp-starttls-url-checked "--smtp-url: 'smtp+starttls://\[h' is not an smtp://" --alert-email a@b.c \
	--smtp-url 'smtp+starttls://[h' --smtp-from c@d.e
expect_2 bad-url-redacted "--alert-webhook: 'ftp://u:\*\*\*@h/x' is not an http" --alert-webhook 'ftp://u:pw-not-shown@h/x'
# Two bad lines: the first one is named, by its own line number, whichever comes first.
printf 'interval = 1s\nformat = json\nthis line is bad\nintreval = 2s\n' >"$T/two1.conf"
printf 'interval = 1s\nintreval = 2s\nthis line is bad\n' >"$T/two2.conf"
printf '# x\n\nformat = xml\nintreval = 2s\nbad\n' >"$T/two3.conf"
expect_2 check-config-syntax-before-key "$T/two1.conf:3: not a 'key = value' line" --check-config -c "$T/two1.conf"
expect_2 check-config-key-before-syntax "$T/two2.conf:2: unknown key 'intreval'" --check-config -c "$T/two2.conf"
expect_2 check-config-value-before-key "$T/two3.conf:3: format: 'xml'" --check-config -c "$T/two3.conf"

"$COREWATCH" --help >"$T/help" 2>&1 && grep -q -- "--retention-days N" "$T/help" &&
	pass "cli/help" || fail "cli/help" "$(head -3 "$T/help")"
"$COREWATCH" --version | grep -Eq '^corewatch [0-9]+\.[0-9]+' && pass "cli/version" || fail "cli/version" "no version"
check "cli/shipped-config-valid" "$COREWATCH" --check-config -c configs/corewatch.conf
# The commented-out example rules in the shipped config parse too.
bad=""
while read -r rule; do
	"${CW[@]}" --alert "$rule" --check-config >/dev/null 2>&1 || bad="$bad [$rule]"
done < <(sed -n 's/^; alert = //p' configs/corewatch.conf)
[ -z "$bad" ] && [ "$(grep -c '^; alert = ' configs/corewatch.conf)" -ge 3 ] && pass "cli/shipped-config-example-rules-parse" ||
	fail "cli/shipped-config-example-rules-parse" "$bad"

# journald: when JOURNAL_STREAM names stderr (its st_dev:st_ino, systemd.exec(5)), every line carries
# its sd-daemon(3) priority, so `journalctl -p warning` sees warnings and errors; otherwise no prefix.
mkdir -p "$T/noproc" # an empty --proc-root: each collector warns it is left out
journal_run() { # journal_run ERRFILE JOURNAL_STREAM: a warning + debug run, then an error run
	JOURNAL_STREAM=$2 "${CW[@]}" --no-bpf -v -n 1 -i 100ms --proc-root "$T/noproc" >/dev/null 2>>"$1"
	JOURNAL_STREAM=$2 "${CW[@]}" --interval abc >/dev/null 2>>"$1"
}
: >"$T/journal.err"
journal_run "$T/journal.err" "$(stat -c '%d:%i' "$T/journal.err")"
j="$T/journal.err"
if grep -q '^<4>corewatch: warning: collector cpu: ' "$j" && grep -q "^<3>corewatch: error: --interval: 'abc'" "$j" &&
	grep -q '^<7>corewatch: debug: ' "$j" &&
	! grep -vE '^(<3>corewatch: error|<4>corewatch: warning|<6>corewatch: info|<7>corewatch: debug): ' "$j"; then
	pass "cli/journal-stream-priority-prefixes"
else
	fail "cli/journal-stream-priority-prefixes" "$(head -c 300 "$j" | tr '\n' ' ')"
fi
: >"$T/plain.err"
ino=$(stat -c '%i' "$T/plain.err")
for js in "$(stat -c '%d' "$T/plain.err"):$((ino + 1))" "$(stat -c '%d:%i' "$T/journal.err")" \
	"$(stat -c '%d:%i' "$T/plain.err")x" ""; do
	journal_run "$T/plain.err" "$js"
done
if [ "$(grep -c '^corewatch: warning: collector cpu: ' "$T/plain.err")" -eq 4 ] &&
	[ "$(grep -c "^corewatch: error: --interval: 'abc'" "$T/plain.err")" -eq 4 ] && ! grep -q '^<' "$T/plain.err"; then
	pass "cli/journal-stream-mismatch-no-prefix"
else
	fail "cli/journal-stream-mismatch-no-prefix" "$(head -c 300 "$T/plain.err" | tr '\n' ' ')"
fi
# The README's example records are records: every ```json block there parses, and those with a
# "schema" key (records, not API answers) match the schema.
$PY - README.md "$T/readme.jsonl" <<'PYEOF'
import json, re, sys
blocks = re.findall(r"^```json\n(.*?)^```$", open(sys.argv[1]).read(), re.S | re.M)
with open(sys.argv[2], "w") as out:
    for b in blocks:
        o = json.loads(b)
        if isinstance(o, dict) and "schema" in o:
            out.write(json.dumps(o) + "\n")
PYEOF
if [ -s "$T/readme.jsonl" ] && grep -q '"type": "metrics"' "$T/readme.jsonl" &&
	$PY "$VALIDATE" "$SCHEMA" "$T/readme.jsonl" >"$T/readme.valid" 2>&1; then
	pass "cli/readme-examples-match-schema"
else
	fail "cli/readme-examples-match-schema" "$(head -c 400 "$T/readme.valid" 2>/dev/null)"
fi

# libcurl and libmicrohttpd (and the 30 libraries under them) are loaded only when a setting needs
# them (user/dl.c): an agent without a webhook, Alertmanager, mail or --listen maps neither; with
# --listen it maps libmicrohttpd and still no libcurl. Where the library cannot be loaded, the flag
# that needed it is named, exit 2.
"${CW[@]}" --no-bpf -i 200ms -n 3 >/dev/null 2>"$T/dl.err" &
dlp=$!
sleep 0.4
maps0=$(grep -oE 'lib(curl|microhttpd|gnutls|crypto)[^/ ]*' /proc/$dlp/maps 2>/dev/null | sort -u | tr '\n' ' ')
wait $dlp
dlport=$($PY tests/tools/free_port.py)
"${CW[@]}" --no-bpf -i 200ms -n 5 --listen "127.0.0.1:$dlport" >/dev/null 2>>"$T/dl.err" &
dlp=$!
sleep 0.6
maps1=$(grep -oE 'lib(curl|microhttpd)[^/ ]*' /proc/$dlp/maps 2>/dev/null | sort -u | tr '\n' ' ')
wait $dlp
if [ -z "$maps0" ] && [[ "$maps1" == libmicrohttpd.so.12* ]] && [[ "$maps1" != *curl* ]]; then
	pass "cli/libraries-loaded-when-needed"
else
	fail "cli/libraries-loaded-when-needed" "without targets: '$maps0'; with --listen: '$maps1'"
fi
# dl_missing NAME SONAME PACKAGE FLAG ARGS...: with SONAME hidden (/dev/null bound over it in a mount
# namespace of its own), --check-config ARGS refuses FLAG in one line naming the package, exit 2.
dl_missing() {
	local name=$1 so=$2 pkg=$3 flag=$4 path rc
	shift 4
	path=$(ldconfig -p | awk -v so="$so" -v arch="$(uname -m)-linux" '$1 == so && index($NF, arch) {print $NF; exit}')
	if [ -z "$path" ] || ! command -v unshare >/dev/null; then
		skip_or_fail "cli/$name" "no $so or unshare"
		return
	fi
	unshare -m sh -c "mount --bind /dev/null '$path' && exec \"\$@\"" sh "${CW[@]}" --check-config "$@" \
		>/dev/null 2>"$T/$name.err"
	rc=$?
	if [ $rc = 2 ] && [ "$(wc -l <"$T/$name.err")" = 1 ] &&
		grep -q -- "$flag: cannot load $so: .*(Debian package $pkg)" "$T/$name.err"; then
		pass "cli/$name"
	else
		fail "cli/$name" "exit $rc: $(head -c 300 "$T/$name.err")"
	fi
}
dl_missing libcurl-missing-names-the-flag libcurl.so.4 libcurl4 --alert-webhook --alert-webhook http://127.0.0.1:9/x
dl_missing libmicrohttpd-missing-names-the-flag libmicrohttpd.so.12 libmicrohttpd12 --listen --listen 127.0.0.1:9
