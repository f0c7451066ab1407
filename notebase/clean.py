"""Turning a fetched page into a clean article: Markdown body plus metadata.

Pure functions over bytes/str and the page's URL: no network, no database, so the
same code serves the fetcher, the tests and the extraction benchmark.

HTML goes through readability-lxml (which finds the main content) and markdownify
(which writes it as Markdown); the metadata comes from the page's own tags. The
parsed tree is handed to readability as an element so the page is parsed once and
readability's slow chardet guess never runs: we decode the bytes ourselves.
"""

from __future__ import annotations

import codecs
import contextlib
import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any
from urllib.parse import urljoin, urlsplit

import lxml.etree
import lxml.html
from lxml.html import HtmlElement

# Content types we turn into articles; everything else is `unsupported`.
HTML_TYPES = frozenset({"text/html", "application/xhtml+xml", "application/xml+html"})
TEXT_TYPES = frozenset({"text/plain", "text/markdown", "text/x-markdown"})

# Below this many words an HTML page that runs scripts or asks for a password is
# a JavaScript shell or a login wall, not an article (and below a fifth of it,
# any page is).
MIN_WORDS = 50


@dataclass
class Article:
    """What a page says, ready to store: Markdown body plus metadata (all control-free)."""

    markdown: str
    title: str | None = None
    site: str | None = None
    author: str | None = None
    published: str | None = None
    canonical_url: str | None = None
    language: str | None = None
    word_count: int = 0
    # Why this is not worth storing as a page (JS shell, login wall, empty), else None.
    no_content: str | None = None


# ---------------------------------------------------------------- control characters

_ANSI = re.compile(
    r"""
    \x1b\[[0-?]*[ -/]*[@-~]               # CSI: colours, cursor movement
  | \x1b\][^\x07\x1b]*(?:\x07|\x1b\\)?    # OSC: window titles, hyperlinks
  | \x1b[PX^_][^\x1b]*(?:\x1b\\)?         # DCS, SOS, PM, APC strings
  | \x1b[ -/]*[0-~]                       # two-byte escapes (charset switches, RIS …)
  | \x9b[0-?]*[ -/]*[@-~]                 # 8-bit CSI
    """,
    re.VERBOSE,
)
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")


def strip_control(text: str) -> str:
    """Remove ANSI escape sequences and control characters (keeping newline and tab).

    Whatever a page says ends up printed in a terminal; an escape sequence there
    could recolour, retitle or rewrite the user's screen.
    """
    if "\r" in text:
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    if "\x1b" in text or "\x9b" in text:  # a substring test is far faster than the pattern
        text = _ANSI.sub("", text)
    return _CONTROL.sub("", text)


def _clean_field(value: str | None, limit: int = 500) -> str | None:
    """A one-line metadata value: control-free, whitespace collapsed, bounded, None when empty."""
    if value is None:
        return None
    value = " ".join(strip_control(value).split())
    return value[:limit] or None


# ---------------------------------------------------------------- charsets

_BOMS = ((codecs.BOM_UTF8, "utf-8"), (codecs.BOM_UTF16_LE, "utf-16-le"), (codecs.BOM_UTF16_BE, "utf-16-be"))
_META_CHARSET = re.compile(rb"""<meta[^>]+?charset\s*=\s*["']?\s*([-\w.:]+)""", re.IGNORECASE)
_XML_ENCODING = re.compile(rb"""^\s*<\?xml[^>]+encoding\s*=\s*["']([-\w.:]+)""", re.IGNORECASE)
# Labels browsers read as something wider (WHATWG Encoding): latin-1 pages are cp1252 in practice.
_CHARSET_ALIASES = {
    "iso-8859-1": "cp1252",
    "iso8859-1": "cp1252",
    "latin1": "cp1252",
    "latin-1": "cp1252",
    "l1": "cp1252",
    "us-ascii": "cp1252",
    "ascii": "cp1252",
    "windows-1252": "cp1252",
    "x-sjis": "shift_jis",
    "gb2312": "gb18030",
    "gbk": "gb18030",
    "big5": "big5hkscs",
    "iso-8859-9": "cp1254",
    "tis-620": "cp874",
    "ks_c_5601-1987": "euc-kr",
    "x-user-defined": "cp1252",
}


def _codec(label: str | None) -> str | None:
    """A Python codec for a charset label, or None when the label is unknown (or UTF-16 in a meta)."""
    if not label:
        return None
    label = label.strip().strip("\"'").lower()
    label = _CHARSET_ALIASES.get(label, label)
    try:
        return codecs.lookup(label).name
    except LookupError:
        return None


def decode(body: bytes, header_charset: str | None = None, *, html: bool = True) -> str:
    """Bytes to text the way a browser would: BOM, HTTP charset, <meta> charset, then a guess."""
    for bom, bom_encoding in _BOMS:
        if body.startswith(bom):
            return body[len(bom) :].decode(bom_encoding, errors="replace")
    encoding = _codec(header_charset)
    if encoding is None and html:
        head = body[:16384]
        match = _META_CHARSET.search(head) or _XML_ENCODING.search(head)
        encoding = _codec(match.group(1).decode("ascii", "replace")) if match else None
        if encoding and encoding.startswith("utf-16"):  # a <meta> we could read is not UTF-16
            encoding = "utf-8"
    if encoding:
        return body.decode(encoding, errors="replace")
    try:
        return body.decode("utf-8")
    except UnicodeDecodeError:
        pass
    return body.decode(_guess_encoding(body, html=html), errors="replace")


_TAGS = re.compile(rb"<[^>]*>")


def _guess_encoding(body: bytes, *, html: bool) -> str:
    """The likeliest charset of undeclared, non-UTF-8 bytes (cp1252 when nothing can tell)."""
    # Detectors are slow and easily swayed by markup: give them a sample of the text only.
    sample = (_TAGS.sub(b" ", body[:400_000]) if html else body)[:64_000]
    try:
        from charset_normalizer import from_bytes
    except ImportError:  # chardet comes with readability-lxml
        import chardet

        guess = chardet.detect(sample).get("encoding")
    else:
        best = from_bytes(sample).best()
        guess = best.encoding if best else None
    return _codec(guess) or "cp1252"


# ---------------------------------------------------------------- entry points


def extract(body: bytes, url: str, content_type: str | None = None, charset: str | None = None) -> Article:
    """An article from a response body of an HTML or text content type (see HTML_TYPES, TEXT_TYPES)."""
    kind = (content_type or "text/html").split(";")[0].strip().lower()
    if kind in TEXT_TYPES:
        return extract_text(decode(body, charset, html=False), url, markdown=kind != "text/plain")
    return extract_html(decode(body, charset), url)


def extract_text(text: str, url: str, *, markdown: bool = False) -> Article:
    """A plain-text or Markdown document, stored as it is; its title is the first line or heading."""
    text = strip_control(text).strip("\n")
    title = None
    for line in text.splitlines():
        if line.strip():
            title = _clean_field(line.lstrip("#").strip() if markdown else line, 300)
            break
    words = len(_WORD.findall(plain_text(text) if markdown else text))
    return Article(
        markdown=text,
        title=title,
        site=_host_name(url),
        word_count=words,
        no_content=None if words else "empty document",
    )


def extract_html(html: str, url: str, *, fallback: bool = True) -> Article:
    """The main content of an HTML page as Markdown, with its metadata.

    `fallback=False` keeps readability's choice even when the page's own <article>
    or <main> holds much more text (used by the benchmark to measure the fallback).
    """
    # Before parsing: lxml refuses control characters, and would keep the "[31m" of an escape.
    html = strip_control(html)
    if not html.strip():
        return Article(markdown="", site=_host_name(url), no_content="empty document")
    try:
        doc = _parse(html)
    except (lxml.etree.ParserError, ValueError):
        return Article(markdown="", site=_host_name(url), no_content="not parseable as HTML")
    meta = _metadata(doc, url)
    scripted = doc.find(".//script") is not None
    login_form = doc.find(".//input[@type='password']") is not None
    _prune(doc)
    head = doc.find("head")
    if head is not None:  # read for metadata above; readability would only clean it again
        head.drop_tree()
    content = _main_content(doc, html, fallback=fallback)
    _absolutize(content, url)
    _drop_repeated_title(content, meta.get("title"))
    markdown = _to_markdown(content)
    words = len(_WORD.findall(plain_text(markdown)))
    article = Article(markdown=markdown, word_count=words, **meta)
    if words < MIN_WORDS and login_form:
        article.no_content = "a login form and no article"
    elif words < MIN_WORDS and scripted:
        article.no_content = "a JavaScript application without article text"
    elif words < MIN_WORDS // 5:
        article.no_content = "almost no text on the page"
    return article


# ---------------------------------------------------------------- parsing and pruning

_UTF8_PARSER = lxml.html.HTMLParser(encoding="utf-8", remove_comments=True, remove_pis=True)


def _parse(html: str) -> HtmlElement:
    # Bytes with an explicit encoding: lxml refuses str with an XML declaration and
    # would otherwise believe a <meta charset> that no longer matches.
    return lxml.html.document_fromstring(html.encode("utf-8", "replace"), parser=_UTF8_PARSER)


# Never part of an article. Removing them first also makes readability's own
# cleaning and scoring several times faster on script-heavy pages.
_JUNK_TAGS = (
    "script",
    "style",
    "noscript",
    "template",
    "svg",
    "canvas",
    "button",
    "select",
    "input",
    "textarea",
    "dialog",
)
# Dropped unless they hold the article (some sites wrap a whole page in a <form>).
_BOILERPLATE_TAGS = ("nav", "footer", "aside", "form")
_BOILERPLATE_ROLES = {"navigation", "banner", "contentinfo", "complementary", "search", "dialog", "alertdialog"}
# Class/id words of page furniture that sits outside the article. Kept narrow on
# purpose: "ad" or "related" also name real article wrappers ("ad_body").
_BANNER_RE = re.compile(
    r"(?:^|[\s_-])(?:cookies?|consent|gdpr|onetrust|didomi|cmp-banner|newsletter|breadcrumbs?|"
    r"skip-link|share|sharing|social-share|social-links)(?:$|[\s_-])",
    re.IGNORECASE,
)


# Element.iter(tags) walks the tree in C and is several times faster than XPath by tag name.
_HIDDEN = lxml.etree.XPath("//body//*[@hidden]")
# aria-hidden and roles are sometimes set on a wrapper of the whole page (a modal was open
# when it was saved): those only go when they do not hold the article.
_MAYBE_FURNITURE = lxml.etree.XPath("//body//*[@role or @aria-hidden='true']")
_BANNERS = lxml.etree.XPath(
    "//body//*[self::div or self::section or self::ul or self::p or self::span or self::header]"
    "[@class or @id][not(ancestor::article)][re:test(concat(@class, ' ', @id), $pattern, 'i')]",
    namespaces={"re": "http://exslt.org/regular-expressions"},
)


def _prune(doc: HtmlElement) -> None:
    """Drop what is never article text: scripts, navigation, banners, hidden parts."""
    for el in [*doc.iter(*_JUNK_TAGS), *_HIDDEN(doc)]:
        if el.getparent() is not None:
            el.drop_tree()
    furniture = [
        el for el in _MAYBE_FURNITURE(doc) if el.get("role") in _BOILERPLATE_ROLES or el.get("aria-hidden") == "true"
    ]
    for el in [*doc.iter(*_BOILERPLATE_TAGS), *furniture, *_BANNERS(doc, pattern=_BANNER_RE.pattern)]:
        if el.getparent() is not None and not _holds_article(el):
            el.drop_tree()


def _holds_article(el: HtmlElement) -> bool:
    """Whether dropping `el` would take the article with it (a page wrapped in a <form>, say)."""
    if el.find(".//article") is not None or el.find(".//main") is not None:
        return True
    return len(el.findall(".//p")) > 8 or len(el.text_content()) > 2000


def _main_content(doc: HtmlElement, html: str, *, fallback: bool) -> HtmlElement:
    """Readability's pick; when that is too short to be an article, the best second opinion.

    The second opinions are readability on the unpruned page (in case pruning took
    the article with a banner) and the page's own <article>/<main>. Switching to
    <article>/<main> whenever it merely holds more text costs precision (it drags in
    comments and teasers: F1 0.952 → 0.933 on the benchmark), so only a pick below
    MIN_WORDS is second-guessed.
    """
    from readability import Document  # readability pulls in chardet and its regexes: only when cleaning

    # Readability copies the tree before changing it (only hidden elements go from `doc`).
    content = _fragment(Document(doc).summary(html_partial=True))
    if not fallback:
        return content
    picked = _words(content)
    if picked >= MIN_WORDS:
        return content
    candidates = [content, _fragment(Document(_parse(html)).summary(html_partial=True))]
    semantic = _semantic_element(doc)
    if semantic is not None:
        candidates.append(semantic)
    best = max(candidates, key=_words)
    return best if _words(best) >= max(MIN_WORDS, 2 * picked) else content


def _fragment(html: str) -> HtmlElement:
    return (
        lxml.html.fragment_fromstring(html, create_parent="div")
        if html.strip()
        else lxml.html.fragment_fromstring("<div></div>")
    )


def _words(el: HtmlElement) -> int:
    return len(_WORD.findall(el.text_content()))


def _semantic_element(doc: HtmlElement) -> HtmlElement | None:
    """The page's largest <article> (or its <main>), if it marks one."""
    best, best_len = None, 0
    for el in doc.iter("article", "main"):
        size = len(el.text_content())
        if size > best_len:
            best, best_len = el, size
    return best


def _absolutize(content: HtmlElement, url: str) -> None:
    """Links and images absolute against the final URL; lazy-loaded images get their real source."""
    for img in content.iter("img"):
        src = img.get("src") or ""
        if not src or src.startswith("data:"):
            lazy = img.get("data-src") or img.get("data-original") or img.get("data-lazy-src")
            if lazy:
                img.set("src", lazy)
            elif src.startswith("data:"):
                img.drop_tree()
    with contextlib.suppress(ValueError):
        content.make_links_absolute(url, resolve_base_href=False, handle_failures="discard")


def _drop_repeated_title(content: HtmlElement, title: str | None) -> None:
    """The title is stored beside the body; a leading <h1> repeating it is noise in the Markdown."""
    if not title:
        return
    first = next(iter(content.iter("h1")), None)
    if first is not None and " ".join(first.text_content().split()) == title:
        first.drop_tree()


# ---------------------------------------------------------------- Markdown


def _code_language(el: Any) -> str | None:
    for node in (el, el.find("code")):
        if node is None:
            continue
        for cls in node.get("class", []) or []:
            if cls.startswith(("language-", "lang-")):
                return cls.split("-", 1)[1]
    return None


def _to_markdown(content: HtmlElement) -> str:
    from markdownify import markdownify  # with BeautifulSoup behind it: only when cleaning

    html = lxml.html.tostring(content, encoding="unicode")
    markdown = markdownify(
        html,
        heading_style="ATX",
        bullets="-",
        code_language_callback=_code_language,
        strip=["span", "font"],
        bs4_options="lxml",
        table_infer_header=True,
    )
    return _tidy(markdown)


_BLANKS = re.compile(r"\n[ \t]*\n(?:[ \t]*\n)+")
_TRAILING_WS = re.compile(r"[ \t]+\n")


def _tidy(markdown: str) -> str:
    markdown = strip_control(markdown).replace("\u00a0", " ")
    markdown = _TRAILING_WS.sub("\n", markdown)
    return _BLANKS.sub("\n\n", markdown).strip()


_IMAGE = re.compile(r"!\[([^\]]*)\]\([^)]*\)")
_LINK = re.compile(r"\[([^\]]*)\]\((?:[^()\s]|\([^)]*\))*(?:\s+\"[^\"]*\")?\)")
_AUTOLINK = re.compile(r"<(?:https?|ftp|mailto):[^>\s]*>")
_EMPHASIS = re.compile(r"(?<![\w\\])(\*{1,3}|_{1,3})(?=\S)|(?<=\S)(\*{1,3}|_{1,3})(?![\w])")
_ESCAPE = re.compile(r"\\([\\`*_{}\[\]()#+\-.!|>~])")
_WORD = re.compile(r"\w+")


def plain_text(markdown: str) -> str:
    """The words of a Markdown document: links by their text; no images, URLs or emphasis markers.

    An image's alt text describes a picture, it is not the author's prose (a browser
    does not show it either), so it counts for neither word counts nor scoring.
    """
    text = _IMAGE.sub("", markdown)
    text = _LINK.sub(r"\1", text)
    text = _AUTOLINK.sub("", text)
    text = _EMPHASIS.sub("", text)
    return _ESCAPE.sub(r"\1", text)


def word_count(markdown: str) -> int:
    return len(_WORD.findall(plain_text(markdown)))


# ---------------------------------------------------------------- metadata


def _host_name(url: str) -> str | None:
    try:
        host = (urlsplit(url).hostname or "").lower()
    except ValueError:
        return None
    return host.removeprefix("www.") or None


def _metadata(doc: HtmlElement, url: str) -> dict[str, Any]:
    metas: dict[str, str] = {}
    for meta in doc.iter("meta"):
        key = (
            (meta.get("property") or meta.get("name") or meta.get("itemprop") or meta.get("http-equiv") or "")
            .strip()
            .lower()
        )
        content = meta.get("content")
        if key and content and content.strip() and key not in metas:
            metas[key] = content.strip()
    ld = list(_json_ld(doc))
    site = _clean_field(metas.get("og:site_name") or metas.get("application-name"), 200) or _host_name(url)
    canonical = None
    for link in doc.iter("link"):
        if "canonical" in (link.get("rel") or "").lower().split() and link.get("href"):
            canonical = link.get("href").strip()
            break
    canonical = canonical or metas.get("og:url")
    if canonical:
        try:
            canonical = urljoin(url, canonical)
        except ValueError:
            canonical = None
        if canonical and urlsplit(canonical).scheme not in ("http", "https"):
            canonical = None
    html_el = doc if doc.tag == "html" else doc.getroottree().getroot()
    language = html_el.get("lang") or html_el.get("xml:lang") or metas.get("content-language") or metas.get("og:locale")
    return {
        "title": _clean_field(_title(doc, metas, site, url), 300),
        "site": site,
        "author": _clean_field(_author(doc, metas, ld), 200),
        "published": _clean_field(_published(doc, metas, ld), 64),
        "canonical_url": _clean_field(canonical, 2000),
        "language": _clean_field(language, 35),
    }


_TITLE_SEPARATORS = re.compile(r"\s+(?:\||-|–|—|·|•|::|»|/)\s+")


def _title(doc: HtmlElement, metas: dict[str, str], site: str | None, url: str) -> str | None:
    og = metas.get("og:title") or metas.get("twitter:title")
    if og and og.strip():
        return _strip_site(og, site, url)
    h1 = _article_h1(doc)
    if h1:
        return h1
    title_el = doc.find(".//title")
    if title_el is not None and title_el.text_content().strip():
        return _strip_site(title_el.text_content(), site, url)
    return None


def _article_h1(doc: HtmlElement) -> str | None:
    """The article's own heading: the h1 inside <article>, else the page's only h1."""
    for scope in ("//article//h1", "//main//h1", "//h1"):
        found = doc.xpath(scope)
        if len(found) == 1 or (found and scope != "//h1"):
            text = " ".join(found[0].text_content().split())
            if text and len(text) < 300:
                return text
    return None


def _strip_site(title: str, site: str | None, url: str) -> str:
    """'The Headline | Site' → 'The Headline' (also 'Site - The Headline')."""
    title = " ".join(title.split())
    parts = _TITLE_SEPARATORS.split(title)
    if len(parts) < 2:
        return title
    names = {_squash(site or "")} | {_squash(part) for part in (_host_name(url) or "").split(".")[:-1] if len(part) > 2}
    names.discard("")

    def is_site(part: str) -> bool:
        squashed = _squash(part)
        host = _squash(_host_name(url) or "")
        return bool(squashed) and (squashed in names or (len(squashed) > 3 and squashed in host))

    if is_site(parts[-1]):
        return _rejoin(title, parts[:-1])
    if is_site(parts[0]):
        return _rejoin(title, parts[1:])
    # No known site name: a short last part after a long title is still most likely one.
    if len(parts[-1].split()) <= 3 and len(" ".join(parts[:-1])) > 2 * len(parts[-1]) and len(parts) == 2:
        return parts[0]
    return title


def _rejoin(title: str, parts: list[str]) -> str:
    """The title text spanning `parts`, with the separators between them as written."""
    start = title.find(parts[0])
    end = title.rfind(parts[-1]) + len(parts[-1])
    return title[start:end] if start >= 0 and end > start else " ".join(parts)


def _squash(text: str) -> str:
    return re.sub(r"\W+", "", text.lower())


def _json_ld(doc: HtmlElement) -> Iterator[dict[str, Any]]:
    """Every object in the page's JSON-LD blocks (nested @graph and lists flattened)."""
    for script in doc.xpath("//script[@type='application/ld+json']"):
        try:
            data = json.loads(script.text or "")
        except ValueError:
            continue
        stack = [data]
        while stack:
            item = stack.pop()
            if isinstance(item, list):
                stack.extend(reversed(item))
            elif isinstance(item, dict):
                yield item
                if "@graph" in item:
                    stack.append(item["@graph"])


def _is_article(obj: dict[str, Any]) -> bool:
    kind = obj.get("@type")
    kinds = kind if isinstance(kind, list) else [kind]
    return any(isinstance(k, str) and ("Article" in k or "Posting" in k or k in ("Report", "WebPage")) for k in kinds)


def _ld_value(ld: list[dict[str, Any]], key: str) -> Any:
    for obj in sorted(ld, key=lambda o: not _is_article(o)):
        if obj.get(key):
            return obj[key]
    return None


def _names(value: Any) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):
        return _names(value.get("name"))
    if isinstance(value, list):
        return [name for item in value for name in _names(item)]
    return []


def _author(doc: HtmlElement, metas: dict[str, str], ld: list[dict[str, Any]]) -> str | None:
    for key in ("author", "article:author", "dc.creator", "parsely-author", "sailthru.author", "byl"):
        value = metas.get(key)
        if value and not value.startswith(("http://", "https://")):
            return re.sub(r"^by\s+", "", value, flags=re.IGNORECASE)
    names = _names(_ld_value(ld, "author"))
    if names:
        return ", ".join(dict.fromkeys(n.strip() for n in names if n.strip()))
    for el in doc.xpath("//*[@rel='author' or @itemprop='author']"):
        text = " ".join(el.text_content().split())
        if text and len(text) < 100:
            return re.sub(r"^by\s+", "", text, flags=re.IGNORECASE)
    return None


def _published(doc: HtmlElement, metas: dict[str, str], ld: list[dict[str, Any]]) -> str | None:
    for key in (
        "article:published_time",
        "og:published_time",
        "datepublished",
        "date",
        "pubdate",
        "publishdate",
        "dc.date",
        "dc.date.issued",
        "dcterms.created",
        "dcterms.date",
        "parsely-pub-date",
        "sailthru.date",
    ):
        if metas.get(key):
            return metas[key]
    value = _ld_value(ld, "datePublished")
    if isinstance(value, str):
        return value
    for time_el in doc.xpath("//article//time[@datetime] | //time[@datetime]"):
        return time_el.get("datetime")
    return None
