"""Safe Markdown pipeline for trainer-written lesson and quiz texts."""

from __future__ import annotations

import functools
import html
import re
import unicodedata
from html.parser import HTMLParser
from typing import Any
from urllib.parse import unquote

import nh3
from markdown_it import MarkdownIt
from markdown_it.rules_core import StateCore
from markdown_it.token import Token
from mdit_py_plugins.footnote import footnote_plugin

__all__ = ["markdown_parser", "render_markdown", "sanitise_html"]

EXTERNAL_REL = "noopener noreferrer nofollow"

_SCHEME_RE = re.compile(r"^([a-z][a-z0-9+.\-]*):")
_SAFE_SCHEMES = frozenset({"http", "https", "mailto"})
# Raster formats only: SVG can carry script, so data:image/svg+xml is never allowed.
_DATA_IMAGE_RE = re.compile(r"^data:image/(?:png|jpeg|gif|webp);base64,")
_ALIGN_RE = re.compile(r"^text-align:\s*(left|center|right)\s*;?$")
_MEDIA_PREFIX = "media/"

# Key under which the per-call media base travels in markdown-it's `env`;
# keeping it out of module state makes concurrent renders independent.
_ENV_MEDIA_BASE = "union_training_media_base"


def _normalise_url(url: str) -> str:
    """Reduce a URL to the form a browser would see when deciding its scheme.

    Browsers drop tabs/newlines anywhere and control chars/spaces at the edges,
    and attackers hide schemes behind entity or percent encoding, so decode
    repeatedly (bounded) and strip every whitespace/control/format character.
    """
    current = url
    for _ in range(5):
        decoded = html.unescape(unquote(current))
        if decoded == current:
            break
        current = decoded
    cleaned = "".join(
        ch
        for ch in current
        if not (ch.isspace() or unicodedata.category(ch) in {"Cc", "Cf", "Zs", "Zl", "Zp"})
    )
    return cleaned.lower()


def _scheme(normalised: str) -> str | None:
    """Return the URL scheme of an already normalised URL, or None if relative."""
    match = _SCHEME_RE.match(normalised)
    return match.group(1) if match else None


def _is_protocol_relative(normalised: str) -> bool:
    """True for `//host/...`; browsers treat backslashes like slashes here."""
    return normalised.replace("\\", "/").startswith("//")


def _is_safe_data_image(normalised: str) -> bool:
    """True only for base64 data URLs of the four allowed raster image types."""
    return bool(_DATA_IMAGE_RE.match(normalised))


def _validate_link(url: str) -> bool:
    """markdown-it hook: allow relative, http(s), mailto and raster data images."""
    normalised = _normalise_url(url)
    scheme = _scheme(normalised)
    if scheme is None:
        return True
    if scheme in _SAFE_SCHEMES:
        return True
    # Allowed here so images can use it; the core rule strips it from links.
    return _is_safe_data_image(normalised)


def _is_external(url: str) -> bool:
    """True for URLs that leave the site (http/https/mailto or protocol-relative)."""
    normalised = _normalise_url(url)
    return _scheme(normalised) in _SAFE_SCHEMES or _is_protocol_relative(normalised)


def _is_local(url: str) -> bool:
    """True for same-site URLs: absolute paths and scheme-less relative paths."""
    normalised = _normalise_url(url)
    return bool(url) and _scheme(normalised) is None and not _is_protocol_relative(normalised)


def _rewrite_media(url: str, media_base: str | None) -> str:
    """Point `media/...` at the course's media folder when a base is known."""
    if media_base and url.startswith(_MEDIA_PREFIX):
        return media_base.rstrip("/") + "/" + url[len(_MEDIA_PREFIX) :]
    return url


_MEDIA_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,199}")


def _course_image(src: str, media_base: str | None) -> str | None:
    """The address to load for an image of the course's own media, or None for anything else.

    Only the course's files may be loaded: any other same-site address as an image would make
    every reader's browser send a request with their session (a trainer could make an
    organizer's browser export a learner list just by showing a lesson).
    """
    base = (media_base or "").rstrip("/") + "/"
    for prefix in (_MEDIA_PREFIX, base if media_base else None):
        if prefix and src.startswith(prefix):
            name = src[len(prefix) :]
            if _MEDIA_NAME.fullmatch(name) and ".." not in name:
                return (base + name) if media_base else src
    return None


def _slugify(title: str) -> str:
    """GitHub-like slug that keeps Unicode letters (Cyrillic headings need ids)."""
    slug = re.sub(r"[^\w\- ]", "", title.strip().lower()).replace(" ", "-")
    # A heading of only punctuation would otherwise get an empty id.
    return slug or "section"


def _text_token(content: str) -> Token:
    token = Token("text", "", 0)
    token.content = content
    return token


def _external_image_link(image: Token, href: str, state: StateCore) -> list[Token]:
    """Replace an external image by a plain link so readers' IPs don't leak."""
    alt = state.md.renderer.renderInlineAsText(image.children, state.md.options, state.env)
    link_open = Token("link_open", "a", 1)
    link_open.attrSet("href", href)
    link_open.attrSet("rel", EXTERNAL_REL)
    link_open.attrSet("class", "external-image")
    link_close = Token("link_close", "a", -1)
    return [link_open, _text_token(alt or href), link_close]


def _secure_inline(children: list[Token], state: StateCore) -> list[Token]:
    """Rewrite links and images in one inline token's children."""
    media_base = state.env.get(_ENV_MEDIA_BASE)
    result: list[Token] = []
    for token in children:
        if token.type == "link_open":
            href = str(token.attrGet("href") or "")
            if not href or _scheme(_normalise_url(href)) == "data":
                # data: is never a navigation target; an empty href would just reload.
                token.attrs.pop("href", None)
            elif _is_external(href):
                token.attrSet("rel", EXTERNAL_REL)
            else:
                token.attrSet("href", _rewrite_media(href, media_base))
            result.append(token)
        elif token.type == "image":
            src = str(token.attrGet("src") or "")
            normalised = _normalise_url(src)
            if _is_local(src) and (own := _course_image(src, media_base)):
                token.attrSet("src", own)
                token.attrSet("loading", "lazy")
                result.append(token)
            elif _is_safe_data_image(normalised):
                token.attrSet("loading", "lazy")
                result.append(token)
            elif (_is_external(src) or _is_local(src)) and _scheme(normalised) != "mailto":
                # Shown as a link: the reader decides whether to open it.
                result.extend(_external_image_link(token, src, state))
            else:
                # Rejected or pointless source: keep only the alt text.
                alt = state.md.renderer.renderInlineAsText(
                    token.children, state.md.options, state.env
                )
                result.append(_text_token(alt))
        else:
            result.append(token)
    return result


def _align_to_class(token: Token) -> None:
    """CSP forbids inline styles, so turn table alignment into a class."""
    style = token.attrGet("style")
    if style is None:
        return
    token.attrs.pop("style", None)
    match = _ALIGN_RE.match(str(style).strip())
    if match:
        token.attrSet("class", f"align-{match.group(1)}")


def _secure_tokens(state: StateCore) -> None:
    """Core rule (runs last): enforce link/image policy and strip inline styles."""
    for token in state.tokens:
        if token.type in {"th_open", "td_open"}:
            _align_to_class(token)
        elif token.type == "inline" and token.children:
            token.children = _secure_inline(token.children, state)


def _heading_ids(state: StateCore) -> None:
    """Give level 2 and 3 headings ids from their text: "план", "план-1", "план-2"...

    Linear in the number of headings: a counter per slug remembers the last suffix tried, where
    searching from 1 each time made 20,000 equal headings cost seconds per render.
    """
    tokens = state.tokens
    taken = {str(t.attrGet("id")) for t in tokens if t.type == "heading_open" and t.attrGet("id")}
    last_suffix: dict[str, int] = {}
    for index, token in enumerate(tokens):
        if token.type != "heading_open" or token.tag not in ("h2", "h3") or token.attrGet("id"):
            continue
        children = tokens[index + 1].children or []
        base = _slugify("".join(c.content for c in children if c.type in ("text", "code_inline")))
        suffix = last_suffix.get(base, 0)
        slug = base if suffix == 0 else f"{base}-{suffix}"
        while slug in taken:
            suffix += 1
            slug = f"{base}-{suffix}"
        last_suffix[base] = suffix
        taken.add(slug)
        token.attrSet("id", slug)


def _build_parser() -> MarkdownIt:
    """Build the shared parser; all per-call data must go through `env`."""
    md = MarkdownIt("commonmark", {"html": False, "linkify": False, "typographer": False})
    md.enable("table")
    md.enable("strikethrough")
    md.use(footnote_plugin)
    md.core.ruler.push("union_heading_ids", _heading_ids)
    md.validateLink = _validate_link  # type: ignore[method-assign]
    # Pushed after the plugins so it also sees footnote bodies and heading ids.
    md.core.ruler.push("union_secure_tokens", _secure_tokens)
    # Rulers build their rule caches lazily and non-atomically; compile them now,
    # before any thread can race on a half-filled cache.
    md.render("# w\n\n*w* [w](w)\n\n| a |\n|---|\n| b |\n\n[^1]\n\n[^1]: w\n")
    return md


#: The first wall on its own: CommonMark with raw HTML off, safe links only, our token rule.
#: `render_markdown` puts the sanitiser behind it; use this alone only to test that wall.
markdown_parser = _build_parser()

_ALLOWED_TAGS = frozenset(
    {
        "p",
        "br",
        "hr",
        "h1",
        "h2",
        "h3",
        "h4",
        "h5",
        "h6",
        "strong",
        "em",
        "del",
        "s",
        "code",
        "pre",
        "blockquote",
        "ul",
        "ol",
        "li",
        "a",
        "img",
        "table",
        "thead",
        "tbody",
        "tr",
        "th",
        "td",
        "sup",
        "sub",
        "section",
        "span",
        "div",
    }
)

_ALLOWED_ATTRIBUTES: dict[str, set[str]] = {
    "a": {"href", "title", "rel", "class", "id"},
    "img": {"src", "alt", "title", "loading"},
    "h2": {"id"},
    "h3": {"id"},
    "h4": {"id"},
    "th": {"class"},
    "td": {"class"},
    "li": {"id"},
    "section": {"class"},
    "ol": {"start"},
    "sup": {"class", "id"},
    "span": {"class"},
    "div": {"class"},
}

_URL_SCHEMES = frozenset({"http", "https", "mailto", "data"})


def _nh3_attribute_filter(tag: str, attr: str, value: str) -> str | None:
    """nh3 hook: `data:` must be allowed for images, so police it per attribute."""
    if attr == "href" and _scheme(_normalise_url(value)) == "data":
        return None
    if tag == "img" and attr == "src":
        normalised = _normalise_url(value)
        if _scheme(normalised) == "data" and not _is_safe_data_image(normalised):
            return None
    return value


def _sanitise(rendered: str) -> str:
    """Second wall: an allow-list sanitiser, independent of markdown-it."""
    return nh3.clean(
        rendered,
        tags=set(_ALLOWED_TAGS),
        attributes=_ALLOWED_ATTRIBUTES,
        attribute_filter=_nh3_attribute_filter,
        url_schemes=set(_URL_SCHEMES),
        link_rel=None,  # rel is set by the core rule, only on external links
        strip_comments=True,
    )


def render_markdown(text: str, *, media_base: str | None = None) -> str:
    """Trainer-written Markdown to safe HTML (for storing with a revision, not per request)."""
    env: dict[str, Any] = {_ENV_MEDIA_BASE: media_base}
    return _sanitise(markdown_parser.render(text, env))


@functools.lru_cache(maxsize=256)
def shown_markdown(text: str, media_base: str | None = None) -> str:
    """`render_markdown` for texts a page shows without a stored rendering (assignment tasks,
    sent versions, reviews): rendered once per process and text, not on every request.

    Sent versions and reviews never change, and a task's new text is a new key; the cache is
    bounded (about 256 texts) so a worker's memory stays flat.
    """
    return render_markdown(text, media_base=media_base)


_VOID_TAGS = frozenset({"br", "hr", "img"})


class _LinkPolicy(HTMLParser):
    """Re-serialise sanitised HTML with the Markdown pipeline's link and image policy.

    Markdown gets it from the core rule; trainer-written HTML needs the same: external links
    carry rel="noopener noreferrer nofollow" (whatever rel the author wrote), and external
    images become plain links, since loading them would reveal readers' addresses.
    """

    def __init__(self, media_base: str | None = None) -> None:
        super().__init__(convert_charrefs=True)
        self.out: list[str] = []
        self.media_base = media_base

    @staticmethod
    def _tag(tag: str, attrs: list[tuple[str, str | None]]) -> str:
        rendered = "".join(
            f' {name}="{html.escape(value or "", quote=True)}"' for name, value in attrs
        )
        return f"<{tag}{rendered}>"

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        if tag == "a":
            attrs = [(k, v) for k, v in attrs if k != "rel"]
            if _is_external(values.get("href") or ""):
                attrs.append(("rel", EXTERNAL_REL))
        elif tag == "img":
            src = values.get("src") or ""
            if _is_local(src) and (own := _course_image(src, self.media_base)):
                attrs = [(k, own if k == "src" else v) for k, v in attrs]
            elif _is_external(src) or _is_local(src):
                alt = html.escape(values.get("alt") or src, quote=False)
                if _scheme(_normalise_url(src)) == "mailto":
                    self.out.append(alt)
                else:
                    link = [("href", src), ("rel", EXTERNAL_REL), ("class", "external-image")]
                    self.out.append(self._tag("a", link) + alt + "</a>")
                return
        self.out.append(self._tag(tag, attrs))

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.handle_starttag(tag, attrs)

    def handle_endtag(self, tag: str) -> None:
        if tag not in _VOID_TAGS:
            self.out.append(f"</{tag}>")

    def handle_data(self, data: str) -> None:
        self.out.append(html.escape(data, quote=False))


def sanitise_html(html_text: str, *, media_base: str | None = None) -> str:
    """Trainer-written HTML (e.g. a GIFT [html] question) through the same allow-list.

    Links and images then follow the Markdown policy (see _LinkPolicy), and the result goes
    through the sanitiser once more, so the rewriting can never add anything it would refuse.
    """
    policy = _LinkPolicy(media_base)
    policy.feed(_sanitise(html_text))
    policy.close()
    return _sanitise("".join(policy.out))
