"""A store for one page that only reads: what it is asked again, with the same arguments, it
answers from the first answer. The console's overview gathers its tables through several
read services, each of which reads the community, its members, sessions and records on its
own; behind this they are read once per page."""
from __future__ import annotations

import inspect
from typing import Any, Callable

from ..ports import Store

# The reads kept, each with its signature (to fill in defaults: one key per read).
READS = {name: inspect.signature(getattr(Store, name)) for name in (
    "get_community", "list_members", "list_sessions", "list_records", "list_links")}


class ReadOnce:
    def __init__(self, store: Store) -> None:
        self.store = store
        self.answers: dict[tuple, Any] = {}

    def __getattr__(self, name: str):
        found = getattr(self.store, name)
        if name not in READS:
            return found
        return lambda *args, **kwargs: self._read(name, found, args, kwargs)

    def _read(self, name: str, read: Callable, args: tuple, kwargs: dict) -> Any:
        asked = READS[name].bind(None, *args, **kwargs)
        asked.apply_defaults()
        key = (name, *list(asked.arguments.items())[1:])
        if key not in self.answers:
            self.answers[key] = read(*args, **kwargs)
        answer = self.answers[key]
        return list(answer) if isinstance(answer, list) else answer  # callers may sort
