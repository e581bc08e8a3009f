"""Plain-text scrape of a news page -> structured article.

A scrape is every visible line of a page: menus, teasers and footers around the
article. There is no DOM, so the cleaner works from what each line looks like.

Stages of :func:`clean_text`:

1. Read the lines and describe each one (length, end punctuation, furniture
   patterns, caption credits, repeats on the page).
2. Score each line (prose gains by its length unless the page repeats it, short
   or link-like lines and furniture lose, a list announced by "…:" costs nothing)
   and take the contiguous run with the highest total as the main-content region
   (maximum-sum subarray).
3. Inside the region, drop furniture, bylines, date lines and the repeated
   title; recognise captions and their credits; type the rest as paragraphs,
   headings, quotes and list items.
4. Find the headline among the lines before the body.
5. Collect the header and trailer lines around the body.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

from broadsheet.text import normalize_space, word_count


@dataclass(frozen=True)
class Block:
    """One body block: a paragraph, subheading, quote or list item, text as printed."""

    kind: str  # "paragraph" | "heading" | "quote" | "list_item"
    text: str


@dataclass(frozen=True)
class Caption:
    """A photo caption found in the scrape, with its credit split off."""

    text: str
    credit: str | None


@dataclass(frozen=True)
class CleanText:
    """The article found in a plain-text scrape and the lines around it."""

    title: str | None
    blocks: tuple[Block, ...]
    captions: tuple[Caption, ...]
    header: tuple[str, ...]
    trailer: tuple[str, ...]


# --- line patterns -----------------------------------------------------------------

# A line ending like a sentence (or a quotation or parenthesis closing one).
SENTENCE_END_RE = re.compile(r"[.!?…:;。！？｡،؟][\"'”’»)\]」』]*$|[\"”»」』]$")
LIST_MARKER_RE = re.compile(r"^(?:[-•*▪►●·–]\s+)")
NUMBERED_RE = re.compile(r"^\d{1,2}[.)]\s+\S")

# Wire agencies and photo libraries credited under news photos (general, not outlets).
AGENCY = (
    r"AP|AFP|Reuters|Bernama|EPA|PA|ANI|IANS|PTI|Xinhua|Getty(?: Images)?|Shutterstock|"
    r"Bloomberg|dpa|Kyodo|Yonhap|Anadolu|NurPhoto|SOPA|Alamy|iStock(?:photo)?|Sipa|TASS|"
    r"ANSA|EFE|Stringer|Handout|File|NASA|ESA|Pool|AAP|Zuma(?: Press)?|Rex Features|UPI|"
    r"WENN|Splash News|Instagram|Twitter|Facebook|YouTube|Supplied"
)
PHOTO_WORD = r"(?:photos?|pics?|pictures?|images?|file photo|fotos?|foto|photograph|graphic|video)"
# "(AP pic)", "(Reuters photo)", "(Image: GETTY )", "(Photo: Bernama)", "(Credit: Getty Images)"
CREDIT_PAREN_RE = re.compile(
    rf"\s*[(\[]\s*(?:(?:{PHOTO_WORD}|credit|source|courtesy)(?:\s+credit)?\s*[:：]?\s*"
    rf"(?P<a>[^()\[\]]{{1,60}}?)|(?P<b>[^()\[\]]{{1,40}}?)\s+{PHOTO_WORD}|(?P<c>{AGENCY}))"
    r"\s*[)\]]\s*\.?$",
    re.IGNORECASE,
)
# "— AFP photo", "- Reuters pic", "— Bernama"
CREDIT_DASH_RE = re.compile(
    rf"\s+[—–-]+\s*(?:(?P<a>[^—–]{{1,40}}?)\s+{PHOTO_WORD}|(?P<c>{AGENCY}))\.?\s*$",
    re.IGNORECASE,
)
# "Photo: Bernama", "Image copyright EPA", "Credit: Doug Mills/The New York Times"
CREDIT_LABEL_RE = re.compile(
    rf"(?:^|[\s.])(?:{PHOTO_WORD}|credit|image copyright|copyright|©|source|courtesy|"
    r"photographer|foto|bild|crédito|crédit)\s*(?:credit|by)?\s*(?:[:：|]|\.\.\.)\s*"
    r"(?P<a>[^:]{1,70}?)\.?\s*$",
    re.IGNORECASE,
)
CREDIT_ONLY_RE = re.compile(
    rf"^(?:©\s*\S.*|(?:{PHOTO_WORD}|credit|image copyright|copyright|source|courtesy)"
    rf"\s*(?:credit|by)?\s*[:：|]?\s*\S.{{0,70}}|"
    rf"(?:[\w.'’ -]{{1,40}}(?:\s*[/|]\s*|,\s*|\s+for\s+|\s+via\s+|\s+))*(?:{AGENCY})"
    r"(?:\s+(?:Photo|Images|file))?(?:\s*[/|]\s*[\w.' -]{1,40})*)$",
    re.IGNORECASE,
)
CAPTION_PREFIX_RE = re.compile(
    r"^(?:image caption|media caption|caption|photo caption|legenda|légende|pie de foto)\s*[:\s]",
    re.IGNORECASE,
)

# Furniture: lines that belong to the site, never to one article. Short lines only
# (see FURNITURE_MAX_WORDS), so a paragraph mentioning a newsletter stays.
FURNITURE_RE = re.compile(
    r"^(?:[*•\-–—>»|\[(]\s*)*(?:"
    r"advertisement|advertising|advert|anzeige|werbung|publicidad|publicité|pubblicità|"
    r"publicidade|reklam[aeę]?|iklan|реклама|광고|広告|sponsored(?: content)?|"
    r"also read|read more|read also|read next|more from|more on|more in|see more|see also|"
    r"related(?: articles?| stories| posts?| links?| content| topics| coverage| news)?\s*[:|]|"
    r"related\b|recommended|you may (?:also )?like|you might (?:also )?like|"
    r"don'?t miss|must read|top stories|most (?:read|popular|viewed|shared|commented)|"
    r"trending|latest (?:news|stories|videos)|editor'?s picks?|watch(?: now| live)?\s*:|"
    r"share(?: this| on| via| the| article|s)?\b|sharing is caring|tweet\b|pin it|email\b|"
    r"print\b|comments?\b|leave a (?:comment|reply)|view comments|\d+\s+comments?|"
    r"follow (?:us|@|[\w .]{1,30} on)|like us on|connect with us|find us on|join us on|"
    r"subscribe|sign up|sign in|log ?in|register\b|newsletter|get (?:the|our) (?:latest|daily)|"
    r"download (?:the|our) app|get the app|click here|tap here|"
    r"cookie|we use cookies|this site uses|privacy policy|terms of (?:use|service)|"
    r"all rights reserved|copyright\b|©|\(c\) \d{4}|"
    r"tags?\s*:|filed under|topics?\s*:|categories?\s*:|"
    r"previous(?: article| post)?|next(?: article| post)?|back to top|skip to|jump to|"
    r"text size|font size|listen to (?:this|article)|"
    r"(?:estimated )?read(?:ing)? time\b|\d+\s*(?:min|mins|minutes?)\s+read\b|"
    r"image \d+ of|\d+\s*/\s*\d+$|close$|caption$|enlarge|expand|"
    r"loading|javascript|this (?:video|slideshow|content) (?:is|requires)|"
    r"report an? (?:error|typo)|correction|"
    r"already a subscriber|try \d+ (?:month|week|day)|"
    r"home\s*[»>/|]"
    r")",
    re.IGNORECASE,
)
FURNITURE_MAX_WORDS = 30
# A line made only of social-network and sharing button labels.
SHARE_BAR_RE = re.compile(
    r"^(?:(?:share|shares|tweet|facebook|twitter|whatsapp|pinterest|pint|linkedin|reddit|e-?mail|"
    r"print|telegram|messenger|copy(?: link)?|link|vk|weibo|wechat|line|sms|flipboard|pocket|"
    r"tumblr|instagram|youtube|google\+?|mail|baixar|download|compartilhar|compartir|teilen|"
    r"partager|condividi|bagikan|поделиться|comments?|save|\d+)\W*)+$",
    re.IGNORECASE,
)
# Anywhere in a short line: offers and site notices that never belong to an article.
FURNITURE_ANYWHERE_RE = re.compile(
    r"subscription|subscriber|newsletter|e-paper|all rights reserved|cookies? policy|"
    r"(?:follow|like) us\b|sign up (?:for|to)|\bour (?:app|channels?)\b|whatsapp channel|"
    r"telegram channel|\bapp store\b|google play|news alerts|breaking news emails|"
    r"delivered (?:to your inbox|weekday mornings|every)|in your inbox|unlimited access|"
    r"editorial standards|get the (?:biggest|top|latest|best) stories|"
    r"\bunsubscribe\b|\byour sign-?up\b",
    re.IGNORECASE,
)
# Site notices of any length: cookie and consent banners, comment-moderation rules.
NOTICE_RE = re.compile(
    r"\bcookies?\b.{0,80}\b(?:website|browser|experience|consent|site|navigate)\b|"
    r"\b(?:website|site|we) uses? cookies\b|\bjavascript (?:is )?(?:required|disabled)|"
    r"enable javascript|your browser (?:does not|doesn't) support",
    re.IGNORECASE,
)

# The same section labels in other languages ("related articles", "read also",
# "most read", "latest", "categories", "tags", "sponsored links").
SECTION_LABELS_INTL = (
    r"leia (?:também|mais)|veja (?:também|mais)|not[íi]cias relacionadas|mais lidas|"
    r"artigos relacionados|mat[ée]rias relacionadas|últimas not[íi]cias|"
    r"lee (?:también|más)|art[íi]culos relacionados|noticias relacionadas|lo más (?:leído|visto)|"
    r"te puede interesar|m[áa]s noticias|"
    r"à lire aussi|a lire aussi|lire aussi|sur le même sujet|articles similaires|les plus lus|"
    r"mehr zum thema|das könnte sie auch interessieren|auch interessant|meistgelesen|"
    r"ähnliche artikel|weitere artikel|"
    r"leggi anche|articoli correlati|i più letti|potrebbe interessarti|"
    r"baca juga|berita terkait|artikel terkait|terpopuler|berita lainnya|"
    r"читайте также|похожие статьи|по теме|самое читаемое|популярное|"
    r"gerelateerde artikelen|lees ook|meest gelezen|"
    r"関連記事|関連ニュース|人気記事|新着記事|最新記事|おすすめ記事|カテゴリー?|タグ|"
    r"スポンサードリンク|こちらの記事も.*|相关文章|相关阅读|热门文章|推荐阅读|延伸阅读|"
    r"相關文章|熱門文章|관련\s*기사|인기\s*기사|많이 본 기사"
)
# Labels that open the site's own sections after (or around) an article: a region
# never runs across one.
SECTION_BREAK_RE = re.compile(
    r"^(?:[*•\-–—>»|\[(#]\s*)*(?:"
    r"(?:\d+\s+)?comments?|(?:top[- ]rated |latest |recent |reader )?comments?(?:\s*\(\d+\))?|"
    r"view (?:all )?comments|show comments|leave a (?:comment|reply)|post a comment|"
    r"join the (?:discussion|conversation)|add (?:a|your) comment|comment(?:s)? (?:on|below)|"
    r"tags?|topics?|filed under|related (?:tags|topics|articles?|stories|posts?|content|links|news|"
    r"coverage|videos?|reading)|"
    r"more (?:from|in|on|stories|news|articles|to read|like this)\b.*|read more|"
    r"more(?:\s+[\w.'’&-]+){1,3}|"
    r"recommended(?: for you| stories| articles| reading)?|"
    r"you (?:may|might) (?:also )?(?:like|enjoy)|"
    r"(?:we |you'll )?recommend(?:ed)?|"
    r"most (?:read|popular|viewed|shared|commented|recent)(?: \w+){0,3}|"
    r"top stories(?: \w+){0,2}|trending(?: now| stories| news)?|popular(?: now| stories| posts)?|"
    r"latest (?:news|stories|videos|headlines|posts|articles)|"
    r"don'?t miss|editor'?s picks?|what to read next|up next|next up(?: in .*)?|"
    r"about the author|about us|sponsored (?:content|stories|links)|promoted (?:content|stories)|"
    r"from (?:the web|our partners)|around the web|partner content|"
    + SECTION_LABELS_INTL
    + r")\s*[:.!…：]*\s*$",
    re.IGNORECASE,
)
BREAK_PENALTY = 80.0
SOFT_BREAK_PENALTY = 20.0
# Box labels that also appear inside an article, between its paragraphs.
INLINE_BOX_RE = re.compile(
    r"^(?:[*•\-–—>»|\[(#]\s*)*(?:read more|related|see also|also read|don'?t miss|must read|"
    r"recommended|you (?:may|might) (?:also )?like)",
    re.IGNORECASE,
)
BREAK_WINDOW = 7
SOFT_BREAK_PROSE_WORDS = 20
# Comment sections only ever follow the article: nothing after their label is body.
COMMENTS_RE = re.compile(
    r"^(?:[*•\-–—>»|\[(#]\s*)*(?:\d+\s+|top[- ]rated |latest |recent |reader |view (?:all )?|"
    r"show |load |read )?(?:comments?|responses|replies|discussion)(?:\s*\(\d+\))?\s*[\]):]?\s*$|"
    r"^(?:leave a (?:comment|reply)|post a comment|add (?:a|your) comment|join the (?:discussion|"
    r"conversation)|write a comment|\d+ (?:comments?|responses|replies)\b.*|"
    r".{0,40}comments? (?:are|is) (?:closed|moderated|powered)|.{0,40}comments powered by.*|"
    r"(?:sign|log) in to (?:comment|reply).*)$",
    re.IGNORECASE,
)
COMMENTS_PENALTY = 400.0
# Moderation rules printed above a comment form, in any of the common languages.
COMMENT_NOTICE_RE = re.compile(
    r"\b(?:comments?|comentários?|comentarios?|commentaires?|kommentare?|commenti|komentar)\b"
    r".{0,160}\b(?:moderat|moderad|modér|approv|aprovad|aprobad|freigeschaltet|publicad|"
    r"published|respectful|offensive|ofensiv)",
    re.IGNORECASE,
)
COMMENT_NOTICE_MAX_WORDS = 50
# "Jane on May 3, 2019 at 4:47 pm said:", "Reply", "Report abuse": a comment's furniture.
COMMENT_META_RE = re.compile(
    r"\b(?:said|says|wrote|writes|replied|commented)\s*:?\s*$|"
    r"^(?:reply|replies|report(?: abuse| comment)?|like|dislike|upvote|downvote|flag|"
    r"\d+\s+(?:likes?|replies|votes?|points?)|rating:.*votes?|in reply to .*)\s*[↓↑]?$",
    re.IGNORECASE,
)
COMMENT_META_PENALTY = 30.0
MIN_ARTICLE_WEIGHT = 100.0
MIN_ARTICLE_WEIGHT_BEFORE_THREAD = 30.0  # when the label is followed by "X said:" lines
COMMENT_LOOKAHEAD = 40

BYLINE_RE = re.compile(
    r"^(?:by|por|von|par|di|oleh|door|av|af|от|автор|written by|words by|story by|"
    r"reporting by|reported by|text by|photos? by|edited by|editing by|"
    r"\(?reporting by|with reporting by|additional reporting by)\b\s*:?\s*\S",
    re.IGNORECASE,
)
BYLINE_MAX_WORDS = 16
BYLINE_ALONE_RE = re.compile(
    r"^(?:by|por|von|par|di|oleh|door|av|af|от|автор)\s*:?$", re.IGNORECASE
)

MONTH = (
    r"jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?|"
    r"sep(?:t(?:ember)?)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?"
)
DATE_LABEL_RE = re.compile(
    r"^(?:published|updated|posted|last updated|first published|modified|created|date|"
    r"publicado|actualizado|atualizado|veröffentlicht|aktualisiert|publié|mis à jour|"
    r"pubblicato|aggiornato|diterbitkan|опубликовано|обновлено)\b",
    re.IGNORECASE,
)
DATE_RE = re.compile(
    rf"\b(?:{MONTH})\.?\s+\d{{1,2}}\b|\b\d{{1,2}}(?:st|nd|rd|th)?\s+(?:{MONTH})\b|"
    r"\b\d{4}[-/.]\d{1,2}[-/.]\d{1,2}\b|\b\d{1,2}[-/.]\d{1,2}[-/.]\d{2,4}\b|"
    r"\b\d{1,2}:\d{2}\b|\b\d+\s*(?:min|mins|minutes|hours?|hrs?|days?)\s+ago\b|\b(?:19|20)\d\d\b",
    re.IGNORECASE,
)
DATE_MAX_WORDS = 12
WEEKDAY_RE = re.compile(
    r"\b(?:mon|tue|tues|wed|thu|thur|thurs|fri|sat|sun)(?:day|sday|nesday|rsday|urday)?\b",
    re.IGNORECASE,
)

# --- scoring constants (word units) --------------------------------------------------

PROSE_MIN_WORDS = 8  # a line that ends like a sentence and has this many words is prose
TRUNCATED_MAX_WORDS = 20  # "Star signs new deal, then…": a cut-off teaser, not prose
PROSE_BONUS = 4.0  # extra weight for a prose line on top of its word count
SHORT_PENALTY = 6.0  # a non-prose line (menu item, teaser headline, label)
FURNITURE_PENALTY = 20.0
REPEAT_PENALTY = 3.0  # a line printed more than once on the page
LONG_LINE_WORDS = 6  # a non-prose line this long is more often a table row or list item
LONG_LINE_PENALTY = 1.0
RUNON_WORDS = 16  # a line this long is text even without end punctuation
RUNON_FACTOR = 0.5
MAX_LINE_WEIGHT = 120.0
HEADING_MAX_WORDS = 14
DATE_PENALTY = 30.0  # teaser lists print a date on every card
LIST_MAX_LINES = 80
CAPTION_LOOKBACK = 4
# Prose packed between other lines (no blank line around it) is more often a teaser
# (headline and standfirst printed on one line) than an article paragraph.
PACKED_PROSE_FACTOR = 0.8
# Scripts without spaces count a character as a word, so a long unpunctuated line
# there is a headline, not a run-on sentence.
DENSE_SCRIPT_RE = re.compile(r"[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af]")


@dataclass
class _Line:
    index: int
    text: str
    words: int
    prose: bool
    furniture: bool
    section_break: bool
    comments: bool
    date: bool
    repeats: int
    blank_before: bool
    blank_after: bool
    dense: bool = False


def _ends_sentence(text: str) -> bool:
    return bool(SENTENCE_END_RE.search(text))


def is_furniture_line(text: str, extra: Sequence[re.Pattern[str]] = ()) -> bool:
    """Whether a line is the site's furniture (share bars, follow and subscription prompts,
    adverts, cookie notices), by the rules the cleaner applies to every scrape line."""
    text = normalize_space(text)
    return bool(text) and _is_furniture(text, word_count(text), extra)


def is_section_label(text: str) -> bool:
    """Whether a short line labels one of the site's boxes ("Related articles", "Read more",
    "Most popular", "Comments"), which never belong to the article."""
    text = normalize_space(text)
    words = word_count(text)
    return words <= 8 and bool(SECTION_BREAK_RE.match(text) or COMMENTS_RE.match(text))


def is_byline_or_date_line(text: str) -> bool:
    """Whether a line is a byline ("By Jane Doe") or a date stamp ("Updated: May 3, 2019")."""
    text = normalize_space(text)
    words = word_count(text)
    return bool(text) and (_is_byline(text, words) or _is_date_line(text, words))


def _is_furniture(text: str, words: int, extra: Sequence[re.Pattern[str]]) -> bool:
    if any(p.search(text) for p in extra):
        return True
    if NOTICE_RE.search(text):
        return True
    if words > FURNITURE_MAX_WORDS:
        return False
    if FURNITURE_RE.match(text) or SHARE_BAR_RE.match(text):
        return True
    return words <= FURNITURE_MAX_WORDS and bool(FURNITURE_ANYWHERE_RE.search(text))


def _is_byline(text: str, words: int) -> bool:
    if BYLINE_ALONE_RE.match(text):
        return True
    return (
        words <= BYLINE_MAX_WORDS
        and bool(BYLINE_RE.match(text))
        and not _ends_sentence(text.rstrip(")"))
    )


def _is_date_line(text: str, words: int) -> bool:
    if words > DATE_MAX_WORDS:
        return False
    if DATE_LABEL_RE.match(text) and (DATE_RE.search(text) or text.rstrip().endswith(":")):
        return True
    if not DATE_RE.search(text):
        return False
    # A line that is mostly a date: few words beyond the date, weekday and time parts.
    rest = DATE_RE.sub(" ", text)
    rest = WEEKDAY_RE.sub(" ", rest)
    rest = re.sub(
        rf"\b(?:{MONTH}|am|pm|et|gmt|utc|ist|est|edt|pst|pdt|cet|bst|at|on)\b",
        " ",
        rest,
        flags=re.IGNORECASE,
    )
    return word_count(rest) <= 2


def _describe(lines: list[str], extra: Sequence[re.Pattern[str]]) -> list[_Line]:
    counts = Counter(normalize_space(s) for s in lines if s.strip())
    out: list[_Line] = []
    for i, raw in enumerate(lines):
        text = raw.strip()
        if not text:
            continue
        n = word_count(text)
        truncated = text.endswith(("..", "…")) and n <= TRUNCATED_MAX_WORDS
        prose = n >= PROSE_MIN_WORDS and _ends_sentence(text) and not truncated
        out.append(
            _Line(
                index=i,
                text=text,
                words=n,
                prose=prose,
                furniture=_is_furniture(text, n, extra),
                section_break=n <= 8 and bool(SECTION_BREAK_RE.match(text)),
                comments=(n <= 12 and bool(COMMENTS_RE.match(text)))
                or (n <= COMMENT_NOTICE_MAX_WORDS and bool(COMMENT_NOTICE_RE.search(text))),
                date=_is_date_line(text, n),
                repeats=counts[normalize_space(text)],
                blank_before=i == 0 or not lines[i - 1].strip(),
                blank_after=i + 1 >= len(lines) or not lines[i + 1].strip(),
                dense=bool(DENSE_SCRIPT_RE.search(text)),
            )
        )
    return out


def _is_comment_meta(line: _Line) -> bool:
    return line.words <= 14 and bool(COMMENT_META_RE.search(line.text))


def _weight(line: _Line, repeats_count: bool = True) -> float:
    if line.comments:
        return -COMMENTS_PENALTY
    if line.section_break:
        return -BREAK_PENALTY
    if line.furniture:
        return -FURNITURE_PENALTY
    w = -REPEAT_PENALTY if line.repeats > 1 else 0.0
    if _is_comment_meta(line):
        return w - COMMENT_META_PENALTY
    if line.date:
        # A labelled stamp ("Updated: ...") may sit inside an article; bare dates
        # are what teaser cards print.
        return w - (SHORT_PENALTY if DATE_LABEL_RE.match(line.text) else DATE_PENALTY)
    if line.prose:
        gain = min(line.words + PROSE_BONUS, MAX_LINE_WEIGHT)
        if line.repeats > 1 and repeats_count:
            # A paragraph printed twice is a teaser or a box the page repeats.
            return w
        if not (line.blank_before and line.blank_after):
            gain *= PACKED_PROSE_FACTOR
        return w + gain
    if line.words >= RUNON_WORDS and not line.dense:
        if line.repeats > 1 and repeats_count:
            return w
        return w + min(line.words * RUNON_FACTOR, MAX_LINE_WEIGHT)
    if line.words >= LONG_LINE_WORDS:
        return w - LONG_LINE_PENALTY
    return w - SHORT_PENALTY


def _soften_breaks(page: list[_Line], weights: list[float]) -> None:
    """A box label inside the article ("Read more", "Related") is followed by a few links
    and then prose again; one ending the article is followed by teasers with dates."""
    for i, ln in enumerate(page):
        if not ln.section_break or ln.comments or not INLINE_BOX_RE.match(ln.text):
            continue
        for nxt in page[i + 1 : i + 1 + int(BREAK_WINDOW)]:
            if nxt.date or nxt.section_break:
                break
            if nxt.prose and nxt.words >= SOFT_BREAK_PROSE_WORDS:
                weights[i] = -SOFT_BREAK_PENALTY
                break


def _announced_lists(page: list[_Line]) -> list[tuple[int, int, int]]:
    """Lists that lines ending on ":" announce ("…dates:"): (first, packed, stop), where
    [first, packed) is the block printed right under the line without a blank line and
    [first, stop) runs on to the next furniture, section label or date."""
    spans = []
    for i, ln in enumerate(page[:-1]):
        if not ln.text.endswith((":", "：")) or ln.furniture or ln.section_break or ln.comments:
            continue
        stop = i + 1
        while stop < len(page) and stop - i <= LIST_MAX_LINES:
            nxt = page[stop]
            if nxt.furniture or nxt.section_break or nxt.comments or nxt.date:
                break
            stop += 1
        packed = i + 1
        while packed < stop:
            packed += 1
            if page[packed - 1].blank_after:
                break
        spans.append((i + 1, packed, stop))
    return spans


def _credit_announced_lists(
    page: list[_Line], weights: list[float], spans: list[tuple[int, int, int]]
) -> None:
    """The block under a prose line ending on ":" (the list or table it announces) costs
    nothing."""
    for first, packed, _stop in spans:
        if page[first - 1].prose:
            for j in range(first, packed):
                weights[j] = max(weights[j], 0.0)


def _extend_announced_list(spans: list[tuple[int, int, int]], start: int, end: int) -> int:
    """A region ending on a list it announces, or inside that list's first block, goes on
    through the list."""
    for first, packed, stop in spans:
        if start < first <= end <= packed and end < stop:
            return stop
    return end


def _region_weights(
    page: list[_Line], spans: list[tuple[int, int, int]], repeats_count: bool
) -> list[float]:
    """Each line's weight for choosing the main-content region."""
    weights = [_weight(ln, repeats_count) for ln in page]
    _soften_breaks(page, weights)
    _credit_announced_lists(page, weights, spans)
    return weights


def _best_region(weights: list[float]) -> tuple[int, int]:
    """Maximum-sum contiguous run [start, end) of ``weights``."""
    best, best_start, best_end = 0.0, 0, 0
    total, start = 0.0, 0
    for i, w in enumerate(weights):
        if total <= 0:
            total, start = 0.0, i
        total += w
        if total > best:
            best, best_start, best_end = total, start, i + 1
    return best_start, best_end


CREDIT_TAIL_RE = re.compile(
    rf"(?<=[.!?”])\s+(?P<a>(?:[\w.'’-]+\s+){{0,4}}[\w.'’-]+\s*[/|]\s*(?:[\w.'’ -]{{1,30}}[/|]\s*)?"
    rf"(?:{AGENCY})(?:\s+(?:file|images|photo))?)\s*$"
)


def split_credit(text: str) -> tuple[str, str | None] | None:
    """Split a caption line into (caption, credit) when it ends with a photo credit."""
    m = CREDIT_TAIL_RE.search(text)
    if m:
        return text[: m.start()].rstrip(), m.group("a").strip()
    for pattern in (CREDIT_PAREN_RE, CREDIT_DASH_RE):
        m = pattern.search(text)
        if m and m.start() > 0:
            credit = next(g for g in (m.group("a"), m.groupdict().get("b"), m.group("c")) if g)
            return text[: m.start()].rstrip(" -—–"), credit.strip(" .")
    m = CREDIT_LABEL_RE.search(text)
    if m and m.start() > 0 and word_count(m.group("a")) <= 10:
        return text[: m.start()].rstrip(" .-—–|").rstrip() + _keep_period(text, m.start()), (
            m.group("a").strip(" .")
        )
    return None


def _keep_period(text: str, cut: int) -> str:
    return (
        "."
        if text[:cut].rstrip().endswith(".") and not text[:cut].rstrip(" .").endswith(".")
        else ""
    )


def _is_credit_only(text: str, words: int) -> bool:
    return words <= 12 and not _ends_sentence(text.rstrip(")")) and bool(CREDIT_ONLY_RE.match(text))


def _title_key(text: str) -> str:
    return " ".join(re.findall(r"\w+", text.casefold()))


def _find_title(head: list[_Line], page: list[_Line]) -> str | None:
    """The headline: a title-like line before the body that the page repeats or echoes."""
    candidates = [
        ln
        for ln in head
        if 2 <= ln.words <= 40
        and not ln.furniture
        and not _is_date_line(ln.text, ln.words)
        and not _is_byline(ln.text, ln.words)
        and split_credit(ln.text) is None
    ]
    if not candidates:
        return None
    keys = Counter(_title_key(ln.text) for ln in page)
    first = _title_key(page[0].text) if page else ""
    best: tuple[float, int] | None = None
    chosen = None
    for pos, ln in enumerate(candidates):
        key = _title_key(ln.text)
        score = 0.0
        if keys[key] > 1:
            score += 3
        if ln is not page[0] and key and first.startswith(key):
            score += 4
        if ln is page[0]:
            score -= 1
        if 4 <= ln.words <= 25:
            score += 1
        if not ln.text.endswith("."):
            score += 0.5
        score += pos / (10 * len(candidates))  # nearer the body wins ties
        if best is None or score > best[0]:
            best, chosen = (score, pos), ln
    if chosen is None:
        return None
    position = best[1]
    if position > 0:
        above = candidates[position - 1]
        # A headline sits directly above its longer standfirst; the standfirst is not the title.
        if (
            above.index == chosen.index - 1
            and above is not page[0]
            and above.words < chosen.words
            and not _ends_sentence(above.text)
            and keys[_title_key(above.text)] >= keys[_title_key(chosen.text)]
        ):
            chosen = above
    if chosen is page[0] and best and best[0] < 1:
        return _strip_site_suffix(chosen.text)
    return chosen.text if chosen is not page[0] else _strip_site_suffix(chosen.text)


def _strip_site_suffix(text: str) -> str:
    parts = re.split(r"\s+[|–—-]\s+", text)
    return parts[0] if len(parts) > 1 and word_count(parts[0]) >= 3 else text


def _captions_above(page: list[_Line], first: int) -> list[Caption]:
    """Credited captions among the few lines printed just above the first paragraph."""
    above = [ln for ln in page if ln.index < first][-CAPTION_LOOKBACK:]
    found = []
    for ln in above:
        split = split_credit(ln.text)
        if split and not ln.furniture and not DATELINE_CREDIT_RE.match(ln.text):
            found.append(Caption(*split))
    return found


def _block_for(line: _Line, prev: _Line | None, nxt: _Line | None) -> Block:
    text = line.text
    m = LIST_MARKER_RE.match(text)
    if m:
        return Block("list_item", text[m.end() :].strip())
    if text.startswith(">"):
        return Block("quote", text.lstrip("> ").strip())
    if (
        not line.prose
        and line.words <= HEADING_MAX_WORDS
        and not _ends_sentence(text)
        and prev is not None
        and nxt is not None
        and nxt.prose
    ):
        return Block("heading", text)
    return Block("paragraph", text)


def clean_text(text: str, drop_patterns: Sequence[str] = ()) -> CleanText:
    """Find the article in a plain-text scrape: title, body blocks, captions, header, trailer.

    ``drop_patterns`` are extra per-outlet regexes for lines to drop (from
    content/sources.yml); the cleaner does well without them.
    """
    extra = [re.compile(p, re.IGNORECASE) for p in drop_patterns]
    # 1. Read and describe the lines.
    page = _describe(text.splitlines(), extra)
    if not page:
        return CleanText(None, (), (), (), ())
    # 2. Choose the main-content region.
    spans = _announced_lists(page)
    weights = _region_weights(page, spans, repeats_count=True)
    start, end = _best_region(weights)
    if sum(weights[start:end]) < MIN_ARTICLE_WEIGHT:
        # The whole article printed twice: a repeat then says nothing about a line.
        weights = _region_weights(page, spans, repeats_count=False)
        start, end = _best_region(weights)
    # An article found before a comment section wins over a longer discussion after it.
    for cut, ln in enumerate(page):
        if ln.comments and cut < end:
            s2, e2 = _best_region(weights[:cut])
            after = page[cut + 1 : cut + 1 + COMMENT_LOOKAHEAD]
            # Commenters' "X said:" lines or moderation rules mark a real discussion,
            # not a "Comments" menu link.
            threaded = sum(1 for a in after if _is_comment_meta(a)) >= 2 or bool(
                COMMENT_NOTICE_RE.search(ln.text)
            )
            floor = MIN_ARTICLE_WEIGHT_BEFORE_THREAD if threaded else MIN_ARTICLE_WEIGHT
            if sum(weights[s2:e2]) >= floor:
                start, end = s2, e2
            break
    end = _extend_announced_list(spans, start, end)
    region = page[start:end]
    # 4. The headline comes from before the body.
    title = _find_title(page[:start], page)
    title_key = _title_key(title) if title else None
    # 3. Filter furniture and type the blocks.
    kept: list[_Line] = []
    captions: list[Caption] = []
    skip = set()
    for pos, ln in enumerate(region):
        if pos in skip:
            continue
        nxt = region[pos + 1] if pos + 1 < len(region) else None
        if ln.furniture or _is_byline(ln.text, ln.words) or _is_date_line(ln.text, ln.words):
            continue
        if title_key and _title_key(ln.text) == title_key:
            continue
        if CAPTION_PREFIX_RE.match(ln.text):
            body = CAPTION_PREFIX_RE.sub("", ln.text).strip()
            split = split_credit(body)
            captions.append(Caption(*split) if split else Caption(body, None))
            continue
        if _is_credit_only(ln.text, ln.words):
            continue
        split = split_credit(ln.text)
        if split and not DATELINE_CREDIT_RE.match(ln.text):
            captions.append(Caption(*split))
            continue
        if (
            nxt is not None
            and ln.words <= 60
            and _is_credit_only(nxt.text, nxt.words)
            and not (ln.blank_after)
        ):
            captions.append(Caption(ln.text, _credit_name(nxt.text)))
            skip.add(pos + 1)
            continue
        kept.append(ln)
    if kept:
        captions[:0] = [c for c in _captions_above(page, kept[0].index) if c not in captions]
    blocks = tuple(
        _block_for(ln, kept[i - 1] if i else None, kept[i + 1] if i + 1 < len(kept) else None)
        for i, ln in enumerate(kept)
    )
    # 5. Header and trailer around the body.
    if kept:
        first, last = kept[0].index, kept[-1].index
        header = tuple(ln.text for ln in page if ln.index < first)
        trailer = tuple(ln.text for ln in page if ln.index > last)
    else:
        header, trailer = tuple(ln.text for ln in page), ()
    return CleanText(
        title=title, blocks=blocks, captions=tuple(captions), header=header, trailer=trailer
    )


# "WASHINGTON (AP) — ..." opens a wire story; it is a dateline, not a caption credit.
DATELINE_CREDIT_RE = re.compile(rf"^[A-ZÀ-Ý][\w .,'’-]{{0,40}}\((?:{AGENCY})\)\s*[—–-]")


def _credit_name(text: str) -> str:
    m = re.match(
        rf"^(?:©\s*|(?:{PHOTO_WORD}|credit|image copyright|copyright|source|courtesy)\s*"
        r"(?:credit|by)?\s*[:：|]?\s*)",
        text,
        re.IGNORECASE,
    )
    return text[m.end() :].strip() if m else text.strip()


def credit_name(text: str) -> str:
    """A photo credit without its label: "Photo: Bernama" -> "Bernama", "© AP" -> "AP"."""
    return _credit_name(normalize_space(text))


def is_credit_line(text: str) -> bool:
    """Whether a line is only a photo credit ("Photo: Bernama", "Image credit: AFP")."""
    text = normalize_space(text)
    return bool(text) and _is_credit_only(text, word_count(text))
