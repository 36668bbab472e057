"""A YAML reader for uploaded packs: plain data only, bounded in size, shape and depth.

Packs come from strangers' zip files. Anchors and aliases are refused outright: a few hundred
bytes of nested aliases expand to gigabytes as soon as anything walks the data (the "billion
laughs" attack), and a pack has no need for them. Node count, nesting depth and the length of
one value are capped, so reading a pack costs time and memory in proportion to its bytes.
"""

from __future__ import annotations

from typing import Any

import yaml
from yaml.composer import ComposerError
from yaml.parser import ParserError

MAX_NODES = 20_000  # the largest starter course.yaml has about 400
MAX_DEPTH = 20  # course.yaml nests 5 deep
MAX_VALUE = 100_000  # characters in one scalar (a long description is a few thousand)


class YamlRefused(ComposerError):
    """The YAML is well-formed but not allowed in a pack; `reason` says which rule, for people."""

    def __init__(self, reason: str, mark: yaml.Mark | None) -> None:
        super().__init__(None, None, reason, mark)
        self.reason = reason


class _BoundedLoader(yaml.SafeLoader):
    """SafeLoader that refuses anchors and aliases and counts what it builds."""

    def __init__(self, stream: str) -> None:
        super().__init__(stream)
        self._nodes = 0
        self._depth = 0

    def compose_node(self, parent: yaml.Node | None, index: Any) -> yaml.Node | None:
        event = self.peek_event()
        if isinstance(event, yaml.AliasEvent) or getattr(event, "anchor", None):
            raise YamlRefused("anchors", event.start_mark)
        if isinstance(event, yaml.ScalarEvent) and len(event.value) > MAX_VALUE:
            raise YamlRefused("value", event.start_mark)
        self._nodes += 1
        if self._nodes > MAX_NODES:
            raise YamlRefused("nodes", event.start_mark)
        self._depth += 1
        if self._depth > MAX_DEPTH:
            raise YamlRefused("depth", event.start_mark)
        try:
            return super().compose_node(parent, index)
        finally:
            self._depth -= 1


def read_yaml(text: str) -> tuple[yaml.Node | None, Any]:
    """The document's node tree (for line numbers) and its data, read once.

    Raises YamlRefused for what a pack may not contain, and yaml.YAMLError for bad syntax.
    """
    loader = _BoundedLoader(text)
    try:
        node = loader.get_single_node()
        return node, (loader.construct_document(node) if node is not None else None)
    finally:
        loader.dispose()


def quote_left_open(text: str, error: yaml.MarkedYAMLError) -> yaml.Mark | None:
    """Where a quote opens that most likely caused `error`, or None.

    An unclosed quote makes the reader run on to the end of the file (or to the next quote,
    several lines on) and fail there; the mistake is where the quote opened.
    """
    if error.context and "quoted scalar" in error.context and error.context_mark:
        return error.context_mark
    if not isinstance(error, ParserError) or error.problem_mark is None:
        return None
    found = None
    try:
        for token in yaml.scan(text, Loader=yaml.SafeLoader):
            if token.start_mark.index >= error.problem_mark.index:
                break
            if isinstance(token, yaml.ScalarToken) and token.style in ("'", '"'):
                found = token
    except yaml.YAMLError:
        pass  # the tokens before the error are all there is
    # Only a quoted value that ran from an earlier line onto the line of the error explains it.
    if found is None or found.start_mark.line == found.end_mark.line:
        return None
    return found.start_mark if found.end_mark.line == error.problem_mark.line else None
