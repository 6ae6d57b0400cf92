"""The profile picker of the send options and the bulk setup, and its refresh when profiles change.

With profiles it is a ``Select``; with none a line saying where to add one. A
saved profile (the very first one, made on the Profiles screen after starting
without a config) or a deleted one swaps one for the other in place.
"""

from __future__ import annotations

from collections.abc import Sequence

from textual.widget import Widget
from textual.widgets import Select, Static

NO_PROFILE = "none: add one on the Profiles screen (ctrl+p, Profiles)"


def profile_picker(
    profiles: Sequence[str], value: str | None, *, id: str, none_text: str
) -> Widget:
    """A Select over ``profiles`` (on ``value``, else the first), or the "none" line."""
    if not profiles:
        return Static(none_text, id=f"{id}-none")
    return Select(
        [(name, name) for name in profiles],
        value=value if value in profiles else profiles[0],
        allow_blank=False,
        compact=True,
        id=id,
    )


async def refresh_profile_picker(
    owner: Widget, profiles: Sequence[str], keep: str | None, *, id: str, none_text: str
) -> None:
    """Offer ``profiles`` in ``owner``'s picker, on ``keep`` when it is still there.

    No ``Select.Changed`` is posted: the owner decides what a changed choice means.
    """
    old = owner.query(f"#{id}, #{id}-none").first()
    if profiles and isinstance(old, Select):
        with owner.prevent(Select.Changed):
            old.set_options([(name, name) for name in profiles])
            old.value = keep if keep in profiles else profiles[0]
        return
    parent = old.parent
    if not isinstance(parent, Widget):
        return
    with owner.prevent(Select.Changed):
        await parent.mount(profile_picker(profiles, keep, id=id, none_text=none_text), after=old)
        await old.remove()
