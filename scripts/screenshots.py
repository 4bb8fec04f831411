"""Regenerate the README's SVG screenshots (docs/screenshots/) with a headless Pilot run."""

from __future__ import annotations

import asyncio
import os
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))

from test_app import SIZE, at, wait_until  # noqa: E402

from blurr_tui.replay.controller import AT_END  # noqa: E402
from blurr_tui.tui.app import make_app  # noqa: E402
from blurr_tui.tui.screens import ReplayScreen  # noqa: E402

OUT = ROOT / "docs" / "screenshots"


async def shoot(
    name: str, spec: Path, log: Path, window: Path | None, keys: list[str], tab: str | None, until
) -> None:
    app = make_app(spec, log, window)
    async with app.run_test(size=SIZE) as pilot:
        await wait_until(pilot, lambda: isinstance(app.screen, ReplayScreen))
        for k in keys:
            await pilot.press(k)
            await pilot.pause(0.05)
        await wait_until(pilot, until(app), limit=60)
        if tab:
            app.screen.query_one("#tabs").active = tab  # type: ignore[attr-defined]
        await pilot.pause(0.3)
        app.save_screenshot(filename=f"{name}.svg", path=str(OUT))
        print(f"wrote {OUT / (name + '.svg')}")


def main() -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    spec1, log1 = ROOT / "specs/tutorial1-streaming.yml", ROOT / "sample_logs/tutorial1.log"
    asyncio.run(
        shoot("replay-tutorial1", spec1, log1, None, ["n", "n", "n"], None, lambda a: at(a, 3))
    )
    with tempfile.TemporaryDirectory() as tmp:
        buggy = Path(tmp) / "buggy.yml"
        buggy.write_text(
            spec1.read_text().replace(
                "Value: session_stats.games_won + 1",
                "Value: session_stats.games_won + source.bonus",
            )
        )
        asyncio.run(
            shoot("replay-swallowed-error", buggy, log1, None, ["n", "n"], None, lambda a: at(a, 2))
        )
        # the debugger: a breakpoint on swallowed exceptions, c, a watch, then one step back
        keys = ["b", *"swallowed", "enter", "c", "a", *"session_stats.games_won", "enter", "n"]
        keys += ["p"]
        os.environ["BLURR_TUI_STATE_DIR"] = tmp  # keep the user's watch list out of it
        asyncio.run(shoot("replay-debugger", buggy, log1, None, keys, None, lambda a: at(a, 2)))
    boosts = ROOT / "specs/boosts-streaming.yml"
    window = ROOT / "specs/boosts-window.yml"
    log = ROOT / "sample_logs/boosts.log"
    keys = ["plus"] * 8 + ["space"]
    asyncio.run(
        shoot(
            "replay-boosts-window",
            boosts,
            log,
            window,
            keys,
            "window",
            lambda a: at(a, 3868, AT_END),
        )
    )


if __name__ == "__main__":
    main()
