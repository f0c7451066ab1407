"""Finding URLs in note text and normalizing them so one page is one link row."""

from __future__ import annotations

import re
from functools import lru_cache
from urllib.parse import urlsplit, urlunsplit

# Schemes we recognise in free text. Non-HTTP ones are kept (and later marked
# `unsupported` by the fetcher) so that nothing the user wrote is silently lost.
_URL_RE = re.compile(r"""(?:https?|ftp|file)://[^\s<>"'`\[\]{}|\\^]+""", re.IGNORECASE)
_TRAILING = ".,;:!?*_~'\""

_TRACKING_EXACT = frozenset(
    {
        "fbclid",
        "gclid",
        "dclid",
        "gbraid",
        "wbraid",
        "msclkid",
        "yclid",
        "igshid",
        "igsh",
        "mc_cid",
        "mc_eid",
        "_hsenc",
        "_hsmi",
        "mkt_tok",
        "oly_anon_id",
        "oly_enc_id",
        "vero_id",
        "wickedid",
        "twclid",
        "ttclid",
        "li_fat_id",
        "s_cid",
        "_ga",
        "_gl",
        "ref_src",
        "ref_url",
    }
)
_DEFAULT_PORTS = {"http": "80", "https": "443", "ftp": "21"}


def extract_links(text: str) -> list[str]:
    """URLs as written in `text`, in order, without duplicates.

    Trailing punctuation and an unbalanced closing parenthesis are not part of
    the URL, so `(see https://x.org/a)` and `[t](https://x.org/a).` give the link.
    """
    if "://" not in text:
        return []
    seen: dict[str, None] = {}
    for match in _URL_RE.finditer(text):
        url = _cut_unbalanced(match.group(0))
        while url and url[-1] in _TRAILING:
            url = url[:-1]
        if "://" in url and not url.endswith("://"):
            seen.setdefault(url, None)
    return list(seen)


def _cut_unbalanced(url: str) -> str:
    """Cut at the first `)` that closes nothing: the end of a Markdown link or a parenthesis."""
    if ")" not in url:
        return url
    depth = 0
    for i, ch in enumerate(url):
        if ch == "(":
            depth += 1
        elif ch == ")":
            if depth == 0:
                return url[:i]
            depth -= 1
    return url


def _is_tracking(name: str) -> bool:
    lowered = name.lower()
    return lowered.startswith("utm_") or lowered in _TRACKING_EXACT


@lru_cache(maxsize=65536)  # the same links recur across a base; urlsplit is not cheap
def normalize_url(url: str) -> str:
    """Scheme and host lowercased, default port, fragment and tracking parameters dropped.

    Other query parameters keep their order and spelling: they can change what
    the page shows, tracking parameters never do.
    """
    url = url.strip()
    try:
        parts = urlsplit(url)
    except ValueError:
        return url
    scheme = parts.scheme.lower()
    netloc = parts.netloc
    if netloc:
        userinfo, _, hostport = netloc.rpartition("@")
        host, sep, port = hostport.partition(":") if not hostport.startswith("[") else (hostport, "", "")
        if hostport.startswith("["):  # IPv6 literal
            host, _, rest = hostport.partition("]")
            host += "]"
            sep, port = (":", rest[1:]) if rest.startswith(":") else ("", "")
        host = host.lower().rstrip(".")
        if sep and port == _DEFAULT_PORTS.get(scheme):
            sep = port = ""
        netloc = (userinfo + "@" if userinfo else "") + host + sep + port
    path = parts.path
    if not path and scheme in ("http", "https") and netloc:
        path = "/"
    query = (
        "&".join(pair for pair in parts.query.split("&") if pair and not _is_tracking(pair.split("=", 1)[0]))
        if parts.query
        else ""
    )
    return urlunsplit((scheme, netloc, path, query, ""))


def url_host(url: str) -> str:
    """The host of a URL, lowercased ('' when there is none)."""
    try:
        return (urlsplit(url).hostname or "").lower()
    except ValueError:
        return ""
