#!/usr/bin/env bash
# Drive `blurr-tui replay` in a real terminal (tmux, 160x45) and check what the screen shows.
set -u
cd "$(dirname "$0")/.."
S=blurrcheck
PY=${PY:-.venv/bin/python}
fail=0
tmux kill-session -t "$S" 2>/dev/null
tmux new-session -d -s "$S" -x 160 -y 45 \
    "$PY -m blurr_tui replay specs/tutorial1-streaming.yml sample_logs/tutorial1.log"

cap() { tmux capture-pane -p -t "$S"; }

# wait_for TEXT [TIMEOUT_S]: poll the pane until TEXT shows
wait_for() {
    local text=$1 limit=${2:-10} i=0
    while [ "$i" -lt $((limit * 20)) ]; do
        if cap | grep -qF -- "$text"; then return 0; fi
        sleep 0.05
        i=$((i + 1))
    done
    return 1
}

check() {  # check LABEL TEXT...
    local label=$1
    shift
    local screen
    screen=$(cap)
    echo "===== $label ====="
    echo "$screen"
    for text in "$@"; do
        if ! grep -qF -- "$text" <<<"$screen"; then
            echo "!!!!! FAIL ($label): expected to see: $text"
            fail=1
        fi
    done
}

wait_for "0 / 8" 15 || echo "app did not start"
check "start" "0 / 8" "No event yet"

for i in 1 2 3; do
    tmux send-keys -t "$S" n
    wait_for "$i / 8" 5
done
check "after n n n" "3 / 8" "games_played" "09C1" "line 3"

tmux send-keys -t "$S" - - -
wait_for "speed 1 ev/s" 5
tmux send-keys -t "$S" space
wait_for "playing" 5
check "playing at 1 ev/s" "playing" "speed 1 ev/s"
wait_for "4 / 8" 5
tmux send-keys -t "$S" space
wait_for "paused" 5
check "paused again" "paused" "4 / 8"

tmux send-keys -t "$S" g
wait_for "Go to event N" 5 || echo "no goto modal"
check "goto modal" "Go to event N"

tmux send-keys -t "$S" 5 Enter
wait_for "5 / 8" 5
check "go to 5" "5 / 8" "line 5"

tmux send-keys -t "$S" /
wait_for "Filter records by identity" 5
tmux send-keys -t "$S" 09C1 Enter
wait_for "identity = 09C1" 5
check "filter 09C1" "identity = 09C1" "09C1/session_stats/915D/"

tmux send-keys -t "$S" q
sleep 1
if tmux has-session -t "$S" 2>/dev/null; then
    echo "!!!!! FAIL: app still running after q"
    fail=1
    tmux kill-session -t "$S"
fi
# --- a 77k-line log at full speed: the screen keeps updating and q quits at once ---
BIG=$(mktemp -d)/big.log
$PY - "$BIG" <<'PY'
import json, sys
lines = open("sample_logs/boosts.log").read().splitlines()
with open(sys.argv[1], "w") as out:
    for k in range(20):
        for line in lines:
            d = json.loads(line)
            d["user_id"] = f"{d['user_id']}-{k}"
            out.write(json.dumps(d) + "\n")
PY
tmux new-session -d -s "$S" -x 160 -y 45 "$PY -m blurr_tui replay specs/boosts-streaming.yml $BIG"
wait_for "0 / 77,360" 20 || echo "big log did not open"
tmux send-keys -t "$S" + + + + + + + +
wait_for "speed max" 5
tmux send-keys -t "$S" space
wait_for "measured" 5
check "playing 77k lines at max" "playing" "measured"
t0=$(date +%s.%N)
tmux send-keys -t "$S" q
for _ in $(seq 1 60); do tmux has-session -t "$S" 2>/dev/null || break; sleep 0.05; done
t1=$(date +%s.%N)
if tmux has-session -t "$S" 2>/dev/null; then
    echo "!!!!! FAIL: q while playing did not quit within 3 s"
    fail=1
    tmux kill-session -t "$S"
else
    echo "quit while playing took $(echo "$t1 - $t0" | bc) s"
fi
rm -rf "$(dirname "$BIG")"

[ "$fail" -eq 0 ] && echo "tmux check: OK" || echo "tmux check: FAILED"
exit "$fail"
