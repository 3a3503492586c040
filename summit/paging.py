"""One page of a long list: its rows, where it stands in the whole, how many pages."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Page:
    items: list[Any]
    total: int
    page: int
    per_page: int

    @property
    def pages(self) -> int:
        return max(1, math.ceil(self.total / self.per_page))

    @property
    def first_number(self) -> int:
        """The position of the page's first row in the whole list, from 1."""
        return (self.page - 1) * self.per_page + 1 if self.items else 0

    @property
    def last_number(self) -> int:
        return self.first_number + len(self.items) - 1 if self.items else 0

    # As Flask-SQLAlchemy's pagination names them, for the admin's pager macro.
    @property
    def has_prev(self) -> bool:
        return self.page > 1

    @property
    def has_next(self) -> bool:
        return self.page < self.pages

    @property
    def prev_num(self) -> int:
        return self.page - 1

    @property
    def next_num(self) -> int:
        return self.page + 1


def page_number(asked: int, total: int, per_page: int) -> int:
    """``asked`` within the pages there are (past the end: the last page)."""
    return min(max(asked, 1), max(1, math.ceil(total / per_page)))
