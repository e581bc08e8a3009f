"""HTML page -> the article's body blocks: trafilatura finds the text, our pass shapes it.

Stages of :func:`extract_page`:

1. Parse the page once with lxml (a leading doctype, which trips libxml2 on some
   pages, is removed first).
2. Apply the outlet's rules: drop selectors remove elements; keep selectors name the
   body outright, and trafilatura is skipped.
3. Index the page in one pass: its text blocks by their words (so trafilatura's
   plain text can be traced back to the markup), its figures with caption and credit,
   and every caption text.
4. Trafilatura picks the main content as plain text (settings in
   ``TRAFILATURA_OPTIONS``: its link and image modes cost F1 on real pages). A short
   precision-mode result is retried in balanced mode; pages over 2 MB use fast mode.
5. Walk the result into blocks (paragraphs, headings, quotes, list items); each block
   traced to its element gets its links back from the markup, and the page's figures
   are placed among the blocks in page order.
6. Drop what leaks through: furniture lines (textclean's rules, prose that does not
   address the reader excepted), labelled link boxes ("Related", "Read more"), blocks
   and lists made of links, bylines and date stamps above the first paragraph, paywall
   prompts, captions and credit lines outside their figure (they join it when it is
   just above) and the page's own URL printed as a line. A headline opening the body
   becomes the title.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from itertools import islice
from urllib.parse import urlsplit

import trafilatura
from bs4 import BeautifulSoup, Tag
from lxml import etree
from lxml import html as lxml_html
from soupsieve import SelectorSyntaxError

from broadsheet.errors import CleanError
from broadsheet.markdown import BodyBlock, escape_inline, markdown_link
from broadsheet.sanitize import safe_url, strip_tracking
from broadsheet.sources import Outlet
from broadsheet.textclean import (
    AGENCY,
    PHOTO_WORD,
    credit_name,
    is_byline_or_date_line,
    is_credit_line,
    is_furniture_line,
    is_section_label,
    split_credit,
)

# Measured with bench/extract.py on the aeb pages: precision mode without comments
# scores best; trafilatura's link mode loses text next to links on some layouts and
# its image mode lets captions and print logos into the text, so links and figures
# come from the page itself (stage 5).
TRAFILATURA_OPTIONS = {
    "favor_precision": True,
    "include_comments": False,
    "include_links": False,
    "include_images": False,
    "include_tables": True,
    "include_formatting": False,
}

NO_ARTICLE = "no article text found"
RETRY_MAX_WORDS = 50  # a precision-mode result shorter than this is retried…
RETRY_GAIN = 2.0  # …and the balanced result kept when this many times longer
HUGE_PAGE_CHARS = 2_000_000  # pages this large get trafilatura's fast mode, no retry

# --- 1. parsing ------------------------------------------------------------------------

_PARSER_OPTIONS = {
    "collect_ids": False,
    "default_doctype": False,
    "remove_comments": True,
    "remove_pis": True,
}
# lxml.html's parser picks each element's class in Python; one class for every element,
# chosen in C, makes every pass over the tree (trafilatura's too) about 8 % faster.
_LOOKUP = etree.ElementDefaultClassLookup(
    element=lxml_html.HtmlElement,
    comment=lxml_html.HtmlComment,
    pi=lxml_html.HtmlProcessingInstruction,
    entity=lxml_html.HtmlEntity,
)
_PARSER = etree.HTMLParser(**_PARSER_OPTIONS)
_PARSER.set_element_class_lookup(_LOOKUP)
_BYTES_PARSER = etree.HTMLParser(encoding="utf-8", **_PARSER_OPTIONS)
_BYTES_PARSER.set_element_class_lookup(_LOOKUP)
_DOCTYPE_RE = re.compile(r"^\s*<!doctype[^>]*>", re.IGNORECASE)

# --- tag vocabularies: trafilatura's output and plain HTML -----------------------------

HEADING_TAGS = frozenset({"head", "h1", "h2", "h3", "h4", "h5", "h6"})
QUOTE_TAGS = frozenset({"quote", "blockquote"})
ITEM_TAGS = frozenset({"item", "li", "dd", "dt"})
LINK_TAGS = frozenset({"ref", "a"})
BREAK_TAGS = frozenset({"lb", "br"})
CELL_TAGS = frozenset({"cell", "td", "th"})
BLOCK_TAGS = HEADING_TAGS | QUOTE_TAGS | ITEM_TAGS | frozenset(
    {
        "p", "div", "section", "article", "main", "header", "list", "ul", "ol", "dl",
        "table", "tbody", "thead", "tfoot", "row", "tr", "code", "pre", "figure",
        "figcaption", "center", "address", "body", "html", "hr",
    }
)  # fmt: skip
# Never part of an article body (when a keep selector hands us raw markup).
SKIP_TAGS = frozenset(
    {
        "script", "style", "noscript", "template", "nav", "aside", "footer", "form",
        "button", "iframe", "svg", "select", "textarea", "input", "label", "object",
        "embed", "canvas", "video", "audio", "map", "dialog", "menu",
    }
)  # fmt: skip
# Elements whose words trafilatura's blocks are traced back to (stage 3). A div only
# counts when it holds text of its own; a container of other blocks never does (its
# words are its blocks', and reading them again at every level of nesting would cost
# time in the square of the page's depth).
INDEX_TAGS = (
    "p", "li", "dd", "dt", "h1", "h2", "h3", "h4", "h5", "h6", "blockquote", "pre",
    "td", "th", "div", "figcaption", "img",
)  # fmt: skip
CONTAINER_TAGS = frozenset(
    {
        "div", "p", "ul", "ol", "dl", "li", "table", "tr", "td", "blockquote", "section",
        "article", "main", "figure", "header", "footer", "aside", "nav", "form", "pre",
        "h1", "h2", "h3", "h4", "h5", "h6",
    }
)  # fmt: skip

# --- figures -----------------------------------------------------------------------------

FIGURE_XPATH = etree.XPath(
    "//figure|//figcaption[not(ancestor::figure)]"
    "|//*[(contains(@class,'caption') or contains(@class,'Caption'))"
    " and not(ancestor-or-self::figure) and not(ancestor::figcaption)]"
)
CREDIT_CLASS_RE = re.compile(
    r"credit|copyright|photographer|byline|attribution|source|author", re.IGNORECASE
)
CONTAINER_DEPTH = 3  # how far above a caption its image may sit
# A figure or caption with more elements than this is a wrapper that happens to carry
# the class ("has-captions" on an article), and reading it would cost time on every page.
FIGURE_MAX_ELEMENTS = 60
FIGURE_MAX_CHARS = 3000
CONTAINER_EXTRA_CHARS = 200  # text beside the caption in its figure (credit, labels)
CREDIT_MAX_WORDS = 12
ICON_MAX_PX = 64  # an image this small on both sides is an icon or a tracking pixel
TRACKER_SRC_RE = re.compile(
    r"(?:pixel|beacon|spacer|tracking|tracker|1x1|blank|transparent)[^/]*\.(?:gif|png)",
    re.IGNORECASE,
)
IMAGE_SRC_ATTRIBUTES = ("data-src", "data-lazy-src", "data-original", "src")
# Lazy-loading pages put a spinner or a blank in src until the image scrolls into view.
PLACEHOLDER_SRC_RE = re.compile(
    r"(?:loader|loading|placeholder|spinner|lazy|blank|spacer|transparent|pixel)"
    r"[^/]*\.(?:gif|png|svg)",
    re.IGNORECASE,
)
# Small pictures inside the text that are not the article's: emoji, icons, avatars.
ICON_CLASS_RE = re.compile(r"emoji|icon|avatar|logo|badge|sprite", re.IGNORECASE)
# How many indexed elements (paragraphs, list items, images…) a figure may sit
# before the first paragraph and still be the article's lead image.
LEAD_FIGURE_GAP = 12

# --- 6. post pass ----------------------------------------------------------------------

# "Subscribe to continue reading", "This article is for subscribers only", "You have
# reached your limit of free articles": the page holds back the rest of the article.
PAYWALL_RE = re.compile(
    r"\b(?:subscribe|sign up|log ?in|register|become a (?:member|subscriber))\b.{0,40}"
    r"\b(?:to (?:continue|keep) reading|to read the (?:full|whole|rest)|"
    r"for (?:full|unlimited) access)|"
    r"\bto (?:continue|keep) reading\b.{0,40}\b(?:subscribe|sign up|log ?in|register)|"
    r"\b(?:article|story|content) is (?:only )?(?:available|reserved|exclusive) (?:to|for) "
    r"(?:paying )?(?:subscribers|members|premium)|"
    r"\bsubscribers?[- ]only (?:article|story|content)\b|"
    r"\breached (?:your|the) (?:limit|maximum|monthly limit) of free\b|"
    r"\byou have (?:\d+|no) free (?:articles?|stories) (?:left|remaining)\b",
    re.IGNORECASE,
)
PAYWALL_MAX_WORDS = 40
PROMPT_MAX_CHARS = 300
# A prompt printed this many indexed elements after the article's last paragraph still
# cuts it short; one elsewhere on the page may be a modal every article carries.
PROMPT_AFTER = 8
# Under a section label ("Related", "Read more") the short blocks made of links are its
# list; the first other block ends it.
SECTION_LABEL_WORDS = 8
LINK_BOX_MAX_WORDS = 30
# A block whose words are mostly link text is a link: a paragraph of them (teaser rows,
# "[INSIGHT]" strips) or a list made only of them (related stories) is not the article.
LINK_SHARE = 0.8
LINK_BLOCK_MIN_WORDS = 4
CAPTION_MAX_WORDS = 60  # a credited line under an image longer than this is prose
CREDIT_MAX_CHARS = 300  # a credit line is a dozen words at most
# What every credit line has (a label, "©" or an agency's name): a cheap test that spares
# most blocks textclean's full credit pattern, which is slow on lines it does not match.
CREDIT_HINT_RE = re.compile(
    rf"^\W*(?:©|{PHOTO_WORD}|credit|image copyright|copyright|source|courtesy)|\b(?:{AGENCY})\b",
    re.IGNORECASE,
)
BARE_URL_RE = re.compile(r"^(?:https?://|www\.)\S+$", re.IGNORECASE)
# A block that reads as prose is the article's even when it mentions subscribers or
# starts with "Next" or "Share": the site's offers always address the reader.
PROSE_MIN_WORDS = 8
SENTENCE_END_RE = re.compile(r"[.!?…。！？][\"'”’»)\]]*$")
READER_ADDRESS_RE = re.compile(r"\b(?:you|your|we|us|our)\b", re.IGNORECASE)
# An invitation to follow the outlet elsewhere is furniture however long and well-formed.
SOCIAL_PROMPT_RE = re.compile(
    r"^\W*(?:follow|like|join|find|connect with|subscribe to)\b.{0,80}?\b(?:on|via)\s+"
    r"(?:instagram|facebook|twitter|x|tiktok|telegram|whatsapp|youtube|linkedin|threads|"
    r"bluesky|mastodon|google news)\b",
    re.IGNORECASE,
)
WORD_RE = re.compile(r"\w")


@dataclass(frozen=True)
class ExtractedPage:
    """The article found in an HTML page."""

    title: str | None
    blocks: tuple[BodyBlock, ...]
    paywall_prompt: bool


@dataclass(frozen=True)
class _Picture:
    caption: str
    credit: str | None


@dataclass
class _Index:
    """What stage 3 learns about the page."""

    by_key: dict[str, tuple[int, etree._Element]] = field(default_factory=dict)
    pictures: dict[etree._Element, _Picture] = field(default_factory=dict)
    images: list[tuple[int, etree._Element]] = field(default_factory=list)
    captions: set[str] = field(default_factory=set)
    headlines: list[str] = field(default_factory=list)  # every h1's words
    prompts: list[int] = field(default_factory=list)  # where paywall prompts are printed
    title: str | None = None


@dataclass
class _Block:
    kind: str
    runs: list[tuple[str, str | None]] = field(default_factory=list)
    level: int = 0  # heading level, 1 for the page's h1
    src: str | None = None
    credit: str | None = None
    text: str = ""
    markdown: str | None = None
    linked_words: int = 0
    order: int | None = None  # position of its element in the page, when traced


def extract_page(html: str, url: str | None = None, outlet: Outlet | None = None) -> ExtractedPage:
    """The article body of an HTML page as blocks; CleanError when the page has none."""
    url = _usable_url(url)
    # 1. Parse once.
    root = _parse(html)
    # 2. Outlet rules.
    kept = _apply_outlet(root, outlet) if outlet is not None else []
    # 3. Index the page.
    index = _index_page(root)
    if kept:
        walker = _Walker(xml=False, base=url, index=index)
        for element in kept:
            walker.walk(element)
        blocks = walker.finish()
    else:
        # 4. Trafilatura's choice, as plain text.
        body = _trafilatura_body(root, url, index, len(html))
        walker = _Walker(xml=True, base=url, index=index)
        if body is not None:
            walker.walk(body)
        # 5. Links and figures from the page.
        blocks = _place_figures(_trace(walker.finish(), index, url), index, url)
    # 6. Drop what leaks through.
    extra = [re.compile(p, re.IGNORECASE) for p in (outlet.drop_lines if outlet else ())]
    title, body_blocks, paywall = _post_pass(blocks, index, extra, url)
    paywall = paywall or _prompt_after_article(blocks, index)
    if not any(b.kind != "figure" for b in body_blocks):
        raise CleanError(NO_ARTICLE)
    return ExtractedPage(title=title, blocks=tuple(body_blocks), paywall_prompt=paywall)


# --- 1. parsing --------------------------------------------------------------------------


def _usable_url(url: str | None) -> str | None:
    """The page URL when it can resolve links (an absolute http(s) URL), else None."""
    if not url:
        return None
    try:
        parts = urlsplit(url)
    except ValueError:
        return None
    return url if parts.scheme in ("http", "https") and parts.netloc else None


def _parse(text: str) -> etree._Element:
    text = _DOCTYPE_RE.sub("", text or "", count=1)
    if not text.strip():
        raise CleanError(NO_ARTICLE)
    try:
        try:
            root = etree.fromstring(text, parser=_PARSER)
        except ValueError:
            # A str that declares its own encoding ("<?xml … encoding=…?>").
            root = etree.fromstring(text.encode("utf-8", "surrogatepass"), parser=_BYTES_PARSER)
    except (etree.LxmlError, ValueError) as error:
        raise CleanError(NO_ARTICLE) from error
    if root is None or len(root) == 0:
        raise CleanError(NO_ARTICLE)
    return root


# --- 2. outlet rules ---------------------------------------------------------------------


def _apply_outlet(root: etree._Element, outlet: Outlet) -> list[etree._Element]:
    """Remove the drop selectors' elements; return the keep selectors' (outermost only)."""
    if not outlet.drop_selectors and not outlet.keep_selectors:
        return []
    # CSS selectors need soupsieve, which works on bs4 trees: only pages of outlets
    # with selectors pay for this second parse.
    soup = BeautifulSoup(etree.tostring(root, encoding="unicode", method="html"), "lxml")
    for selector in outlet.drop_selectors:
        for tag in _select(soup, selector):
            tag.decompose()
    marker = "data-broadsheet-keep"
    for selector in outlet.keep_selectors:
        for tag in _select(soup, selector):
            tag[marker] = "1"
    fresh = _parse(str(soup))
    for child in list(root):
        root.remove(child)
    for child in list(fresh):
        root.append(child)
    kept = root.xpath(f"//*[@{marker}]")
    outer = [e for e in kept if not any(a.get(marker) for a in e.iterancestors())]
    for element in kept:
        del element.attrib[marker]
    return outer


def _select(soup: BeautifulSoup, selector: str) -> list[Tag]:
    try:
        return soup.select(selector)
    except (SelectorSyntaxError, ValueError) as error:
        raise CleanError(f"outlet selector {selector!r} is not valid CSS") from error


# --- 3. index ----------------------------------------------------------------------------


def _index_page(root: etree._Element) -> _Index:
    index = _Index()
    _index_figures(root, index)
    for order, element in enumerate(root.iter(INDEX_TAGS)):
        tag = element.tag
        if tag == "img":
            if element in index.pictures or _stands_alone(element):
                index.images.append((order, element))
            continue
        if tag == "div" and not (element.text and not element.text.isspace()):
            continue
        if tag != "p" and any(child.tag in CONTAINER_TAGS for child in element):
            continue
        text = element.text_content()
        key = _key(text)
        if key and key not in index.by_key:
            index.by_key[key] = (order, element)
        if tag == "h1":
            index.headlines.append(_squash(text))
        elif len(key) <= PROMPT_MAX_CHARS and PAYWALL_RE.search(text):
            index.prompts.append(order)
    title = root.find("head/title")
    if title is not None:
        index.title = _squash(title.text_content()) or None
    return index


def _stands_alone(img: etree._Element) -> bool:
    """An image that is a paragraph of its own (``<p><img></p>``): the article's picture."""
    parent = img.getparent()
    if parent is not None and parent.tag == "a":
        return False  # a linked image is more often a banner than a picture
    return (
        parent is not None
        and parent.tag == "p"
        and len(parent) == 1
        and not (parent.text or "").strip()
        and not (img.tail or "").strip()
    )


def _index_figures(root: etree._Element, index: _Index) -> None:
    """Every image in a figure-like container with its caption and credit."""
    for found in FIGURE_XPATH(root):
        if not _is_small(found):
            continue
        if found.tag == "figure" or found.find(".//img") is not None:
            container = found
            caption = next(
                (
                    e
                    for e in found.iterdescendants()
                    if e.tag == "figcaption" or _has_caption_class(e)
                ),
                None,
            )
        else:
            container, caption = _image_container(found), found
        if container is None:
            if caption is not None:
                index.captions.update(_caption_texts(caption, None))
            continue
        credits = [
            e
            for e in container.iter()
            if e is not container
            and _is_credit(e)
            and (caption is None or not any(a is e for a in caption.iterancestors()))
            and len(e.text_content().split()) <= CREDIT_MAX_WORDS
        ]
        caption_text = _text_without(caption, credits) if caption is not None else ""
        credit = _squash(" ".join(e.text_content() for e in _outermost(credits))) or None
        if not caption_text and credit:
            # A caption marked up as the credit: "Jane Doe in 2002. Photo by John Roe".
            caption_text, credit = split_credit(credit) or ("", credit)
        elif caption_text and credit is None:
            caption_text, credit = split_credit(caption_text) or (caption_text, None)
        credit = _clean_credit(credit)
        picture = _Picture(caption_text, credit)
        if caption is not None:
            index.captions.update(_caption_texts(caption, picture))
        for img in container.iter("img"):
            index.pictures.setdefault(img, picture)


def _clean_credit(credit: str | None) -> str | None:
    """The credit's name alone: labels ("Image credit:", "©", "Credit...") and brackets go."""
    if not credit:
        return None
    previous = None
    while credit and credit != previous:
        previous = credit
        credit = credit_name(credit.strip(" ()[]").lstrip(".…:| "))
        credit = re.sub(r"^by\s+", "", credit, flags=re.IGNORECASE)
    # An author box ("Associated Press November 19, 2019, 9:02 AM") is not a credit.
    if not credit or is_byline_or_date_line(credit):
        return None
    return credit


def _has_caption_class(element: etree._Element) -> bool:
    return isinstance(element.tag, str) and "caption" in (element.get("class") or "").lower()


def _image_container(caption: etree._Element) -> etree._Element | None:
    """The nearest element above a caption holding an image and little other text."""
    element = caption
    size = len(_key(caption.text_content()))
    for _ in range(CONTAINER_DEPTH):
        element = element.getparent()
        if element is None or not _is_small(element):
            return None
        if element.find(".//img") is not None:
            if len(_key(element.text_content())) > size + CONTAINER_EXTRA_CHARS:
                return None
            return element
    return None


def _is_small(element: etree._Element) -> bool:
    """Whether an element is small enough to be one figure (a picture and its words)."""
    elements = sum(1 for _ in islice(element.iter(), FIGURE_MAX_ELEMENTS + 1))
    return elements <= FIGURE_MAX_ELEMENTS and len(element.text_content()) <= FIGURE_MAX_CHARS


def _is_credit(element: etree._Element) -> bool:
    if not isinstance(element.tag, str):
        return False
    marks = f"{element.get('class') or ''} {element.get('itemprop') or ''}"
    return bool(CREDIT_CLASS_RE.search(marks))


def _outermost(elements: list[etree._Element]) -> list[etree._Element]:
    chosen = set(elements)
    return [e for e in elements if not any(a in chosen for a in e.iterancestors())]


def _caption_texts(caption: etree._Element, picture: _Picture | None) -> set[str]:
    texts = {_squash(caption.text_content())}
    if picture is not None:
        texts.update(t for t in (picture.caption, picture.credit) if t)
    texts.discard("")
    return texts


def _text_without(element: etree._Element, removed: list[etree._Element]) -> str:
    """The element's words, leaving out those of ``removed`` descendants."""
    skip = set(removed)
    if not any(a is element for e in skip for a in e.iterancestors()):
        return _squash(element.text_content())
    parts: list[str] = []

    def visit(node: etree._Element) -> None:
        if node in skip:
            return
        if node.text and isinstance(node.tag, str):
            parts.append(node.text)
        for child in node:
            visit(child)
            if child.tail:
                parts.append(child.tail)

    visit(element)
    return _squash("".join(parts))


# --- 4. trafilatura ----------------------------------------------------------------------


def _trafilatura_body(
    root: etree._Element, url: str | None, index: _Index, size: int
) -> etree._Element | None:
    """Trafilatura's main content; a short result is retried in its balanced mode."""
    if size > HUGE_PAGE_CHARS:
        # Its fallback extractors (readability, jusText) take seconds on such pages.
        return _run_trafilatura(root, url, {**TRAFILATURA_OPTIONS, "fast": True})
    body = _run_trafilatura(root, url, TRAFILATURA_OPTIONS)
    words = _word_total(body)
    if words < RETRY_MAX_WORDS:
        # Precision mode can settle on a small box (a reprint notice, a teaser) beside an
        # article it judged unsure. Balanced mode's result wins when far longer and made
        # of the page's own paragraphs, not a dump of all its text.
        retry = _run_trafilatura(root, url, {**TRAFILATURA_OPTIONS, "favor_precision": False})
        if _word_total(retry) >= RETRY_GAIN * max(words, 1) and _traced_share(retry, index) >= 0.5:
            body = retry
    return body


def _traced_share(body: etree._Element | None, index: _Index) -> float:
    """The share of a result's words in blocks the page prints as they are."""
    total = traced = 0
    for element in () if body is None else body.iter("p", "head", "item", "quote"):
        text = "".join(element.itertext())
        words = len(text.split())
        total += words
        if _key(text) in index.by_key:
            traced += words
    return traced / total if total else 0.0


def _run_trafilatura(
    root: etree._Element, url: str | None, options: dict[str, bool]
) -> etree._Element | None:
    try:
        document = trafilatura.bare_extraction(root, url=url, **options)
    except (ValueError, TypeError, AttributeError, IndexError, KeyError, etree.LxmlError):
        return None
    return None if document is None else document.body


def _word_total(body: etree._Element | None) -> int:
    return 0 if body is None else len(" ".join(body.itertext()).split())


# --- 5. blocks, links and figures ------------------------------------------------------


class _Walker:
    """Turns an element tree (trafilatura's output or the page's markup) into blocks."""

    def __init__(self, xml: bool, base: str | None, index: _Index) -> None:
        self.xml = xml
        self.base = base
        self.index = index
        self.blocks: list[_Block] = []
        self.current = _Block("paragraph")

    def walk(self, element: etree._Element) -> None:
        self._element(element, "paragraph", 0, None)

    def finish(self) -> list[_Block]:
        self._flush()
        return self.blocks

    def _flush(self) -> None:
        block = self.current
        if block.runs:
            _render(block, self.base)
            if block.text:
                self.blocks.append(block)
        self.current = _Block(block.kind, level=block.level)

    def _start(self, kind: str, level: int) -> None:
        self._flush()
        self.current.kind, self.current.level = kind, level

    def _add(self, text: str | None, href: str | None) -> None:
        if not text:
            return
        runs = self.current.runs
        if runs and runs[-1][1] == href:
            runs[-1] = (runs[-1][0] + text, href)
        else:
            runs.append((text, href))

    def _element(self, element: etree._Element, kind: str, level: int, href: str | None) -> None:
        tag = element.tag.lower() if isinstance(element.tag, str) else ""
        if not tag or tag in SKIP_TAGS or (not self.xml and tag in ("head", "title")):
            return
        if not self.xml and tag == "img":
            figure = _figure_block(element, self.index, self.base)
            if figure is not None and _is_picture(element, self.index):
                self._flush()
                self.blocks.append(figure)
                self._start(kind, level)
            return
        if tag in BREAK_TAGS:
            self._add(" ", href)
            return
        block = tag in BLOCK_TAGS
        if block:
            kind, level = _block_kind(element, tag, kind, level, self.xml)
            self._start(kind, level)
        if tag in LINK_TAGS and not self.xml:
            href = element.get("href") or href
        self._add(element.text, href)
        for child in element:
            self._element(child, kind, level, href)
            if block:
                self.current.kind, self.current.level = kind, level
            self._add(child.tail, href)
        if tag in CELL_TAGS:
            self._add(" | ", None)
        if block:
            self._flush()


def _block_kind(
    element: etree._Element, tag: str, kind: str, level: int, xml: bool
) -> tuple[str, int]:
    if tag in HEADING_TAGS:
        m = re.match(r"h(\d)", (element.get("rend") if xml else tag) or "")
        return "heading", int(m.group(1)) if m else 2
    if tag in QUOTE_TAGS:
        return "quote", 0
    if tag in ITEM_TAGS:
        return "list_item", 0
    return kind, level


def _render(block: _Block, base: str | None) -> None:
    """Set the block's plain text and, when it holds links, its Markdown."""
    block.text = _squash("".join(text for text, _ in block.runs)).strip(" |")
    block.markdown, block.linked_words = None, 0
    if all(href is None for _, href in block.runs):
        return
    md_parts: list[str] = []
    linked_words = 0
    for text, href in block.runs:
        url = safe_url(href, base=base) if href else None
        if url:
            url = strip_tracking(url, keep_fragment=True)
        words = _squash(text)
        if url and words:
            linked_words += len(words.split())
            lead = " " if text[:1].isspace() else ""
            trail = " " if text[-1:].isspace() else ""
            md_parts.append(lead + markdown_link(words, url) + trail)
        else:
            md_parts.append(escape_inline(text))
    if linked_words:
        block.markdown = _squash("".join(md_parts)).strip(" |")
        block.linked_words = linked_words


def _trace(blocks: list[_Block], index: _Index, base: str | None) -> list[_Block]:
    """Give each block traced to its element the element's links, images and position."""
    out: list[_Block] = []
    for block in blocks:
        found = index.by_key.get(_key(block.text))
        if found is None:
            out.append(block)
            continue
        block.order, element = found
        walker = _Walker(xml=False, base=base, index=index)
        walker.walk(element)
        traced = walker.finish()
        texts = [b for b in traced if b.kind != "figure"]
        if len(texts) == 1 and _key(texts[0].text) == _key(block.text):
            block.runs = texts[0].runs
            _render(block, base)
        else:
            traced = [b for b in traced if b.kind == "figure"]
            texts = []
        # Figures printed inside the element keep their place around its text.
        first_text = next((i for i, b in enumerate(traced) if b.kind != "figure"), len(traced))
        for i, figure in enumerate(traced):
            if figure.kind == "figure" and i < first_text:
                figure.order = block.order
                out.append(figure)
        out.append(block)
        for i, figure in enumerate(traced):
            if figure.kind == "figure" and i > first_text:
                figure.order = block.order
                out.append(figure)
    return out


def _place_figures(blocks: list[_Block], index: _Index, base: str | None) -> list[_Block]:
    """Put the page's captioned figures among the blocks, in page order."""
    orders = [b.order for b in blocks if b.order is not None and b.kind != "figure"]
    if not orders or not index.images:
        return blocks
    first, last = min(orders), max(orders)
    placed = {b.src for b in blocks if b.kind == "figure"}
    figures: list[_Block] = []
    for order, img in index.images:
        if first - LEAD_FIGURE_GAP <= order <= last:
            figure = _figure_block(img, index, base)
            if figure is None or (order < first and not (figure.text or figure.credit)):
                continue  # a lead image says what it shows; logos and avatars do not
            if figure.src not in placed:
                placed.add(figure.src)
                figure.order = order
                figures.append(figure)
    if not figures:
        return blocks
    out: list[_Block] = []
    for block in blocks:
        if block.order is not None:
            while figures and figures[0].order < block.order:
                out.append(figures.pop(0))
        out.append(block)
    out.extend(figures)
    return out


def _figure_block(img: etree._Element, index: _Index, base: str | None) -> _Block | None:
    src = next(_image_sources(img), None)
    if src is None or TRACKER_SRC_RE.search(src) or _is_tiny(img):
        return None
    safe = safe_url(src, base=base)
    if safe is None:
        return None
    picture = index.pictures.get(img)
    caption = picture.caption if picture else ""
    credit = picture.credit if picture else None
    return _Block("figure", src=safe, credit=credit, text=caption)


def _is_picture(img: etree._Element, index: _Index) -> bool:
    """Whether an image inside the text is one of the article's pictures (not an emoji)."""
    if img in index.pictures or _stands_alone(img):
        return True
    if ICON_CLASS_RE.search(img.get("class") or ""):
        return False
    sizes = [_pixels(img.get(name)) for name in ("width", "height")]
    return all(size is not None and size > ICON_MAX_PX for size in sizes)


def _pixels(value: str | None) -> int | None:
    m = re.match(r"\s*(\d+)", value or "")
    return int(m.group(1)) if m else None


def _image_sources(img: etree._Element) -> Iterator[str]:
    """The image's URLs, best first: lazy-loading attributes (src is then a placeholder),
    src, then the last (largest) candidate of a srcset."""
    for name in IMAGE_SRC_ATTRIBUTES:
        value = (img.get(name) or "").strip()
        if value and not value.startswith("data:") and not PLACEHOLDER_SRC_RE.search(value):
            yield value
    for name in ("data-srcset", "srcset"):
        candidates = [c.split()[0] for c in (img.get(name) or "").split(",") if c.strip()]
        if candidates and not candidates[-1].startswith("data:"):
            yield candidates[-1]


def _is_tiny(img: etree._Element) -> bool:
    sizes = [s for s in (_pixels(img.get("width")), _pixels(img.get("height"))) if s is not None]
    return bool(sizes) and max(sizes) <= ICON_MAX_PX


def _key(text: str) -> str:
    return "".join(text.split())


def _squash(text: str) -> str:
    if "\u200b" in text or "\ufeff" in text:
        text = text.replace("\u200b", "").replace("\ufeff", "")
    return " ".join(text.split())


# --- 6. post pass ------------------------------------------------------------------------


def _post_pass(
    blocks: list[_Block],
    index: _Index,
    extra: Sequence[re.Pattern[str]],
    url: str | None,
) -> tuple[str | None, list[BodyBlock], bool]:
    title = None
    paywall = False
    out: list[_Block] = []
    in_box = False
    seen_text = seen_prose = False
    host = urlsplit(url).netloc.lower() if url else None
    page_title = _title_key(index.title) if index.title else ""
    link_lists = _link_lists(blocks)
    for position, block in enumerate(blocks):
        if block.kind == "figure":
            if not (block.text and is_furniture_line(block.text, extra)):
                out.append(block)  # a caption that is furniture labels an advert
            continue
        text = block.text
        words = len(text.split())
        if not WORD_RE.search(text):
            continue
        if (
            not seen_text
            and title is None
            and block.kind == "heading"
            and (block.level == 1 or (page_title and page_title.startswith(_title_key(text))))
        ):
            title = text
            continue
        if words <= PAYWALL_MAX_WORDS and PAYWALL_RE.search(text):
            paywall = True
            continue
        previous = out[-1] if out else None
        figure = previous if previous is not None and previous.kind == "figure" else None
        credit_line = (
            len(text) <= CREDIT_MAX_CHARS
            and bool(CREDIT_HINT_RE.search(text))
            and is_credit_line(text)
        )
        if credit_line or text in index.captions:
            # A caption or credit printed beside its image, outside the figure markup.
            if figure is not None and credit_line:
                figure.credit = figure.credit or _clean_credit(text)
            elif figure is not None and not figure.text:
                figure.text = text
            continue
        if figure is not None and words <= CAPTION_MAX_WORDS:
            split = split_credit(text)
            if split is not None:
                figure.text = figure.text or split[0]
                figure.credit = figure.credit or _clean_credit(split[1])
                continue
        if is_section_label(text) and (block.kind == "heading" or words <= SECTION_LABEL_WORDS):
            in_box = True
            continue
        if in_box:
            if _is_link_block(block, words) and words <= LINK_BOX_MAX_WORDS:
                continue
            in_box = False
        if (
            position in link_lists
            or (
                block.kind == "paragraph"
                and words >= LINK_BLOCK_MIN_WORDS
                and _is_link_block(block, words)
            )
            or (BARE_URL_RE.match(text) and _same_host(text, host))
            or (not seen_prose and is_byline_or_date_line(text))
            or _is_furniture(text, words, extra)
        ):
            continue
        out.append(block)
        seen_text = True
        seen_prose = seen_prose or _is_prose(text, words)
    if title is None:
        title = _headline(index)
    return title, [_body_block(b) for b in out], paywall


def _prompt_after_article(blocks: list[_Block], index: _Index) -> bool:
    """Whether the page prints a paywall prompt inside or just after the article."""
    orders = [b.order for b in blocks if b.order is not None]
    if not orders or not index.prompts:
        return False
    first, last = min(orders), max(orders)
    return any(first <= order <= last + PROMPT_AFTER for order in index.prompts)


def _headline(index: _Index) -> str | None:
    """The page's h1 when it is the headline: the only one, or the one the <title> opens with."""
    page_title = _title_key(index.title) if index.title else ""
    for text in index.headlines:
        if text and page_title.startswith(_title_key(text)):
            return text
    if len(index.headlines) == 1 and index.headlines[0]:
        return index.headlines[0]
    return None


def _link_lists(blocks: list[_Block]) -> set[int]:
    """Positions of list items in lists made only of links (related stories, tag lists)."""
    found: set[int] = set()
    run: list[int] = []
    for position, block in enumerate([*blocks, _Block("end")]):
        if block.kind == "list_item":
            run.append(position)
            continue
        if run and all(_is_link_block(blocks[i], len(blocks[i].text.split())) for i in run):
            found.update(run)
        run = []
    return found


def _is_prose(text: str, words: int) -> bool:
    return words >= PROSE_MIN_WORDS and bool(SENTENCE_END_RE.search(text))


def _is_furniture(text: str, words: int, extra: Sequence[re.Pattern[str]]) -> bool:
    """textclean's furniture rule, except for prose that does not address the reader;
    an invitation to follow the outlet on a social network is furniture at any length."""
    if SOCIAL_PROMPT_RE.search(text):
        return True
    if (
        _is_prose(text, words)
        and not READER_ADDRESS_RE.search(text)
        and not any(p.search(text) for p in extra)
    ):
        return False
    return is_furniture_line(text, extra)


def _same_host(text: str, host: str | None) -> bool:
    if host is None:
        return True
    try:
        found = urlsplit(text if "://" in text else f"http://{text}").netloc.lower()
    except ValueError:
        return False
    return found.removeprefix("www.") == host.removeprefix("www.")


def _is_link_block(block: _Block, words: int) -> bool:
    return block.linked_words > 0 and block.linked_words >= LINK_SHARE * words


def _title_key(text: str) -> str:
    return " ".join(re.findall(r"\w+", text.casefold()))


def _body_block(block: _Block) -> BodyBlock:
    if block.kind == "figure":
        return BodyBlock("figure", block.text, src=block.src, credit=block.credit)
    return BodyBlock(block.kind, block.text, markdown=block.markdown)
