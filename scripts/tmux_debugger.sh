#!/usr/bin/env bash
# The debugger's keys in a real terminal (tmux, 160x45): step back, go to N / a time, [ ],
# a breakpoint with c / C, a watch, : evaluate, a value's history.  Prints each screen.
set -u
cd "$(dirname "$0")/.."
S=blurrdebug
PY=${PY:-.venv/bin/python}
STATE=$(mktemp -d)
fail=0
tmux kill-session -t "$S" 2>/dev/null
tmux new-session -d -s "$S" -x 160 -y 45 \
    "BLURR_TUI_STATE_DIR=$STATE $PY -m blurr_tui replay specs/tutorial1-streaming.yml sample_logs/tutorial1.log"

cap() { tmux capture-pane -p -t "$S"; }
wait_for() {  # wait_for TEXT [TIMEOUT_S]
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
keys() { tmux send-keys -t "$S" "$@"; }

wait_for "0 / 8" 15 || echo "app did not start"
for i in 1 2 3 4; do keys n; wait_for "$i / 8" 5; done
keys p
wait_for "3 / 8" 5
check "p: step back to event 3" "3 / 8" "Event 3 · line 3" "games_played  1 → 2" "│            2 │         1 │"

keys g
wait_for "Go to event N or a time" 5
keys 2018-03-04T09:20 Enter
wait_for "6 / 8" 5
check "g 2018-03-04T09:20: first event at or after" "6 / 8" "B6FA"

keys g
wait_for "Go to event N or a time" 5
keys 4 Enter
wait_for "4 / 8" 5
keys ']'
wait_for "7 / 8" 5
check "]: next event of 09C1" "7 / 8" "T8KA"

keys b
wait_for "Add a breakpoint" 5
keys "session_stats.games_won >= 1 and identity == 'B6FA'" Enter
sleep 0.5
keys C
wait_for "6 / 8" 10
wait_for "breakpoint 1: session" 5
check "C: reverse-continue to the hit" "6 / 8" "breakpoint 1: session"

keys a
wait_for "Add a watch" 5
keys "session_stats.games_won" Enter
wait_for "Watches" 5
check "a: watch pane" "session_stats.games_won = 1" "before 0"

keys :
wait_for "Evaluate at event 6" 5
keys "session_stats.games_played + 40" Enter
wait_for "41" 5
check ": evaluate" "Evaluate at event 6" "41"
keys Escape
sleep 0.5

keys q
sleep 1
if tmux has-session -t "$S" 2>/dev/null; then
    echo "!!!!! FAIL: app still running after q"
    fail=1
    tmux kill-session -t "$S"
fi
rm -rf "$STATE"
[ "$fail" = 0 ] && echo "tmux debugger check: OK" || echo "tmux debugger check: FAILED"
exit "$fail"
