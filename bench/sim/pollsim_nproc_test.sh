#!/bin/bash
# pollsim_nproc_test.sh - a process limit (RLIMIT_NPROC) low enough that some
# thread cannot be created never aborts a run: liburcu creates its call_rcu
# worker on first use and ends the process when that fails, so a defer-mode
# liburcu domain checks and creates it at domain creation. For every limit
# from 1 to 24 tasks (15 loop threads need about 19), urcu_memb and
# urcu_qsbr with --reclaim=defer end with exit 0, or 1 or 2 and a last line
# on stderr naming what failed (after at most one warning: floors not
# measured); never 134 ("Unrecoverable error"). Seen failing before the check:
# a limit of 18 aborted urcu_memb.
#
# RLIMIT_NPROC does not bind root, so each run is made as user nobody
# (setpriv, prlimit: util-linux) from a copy of the binary it can execute.
set -u
src=$1
if [ "$(id -u)" -ne 0 ]; then
	echo "pollsim_nproc_test: needs root to run as nobody with a process limit: not run"
	exit 0
fi
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
chmod 755 "$dir"
cp "$src" "$dir/pollsim" && chmod 755 "$dir/pollsim" || exit 1

# Under AddressSanitizer, LeakSanitizer's exit-time check needs a thread of
# its own, which the limit refuses (it then aborts the process itself): the
# leak check of these runs is the other tests' job.
export ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0"

fail=0 ran=0
for s in urcu_memb urcu_qsbr; do
	for limit in $(seq 1 24); do
		setpriv --reuid=65534 --regid=65534 --clear-groups prlimit --nproc="$limit" \
			"$dir/pollsim" --strategy="$s" --reclaim=defer --threads=15 --duration=0.1 \
			--update-rate=100 --quiet >/dev/null 2>"$dir/err"
		rc=$?
		lines=$(wc -l <"$dir/err")
		case "$rc" in
		0) ran=$((ran + 1)) ;;
		1 | 2)
			# One line saying why (a floors warning may precede it).
			if [ "$lines" -lt 1 ] || [ "$lines" -gt 2 ] || ! tail -1 "$dir/err" | grep -q '^pollsim: .*: '; then
				echo "FAIL $s limit $limit: exit $rc with $lines lines on stderr:"
				cat "$dir/err"
				fail=1
			fi
			;;
		*)
			echo "FAIL $s limit $limit: exit $rc:"
			cat "$dir/err"
			fail=1
			;;
		esac
	done
done
if [ "$ran" -eq 0 ]; then
	echo "FAIL no limit let a run through: the test measured nothing"
	fail=1
fi
echo "pollsim_nproc_test: $ran of 48 runs completed, the others refused with one line"
exit $fail
