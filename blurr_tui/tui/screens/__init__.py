"""Screens of the replay app: the main replay screen, input modals and help."""

from blurr_tui.tui.screens.modals import HelpScreen, InputModal
from blurr_tui.tui.screens.replay import ReplayScreen

__all__ = ["HelpScreen", "InputModal", "ReplayScreen"]
