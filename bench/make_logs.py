"""Build the benchmark logs (not committed: they are derived and large).

python bench/make_logs.py scaled [--copies 40] [--out bench/out/tutorial2-x40.log]
    tutorial 2's log ×N, users and sessions made distinct per copy (94,720 events at ×40)
python bench/make_logs.py big [--events 1000000] [--out bench/out/big-1m.log]
    a generated, time-ordered log of game events in tutorial 2's shape
"""

from __future__ import annotations

import argparse
import json
import random
from datetime import datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TUTORIAL2 = ROOT.parent / "shared" / "conformance" / "tutorial2"
SAMPLE_FALLBACK = ROOT / "sample_logs" / "boosts.log"


def scaled(out: Path, copies: int, source: Path) -> int:
    lines = source.read_bytes().splitlines()
    n = 0
    with out.open("w") as fh:
        for k in range(copies):
            for raw in lines:
                if not raw.strip():
                    continue
                ev = json.loads(raw)
                for f in ("user_id", "session_id"):
                    if f in ev:
                        ev[f] = f"{ev[f]}-c{k}"
                fh.write(json.dumps(ev) + "\n")
                n += 1
    return n


def big(out: Path, events: int, seed: int = 7) -> int:
    rnd = random.Random(seed)
    users = [f"user-{i:05d}" for i in range(max(10, events // 200))]
    t = datetime(2018, 3, 1)
    sessions: dict[str, str] = {}
    with out.open("w") as fh:
        for i in range(events):
            t += timedelta(milliseconds=rnd.randint(1, 400))
            u = rnd.choice(users)
            if u not in sessions or rnd.random() < 0.05:
                sessions[u] = f"s-{i:07d}"
            kind = rnd.choice(("game_start", "game_end"))
            ev = {
                "event_id": kind,
                "user_id": u,
                "session_id": sessions[u],
                "country": "US",
                "timestamp": t.strftime("%Y-%m-%dT%H:%M:%S"),
            }
            if kind == "game_end":
                ev["won"] = rnd.random() < 0.5
            if rnd.random() < 0.01:
                ev["boost"] = True
            fh.write(json.dumps(ev) + "\n")
    return events


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("what", choices=["scaled", "big"])
    ap.add_argument("--copies", type=int, default=40)
    ap.add_argument("--events", type=int, default=1_000_000)
    ap.add_argument("--out")
    a = ap.parse_args()
    outdir = ROOT / "bench" / "out"
    outdir.mkdir(parents=True, exist_ok=True)
    if a.what == "scaled":
        src = TUTORIAL2 / "tutorial2-data.log"
        if not src.exists():
            src = SAMPLE_FALLBACK
        out = Path(a.out) if a.out else outdir / f"tutorial2-x{a.copies}.log"
        n = scaled(out, a.copies, src)
    else:
        out = Path(a.out) if a.out else outdir / "big-1m.log"
        n = big(out, a.events)
    print(f"{out}: {n} events")


if __name__ == "__main__":
    main()
