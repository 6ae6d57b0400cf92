"""A TabbedContent that a stale focus message cannot switch back to an old pane.

Textual brings a pane to the front two messages after a widget inside it takes
focus (``DescendantFocus``, then ``TabPane.Focused``). When focus moved on in
between (a button hidden at the end of a run hands focus to its neighbour, and
then the screen switches to another tab), the late message would pull the old
pane back over the tab just chosen. Here it brings its pane forward only while
the focus is still inside that pane.
"""

from __future__ import annotations

from textual.widgets import TabbedContent, TabPane


class SteadyTabs(TabbedContent):
    """TabbedContent whose panes come forward on focus only while they still hold it."""

    def _on_tab_pane_focused(self, event: TabPane.Focused) -> None:
        focused = self.screen.focused
        if focused is None or event.tab_pane not in (focused, *focused.ancestors):
            # Stale: focus has left that pane since. Textual runs the handler of
            # every class in the MRO; prevent_default keeps TabbedContent's out.
            event.stop()
            event.prevent_default()
