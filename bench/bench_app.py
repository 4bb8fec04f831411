"""The replay app under load: full-speed play against headless `run`, and step latency.

    python bench/bench_app.py [--copies 20] [--events 1000000] [--skip-big]

Prints:
  1. headless `blurr-tui run` on tutorial 2's log ×N (one child process, wall time, start-up
     included) as events/s;
  2. the app (Textual headless, 160×45) playing that log at max speed: wall time from play to
     ``at end``, events/s and the ratio to headless (target ≥ 0.5);
  3. on a generated N-event log: the app's start-up (``make_app``: line count and order check;
     then until the replay screen is up), a go-to to the middle, then 20 presses of ``n``, each
     timed from the key press until the event pane shows the new line number (median / p95 /
     max, target ≤ 50 ms), and one full screen refresh after a step (two ``pilot.pause()``).
A benchmark, not a test: it prints figures and fails only when something does not finish.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from textual import events

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))
from make_logs import big, scaled  # noqa: E402

from blurr_tui.replay.controller import AT_END, PAUSED  # noqa: E402
from blurr_tui.tui.app import BlurrApp, make_app  # noqa: E402
from blurr_tui.tui.screens import ReplayScreen  # noqa: E402
from blurr_tui.tui.widgets import EventView  # noqa: E402

T2 = ROOT.parent / "shared" / "conformance" / "tutorial2"
SPEC = T2 / "tutorial2-streaming-bts.yml"
OUT = ROOT / "bench" / "out"
SIZE = (160, 45)
STEPS = 20


def headless(log: Path) -> float:
    """Wall seconds of one `blurr-tui run` child process (start-up included)."""
    with tempfile.TemporaryDirectory() as tmp:
        cmd = [sys.executable, "-m", "blurr_tui", "run", str(SPEC), str(log)]
        cmd += ["--db", str(Path(tmp) / "h.db"), "--quiet"]
        t0 = time.perf_counter()
        p = subprocess.run(cmd, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        secs = time.perf_counter() - t0
    if p.returncode != 0:
        raise SystemExit(f"run failed ({p.returncode}): {p.stderr.decode()[-500:]}")
    return secs


async def wait_for(pilot, cond: Callable[[], bool], limit: float, what: str) -> float:  # noqa: ANN001
    """Poll ``cond`` every 10 ms (bounded); seconds waited."""
    t0 = time.perf_counter()
    while not cond():
        if time.perf_counter() - t0 > limit:
            raise SystemExit(f"timed out after {limit:.0f} s waiting for {what}")
        await pilot.pause(0.01)
    return time.perf_counter() - t0


def screen_of(app: BlurrApp) -> ReplayScreen:
    assert isinstance(app.screen, ReplayScreen)
    return app.screen


def first_line(app: BlurrApp) -> str:
    lines = screen_of(app).query_one("#event", EventView).plain_lines
    return lines[0] if lines else ""


async def app_full_speed(log: Path, limit: float) -> tuple[float, int]:
    """Seconds from play (max speed) to at end, and the final position."""
    app = make_app(SPEC, log)
    async with app.run_test(size=SIZE) as pilot:
        await wait_for(pilot, lambda: isinstance(app.screen, ReplayScreen), 60, "the screen")
        await pilot.pause()
        ctl = app.controller
        screen = screen_of(app)
        t0 = time.perf_counter()
        screen._track("play", ctl.play(None))  # rate None: max speed (what `+` reaches)
        await wait_for(pilot, lambda: ctl.snapshot().state == AT_END, limit, "the end of the log")
        secs = time.perf_counter() - t0
        pos = ctl.snapshot().position
        await pilot.pause()
    return secs, pos


async def app_steps(log: Path, goto: int, limit: float) -> dict[str, object]:
    res: dict[str, object] = {}
    t0 = time.perf_counter()
    app = make_app(SPEC, log)
    res["make_app"] = time.perf_counter() - t0
    res["total"] = app.controller.total
    async with app.run_test(size=SIZE) as pilot:
        await wait_for(pilot, lambda: isinstance(app.screen, ReplayScreen), 120, "the screen")
        await pilot.pause()
        res["ready"] = time.perf_counter() - t0
        ctl = app.controller
        screen = screen_of(app)
        t1 = time.perf_counter()
        screen.goto(goto)
        await wait_for(
            pilot,
            lambda: ctl.snapshot().position == goto and ctl.snapshot().state == PAUSED,
            limit,
            f"go to {goto:,}",
        )
        await wait_for(pilot, lambda: first_line(app).startswith(f"line {goto:,}"), 10, "pane")
        res["goto"] = time.perf_counter() - t1
        await pilot.pause()
        await pilot.pause(0.1)
        frames: list[float] = []  # when the screen composed an update (headless: no bytes out)
        display = app._display

        def stamped(scr, renderable):  # noqa: ANN001, ANN202
            frames.append(time.perf_counter())
            return display(scr, renderable)

        app._display = stamped  # type: ignore[method-assign]
        lat: list[float] = []
        painted: list[float] = []
        for _ in range(STEPS):
            want = f"line {ctl.snapshot().position + 1:,}"
            key = events.Key("n", "n")  # what pilot.press sends, without its idle waits
            key.set_sender(app)
            t = time.perf_counter()
            app._driver.send_message(key)  # type: ignore[union-attr]
            while not first_line(app).startswith(want):
                if time.perf_counter() - t > 5:
                    raise SystemExit(f"the event pane never showed {want!r}")
                await asyncio.sleep(0.0005)
            shown = time.perf_counter()
            lat.append(shown - t)
            while not (frames and frames[-1] > shown):
                if time.perf_counter() - shown > 5:
                    raise SystemExit("no screen update after the step")
                await asyncio.sleep(0.0005)
            painted.append(min(f for f in frames if f > shown) - t)  # the first update after
            await pilot.pause(0.08)  # let the 20 Hz poll settle before the next press
        res["painted"] = painted
        refresh: list[float] = []
        pressed: list[float] = []
        for _ in range(5):  # the same through pilot.press (includes Textual's idle waits)
            want = f"line {ctl.snapshot().position + 1:,}"
            t = time.perf_counter()
            await pilot.press("n")
            while not first_line(app).startswith(want):
                if time.perf_counter() - t > 5:
                    raise SystemExit(f"the event pane never showed {want!r}")
                await pilot.pause(0.001)
            pressed.append(time.perf_counter() - t)
            t = time.perf_counter()
            await pilot.pause()
            await pilot.pause()
            refresh.append(time.perf_counter() - t)
            await pilot.pause(0.08)
        res["pressed"] = pressed
        res["refresh"] = refresh
        res["lat"] = lat
    return res


def pct(xs: list[float], q: float) -> float:
    s = sorted(xs)
    return s[min(len(s) - 1, max(0, round(q * (len(s) - 1))))]


def ms(xs: list[float]) -> str:
    xs = [x * 1000 for x in xs]
    return (
        f"median {statistics.median(xs):6.1f} ms  p95 {pct(xs, 0.95):6.1f} ms"
        f"  max {max(xs):6.1f} ms"
    )


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--copies", type=int, default=20)
    ap.add_argument("--events", type=int, default=1_000_000, help="events in the big log")
    ap.add_argument("--skip-big", action="store_true")
    ap.add_argument("--limit", type=float, default=600.0, help="s allowed for play / go to")
    a = ap.parse_args()
    if not SPEC.exists():
        raise SystemExit(f"{SPEC} not found: the benchmark needs ../shared beside the repo")
    OUT.mkdir(parents=True, exist_ok=True)
    log = OUT / f"tutorial2-x{a.copies}.log"
    if not log.exists():
        scaled(log, a.copies, T2 / "tutorial2-data.log")
    n = sum(1 for raw in log.open("rb") if raw.strip())
    print(f"log: {log.name}, {n:,} events; spec {SPEC.name}; app size {SIZE[0]}x{SIZE[1]}")

    h = headless(log)
    print(f"{'headless run':24s} {n / h:>9,.0f} ev/s ({h:6.2f} s, process start-up included)")
    secs, pos = asyncio.run(app_full_speed(log, a.limit))
    ratio = (pos / secs) / (n / h)
    ok = "ok" if ratio >= 0.5 else "BELOW TARGET"
    print(
        f"{'app play at max':24s} {pos / secs:>9,.0f} ev/s ({secs:6.2f} s to at end, "
        f"{pos:,} events) | ratio to headless {ratio:4.2f} (target ≥ 0.5: {ok})",
        flush=True,
    )

    if a.skip_big:
        return
    big_log = OUT / f"big-{a.events}.log"
    if not big_log.exists():
        t = time.perf_counter()
        big(big_log, a.events)
        print(f"generated {big_log.name} in {time.perf_counter() - t:.1f} s")
    goto = max(1, a.events // 2)
    r = asyncio.run(app_steps(big_log, goto, a.limit))
    total = r["total"]
    print(f"big log: {big_log.name}, {total:,} events")  # type: ignore[str-format]
    print(f"{'start-up make_app':24s} {r['make_app']:6.2f} s (count lines, order check, store)")
    print(f"{'start-up to screen':24s} {r['ready']:6.2f} s (make_app + mount + first poll)")
    g = r["goto"]
    print(f"{'go to ' + format(goto, ','):24s} {g:6.2f} s ({goto / g:,.0f} ev/s)")  # type: ignore[operator]
    lat, painted = r["lat"], r["painted"]
    worst = max(painted) * 1000  # type: ignore[arg-type]
    ok = "ok" if worst <= 50 else "over 50 ms"
    print(f"{'step: key → event pane':24s} {ms(lat)}  [{STEPS} key events]")  # type: ignore[arg-type]
    print(f"{'step: key → screen drawn':24s} {ms(painted)}  [target ≤ 50 ms: {ok}]")  # type: ignore[arg-type]
    print(f"{'step via pilot.press':24s} {ms(r['pressed'])}  [5; Textual idle waits ≥ 40 ms]")  # type: ignore[arg-type]
    print(f"{'2× pilot.pause() after':24s} {ms(r['refresh'])}  [each ≥ 20 ms of idle wait]")  # type: ignore[arg-type]


if __name__ == "__main__":
    main()
