"""One pager for long lists: what the `pager` macro shows, built from either kind of paging.

Admin lists count pages (`db.paginate`: previous, "page n of m", next); the organizers'
learner list continues after the last key shown, where counting would cost a scan of the
whole union (first page, next). Both render through the same macro in templates/macros.html.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from flask_babel import gettext as _
from flask_sqlalchemy.pagination import Pagination


@dataclass(frozen=True)
class Pager:
    """Links between the pages of a list; `position` says where the reader is, when known."""

    back_url: str | None
    back_label: str
    next_url: str | None
    position: str | None = None

    @property
    def shown(self) -> bool:
        """A list that fits on one page needs no pager."""
        return self.back_url is not None or self.next_url is not None


def numbered_pager(page: Pagination, url: Callable[[int], str]) -> Pager:
    """The pager of a counted list; `url(n)` links to page n with the list's filters kept."""
    return Pager(
        back_url=url(page.prev_num) if page.has_prev and page.prev_num else None,
        back_label=_("Previous"),
        next_url=url(page.next_num) if page.has_next and page.next_num else None,
        position=_("Page %(page)d of %(pages)d", page=page.page, pages=page.pages),
    )


def continued_pager(
    after: str | None, next_after: str | None, url: Callable[[str | None], str]
) -> Pager:
    """The pager of a list read after a key; `url(key)` links on (None: the first page)."""
    return Pager(
        back_url=url(None) if after else None,
        back_label=_("First page"),
        next_url=url(next_after) if next_after else None,
    )
