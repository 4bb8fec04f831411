"""kill -9 ``run`` at random moments, then ``--resume``: the database must equal one clean run.

    python scripts/kill_resume.py [--rounds 20] [--seed 1] [--case anomalies ...]

Cases: anomalies (a Variable reading a stored aggregate), boosts + window, cart (Activity),
and an out-of-order boosts log (replayed in time order).  Each round starts ``run`` with a
commit at every chance, kills it with SIGKILL after a random delay (some rounds it has
already finished), resumes, possibly kills the resume too, resumes to the end, and compares
every record, bad line, identity state and window row with a clean run.  Prints the count.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from blurr_tui.engine.loader import load_streaming_file, load_window_file  # noqa: E402
from blurr_tui.store.sqlite_store import SqliteStore  # noqa: E402

SPECS, LOGS = ROOT / "specs", ROOT / "sample_logs"


def out_of_order(path: Path, seed: int = 3) -> Path:
    lines = (LOGS / "boosts.log").read_bytes().splitlines(keepends=True)
    rnd = random.Random(seed)
    for _ in range(40):
        i = rnd.randrange(100, len(lines))
        lines.insert(rnd.randrange(0, i), lines.pop(i))
    lines.insert(700, b"{not json\n")
    path.write_bytes(b"".join(lines * 2))
    return path


def cases(tmp: Path) -> dict[str, tuple[Path, Path | None, Path]]:
    return {
        "anomalies": (SPECS / "anomalies-streaming.yml", None, LOGS / "anomalies.log"),
        "boosts+window": (
            SPECS / "boosts-streaming.yml",
            SPECS / "boosts-window.yml",
            LOGS / "boosts.log",
        ),
        "cart": (SPECS / "cart-streaming.yml", None, LOGS / "cart.log"),
        "out-of-order": (SPECS / "boosts-streaming.yml", None, out_of_order(tmp / "ooo.log")),
    }


def command(spec: Path, window: Path | None, log: Path, db: Path, *extra: str) -> list[str]:
    c = [sys.executable, "-m", "blurr_tui", "run", str(spec), str(log), "--db", str(db), "--quiet"]
    c += ["--commit-every", "0", *extra]
    return c + (["--window-bts", str(window)] if window else [])


def contents(db: Path, spec: Path, window: Path | None) -> dict[str, list[str]]:
    s = load_streaming_file(str(spec))
    w = load_window_file(str(window)) if window else None
    store = SqliteStore(str(db), s, w)
    try:
        idents = list(store.identities.identities())
        out = {
            "records": sorted(
                json.dumps([str(k), r], sort_keys=True) for k, r in store.all_records()
            ),
            "bad": sorted(json.dumps(list(b)) for b in store.bad_events()),
            "identities": sorted(
                json.dumps([i, store.identities.load(i)], default=str) for i in idents
            ),
        }
        if w is not None:
            out["window"] = sorted(json.dumps([i, store.window_rows(i)]) for i in idents)
        return out
    finally:
        store.close()


def kill_at(cmd: list[str], delay: float) -> bool:
    """Start, SIGKILL after ``delay`` s; True if it was killed (False: it had finished)."""
    p = subprocess.Popen(cmd, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        p.wait(timeout=delay)
        return False
    except subprocess.TimeoutExpired:
        os.kill(p.pid, signal.SIGKILL)
        p.wait()
        return True


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--rounds", type=int, default=20)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--case", action="append")
    a = ap.parse_args()
    rnd = random.Random(a.seed)
    equal = total = killed = 0
    with tempfile.TemporaryDirectory() as t:
        tmp = Path(t)
        for name, (spec, window, log) in cases(tmp).items():
            if a.case and name not in a.case:
                continue
            clean = tmp / f"{name}-clean.db"
            t0 = time.monotonic()
            subprocess.run(command(spec, window, log, clean), cwd=ROOT, check=True)
            took = time.monotonic() - t0
            want = contents(clean, spec, window)
            ok = 0
            for r in range(a.rounds):
                db = tmp / f"{name}-{r}.db"
                killed += kill_at(command(spec, window, log, db), rnd.uniform(0.2, took * 1.1))
                if rnd.random() < 0.5:  # kill the resume too, now and then
                    killed += kill_at(
                        command(spec, window, log, db, "--resume"), rnd.uniform(0.2, took)
                    )
                res = subprocess.run(
                    command(spec, window, log, db, "--resume"),
                    cwd=ROOT,
                    capture_output=True,
                    text=True,
                )
                same = res.returncode == 0 and contents(db, spec, window) == want
                ok += same
                if not same:
                    print(f"  {name} round {r}: DIFFERENT {res.stderr.strip()[:200]}")
            print(f"{name:14s} {ok}/{a.rounds} equal to one clean run", flush=True)
            equal += ok
            total += a.rounds
    print(
        f"total: {equal}/{total} resumed databases equal one clean run ({killed} runs killed with SIGKILL)"
    )
    sys.exit(0 if equal == total else 1)


if __name__ == "__main__":
    main()
