"""`blurr-tui` with no arguments: the picker lists specs by kind and returns the choice."""

from __future__ import annotations

import asyncio
from pathlib import Path

from textual.widgets import Select

from blurr_tui.tui.picker import PickerApp, candidates

ROOT = Path(__file__).resolve().parent.parent


def test_candidates_sorted_by_kind() -> None:
    streaming, window, logs = candidates(ROOT)
    names = {p.name for p in streaming}
    assert {"tutorial1-streaming.yml", "boosts-streaming.yml", "cart-streaming.yml"} <= names
    assert [p.name for p in window] == ["boosts-window.yml"]
    assert {"tutorial1.log", "boosts.log"} <= {p.name for p in logs}


def test_picker_returns_the_chosen_files() -> None:
    async def main() -> None:
        app = PickerApp(ROOT)
        async with app.run_test(size=(120, 40)) as pilot:
            app.query_one("#streaming", Select).value = str(ROOT / "specs/boosts-streaming.yml")
            app.query_one("#window", Select).value = str(ROOT / "specs/boosts-window.yml")
            app.query_one("#log", Select).value = str(ROOT / "sample_logs/boosts.log")
            await pilot.pause()
            await pilot.click("#open")
            await pilot.pause()
        choice = app.return_value
        assert choice is not None
        assert choice.streaming.endswith("boosts-streaming.yml")
        assert choice.window is not None and choice.window.endswith("boosts-window.yml")
        assert choice.log.endswith("boosts.log")

    asyncio.run(main())


def test_picker_with_nothing_to_pick(tmp_path: Path) -> None:
    async def main() -> None:
        app = PickerApp(tmp_path)
        async with app.run_test(size=(120, 40)) as pilot:
            await pilot.press("ctrl+o")
            await pilot.pause()
            message = str(app.query_one("#message").render())
            assert "Choose a streaming BTS and a log" in message
        assert app.return_value is None

    asyncio.run(main())


def test_log_for_a_spec_by_its_name() -> None:
    from blurr_tui.tui.picker import log_for

    _streaming, _window, logs = candidates(ROOT)
    assert log_for(ROOT / "specs/cart-streaming.yml", logs) == ROOT / "sample_logs/cart.log"
    assert log_for(ROOT / "specs/boosts-window.yml", logs) == ROOT / "sample_logs/boosts.log"
    assert log_for(ROOT / "specs/zzz.yml", logs) is None


def test_choosing_a_spec_selects_its_log() -> None:
    async def main() -> None:
        app = PickerApp(ROOT)
        async with app.run_test(size=(120, 45)) as pilot:
            log = app.query_one("#log", Select)
            first = app.query_one("#streaming", Select).value
            assert str(log.value).endswith(
                Path(str(first)).stem.removesuffix("-streaming") + ".log"
            )
            app.query_one("#streaming", Select).value = str(ROOT / "specs/cart-streaming.yml")
            await pilot.pause()
            assert log.value == str(ROOT / "sample_logs/cart.log")
            app.query_one("#streaming", Select).value = str(ROOT / "specs/anomalies-streaming.yml")
            await pilot.pause()
            assert log.value == str(ROOT / "sample_logs/anomalies.log")

    asyncio.run(main())


def test_picker_accepts_typed_paths(tmp_path: Path) -> None:
    spec = tmp_path / "mine.yml"
    spec.write_text((ROOT / "specs/tutorial1-streaming.yml").read_text())
    log = tmp_path / "events.jsonl"
    log.write_text((ROOT / "sample_logs/tutorial1.log").read_text())

    async def main() -> None:
        app = PickerApp(ROOT)
        async with app.run_test(size=(120, 45)) as pilot:
            await pilot.click("#log-path")
            await pilot.press(*str(tmp_path / "missing.log"))
            await pilot.press("ctrl+o")
            await pilot.pause()
            assert "No such file for the log" in str(app.query_one("#message").render())
            app.query_one("#log-path").value = ""  # type: ignore[attr-defined]
            await pilot.click("#streaming-path")
            await pilot.press(*str(spec))
            await pilot.click("#log-path")
            await pilot.press(*str(log), "enter")
            await pilot.pause()
        choice = app.return_value
        assert choice is not None
        assert (choice.streaming, choice.window, choice.log) == (str(spec), None, str(log))

    asyncio.run(main())
