"""What the Pelican plugins share that needs no Pelican: whether a build lists one."""

from __future__ import annotations

from collections.abc import Mapping


def plugin_listed(settings: Mapping, name: str) -> bool:
    """True when the running build's PLUGINS names `name` (as a string or a module).

    Pelican's signals are process-global, so every handler asks this first and does
    nothing for a build that did not list its plugin.
    """
    for plugin in settings.get("PLUGINS") or ():
        listed = plugin if isinstance(plugin, str) else getattr(plugin, "__name__", "")
        if listed == name or listed.endswith("." + name):
            return True
    return False
