"""Cleaning: a page as bytes in, an article (Markdown + metadata) out. No network here."""

from __future__ import annotations

from notebase.clean import decode, extract, extract_html, plain_text, strip_control, word_count

ARTICLE_TEXT = (
    "Brewing tea well takes patience, good water and attention to temperature. In this guide we walk "
    "through each step of the process, from choosing leaves to pouring the cup, so that your tea tastes "
    "the way it should every single morning."
)


def cluttered_page(*, title: str = "How to Brew Tea | Leaf Blog", head: str = "") -> str:
    """An article wrapped in everything a real page has around it."""
    return f"""<!doctype html>
<html lang="en-GB"><head><meta charset="utf-8"><title>{title}</title>{head}
<script>window.tracking = {{ id: 42 }};</script><style>body {{ color: red }}</style></head>
<body>
<div id="cookie-banner" class="cookie-consent">We use cookies to improve your experience. Accept all cookies?</div>
<header class="site-header"><a href="/">Leaf Blog home</a></header>
<nav><ul><li><a href="/">Home</a></li><li><a href="/about">About us</a></li><li><a href="/shop">Visit the shop</a></li></ul></nav>
<div class="layout">
<aside class="sidebar"><h3>Popular posts</h3><ul><li><a href="/p1">Ten best kettles</a></li><li><a href="/p2">Why coffee wins</a></li></ul></aside>
<article>
<h1>How to Brew Tea</h1>
<p>{ARTICLE_TEXT}</p>
<h2>Water temperature</h2>
<p>Green teas want water around eighty degrees, while black teas can take it boiling. Use a thermometer if
your <a href="/kettles">kettle</a> has no settings, and <em>never</em> scald delicate leaves.</p>
<ul><li>Green tea: eighty degrees</li><li>Black tea: a rolling boil</li></ul>
<pre><code class="language-python">def steep(minutes):
    return minutes * 60
</code></pre>
<table><thead><tr><th>Tea</th><th>Temperature</th><th>Steeping time</th></tr></thead>
<tbody><tr><td>Sencha green</td><td>80 degrees</td><td>two minutes</td></tr>
<tr><td>Assam black</td><td>100 degrees</td><td>four minutes</td></tr></tbody></table>
<p><img src="/img/cup.jpg" alt="A cup of tea"></p>
<p>Finally, let the leaves rest and enjoy the cup slowly, paying attention to aroma and colour as it cools.</p>
</article>
</div>
<footer><p>Copyright 2025 Leaf Blog. All rights reserved. Privacy policy and imprint.</p></footer>
</body></html>"""


def test_article_is_kept_and_the_page_around_it_is_not():
    article = extract(cluttered_page().encode(), "https://leaf.example/posts/tea", "text/html")
    md = article.markdown
    assert "Brewing tea well takes patience" in md
    assert "Finally, let the leaves rest" in md
    for clutter in (
        "cookies",
        "About us",
        "Visit the shop",
        "Popular posts",
        "Ten best kettles",
        "Copyright",
        "Leaf Blog home",
        "tracking",
        "color: red",
    ):
        assert clutter not in md, clutter
    assert article.no_content is None
    assert article.word_count > 80


def test_markdown_has_headings_code_lists_tables_absolute_links_and_images():
    md = extract(cluttered_page().encode(), "https://leaf.example/posts/tea?x=1", "text/html").markdown
    assert "## Water temperature" in md
    assert "```python\ndef steep(minutes):\n    return minutes * 60\n```" in md
    assert "- Green tea: eighty degrees" in md
    assert "| Sencha green | 80 degrees | two minutes |" in md
    assert "[kettle](https://leaf.example/kettles)" in md
    assert "![A cup of tea](https://leaf.example/img/cup.jpg)" in md
    assert "# How to Brew Tea" not in md  # the title is stored beside the body, not repeated in it


def test_metadata_from_the_page():
    head = """
    <meta property="og:site_name" content="Leaf Blog">
    <meta name="author" content="Jane Doe">
    <meta property="article:published_time" content="2025-03-01T10:00:00Z">
    <link rel="canonical" href="/posts/tea">"""
    article = extract(
        cluttered_page(head=head).encode(), "https://www.leaf.example/posts/tea?utm_source=x", "text/html"
    )
    assert article.title == "How to Brew Tea"
    assert article.site == "Leaf Blog"
    assert article.author == "Jane Doe"
    assert article.published == "2025-03-01T10:00:00Z"
    assert article.canonical_url == "https://www.leaf.example/posts/tea"
    assert article.language == "en-GB"


def test_title_prefers_og_title_and_drops_the_site_suffix():
    head = '<meta property="og:title" content="The Real Headline">'
    assert extract_html(cluttered_page(head=head), "https://leaf.example/a").title == "The Real Headline"
    page = cluttered_page(title="Steeping Guide - Leaf Blog").replace("<h1>How to Brew Tea</h1>", "")
    assert extract_html(page, "https://leafblog.example/a").title == "Steeping Guide"


def test_metadata_from_json_ld_and_time_element():
    head = """<script type="application/ld+json">
    {"@context": "https://schema.org", "@graph": [{"@type": "WebSite", "name": "x"},
     {"@type": "NewsArticle", "author": [{"@type": "Person", "name": "Ann Lee"}, {"name": "Bo Chen"}],
      "datePublished": "2024-11-05"}]}</script>"""
    article = extract_html(cluttered_page(head=head), "https://news.example/story")
    assert article.author == "Ann Lee, Bo Chen"
    assert article.published == "2024-11-05"
    assert article.site == "news.example"  # no og:site_name: the host
    timed = cluttered_page().replace(
        "<h1>How to Brew Tea</h1>", '<h1>How to Brew Tea</h1><time datetime="2023-07-08">8 July</time>'
    )
    assert extract_html(timed, "https://news.example/story").published == "2023-07-08"


def test_windows_1252_declared_only_in_meta():
    html = (
        "<html><head><meta http-equiv='Content-Type' content='text/html; charset=windows-1252'><title>Menu</title></head>"
        f"<body><article><h1>Desserts</h1><p>Café crème brûlée, served warm. {ARTICLE_TEXT}</p></article></body></html>"
    ).encode("cp1252")
    article = extract(html, "https://bistro.example/menu", "text/html")
    assert "Café crème brûlée" in article.markdown


def test_charset_precedence():
    body = "naïve café".encode("cp1252")
    assert decode(body, "windows-1252") == "naïve café"
    assert decode(body, "iso-8859-1") == "naïve café"  # latin-1 labels mean cp1252, as in browsers
    assert decode("naïve café".encode(), None) == "naïve café"  # undeclared UTF-8
    assert decode(b"\xef\xbb\xbf" + "naïve".encode(), "cp1252") == "naïve"  # a BOM wins
    meta = b'<meta charset="utf-8">' + "über".encode()
    assert "über" in decode(meta, "koi8-r-nonsense")  # an unknown header label falls through to <meta>
    undeclared = ("<p>" + "Größenordnung und Übermaß sind schwierige Wörter für Maschinen. " * 20 + "</p>").encode(
        "cp1252"
    )
    assert "Größenordnung" in decode(undeclared, None)  # detected


def test_javascript_shell_is_no_content():
    shell = """<!doctype html><html><head><title>Chat</title><script src="/app.js"></script>
    <script>window.__BOOT__ = {"user": null, "config": {"a": 1}};</script></head>
    <body><div id="root"></div><noscript>You need to enable JavaScript to run this app.</noscript></body></html>"""
    article = extract(shell.encode(), "https://chat.example/", "text/html")
    assert article.no_content
    assert article.markdown.strip() == "" or article.word_count < 50


def test_login_wall_is_no_content():
    wall = """<html><head><title>Sign in</title></head><body><main><h1>Sign in to continue</h1>
    <form><input name="user"><input type="password" name="pw"><button>Log in</button></form>
    <p>Forgot your password?</p></main></body></html>"""
    assert extract(wall.encode(), "https://app.example/login", "text/html").no_content


def test_short_plain_page_without_scripts_is_kept():
    page = "<html><body><p>Our office is closed on Monday for the public holiday. See you on Tuesday morning at nine.</p></body></html>"
    article = extract(page.encode(), "https://office.example/", "text/html")
    assert article.no_content is None
    assert "closed on Monday" in article.markdown


def test_plain_text_and_markdown_are_stored_as_they_are():
    text = "Release notes\n\nVersion 2 fixes the kettle bug.\n\tIndented line stays.\n"
    article = extract(text.encode(), "https://x.example/notes.txt", "text/plain; charset=utf-8")
    assert article.markdown == text.strip("\n")
    assert article.title == "Release notes"
    md = "# Project Plan\n\n*Step one*: write it down.\n"
    article = extract(md.encode(), "https://x.example/plan.md", "text/markdown")
    assert article.title == "Project Plan"
    assert article.markdown.startswith("# Project Plan")


def test_ansi_escapes_and_control_characters_are_stripped_everywhere():
    evil = "\x1b[31mRed\x1b[0m text\x1b]0;pwned\x07 with bell\x07 and\x00 nul\ttab\nnewline\x9b2J"
    assert strip_control(evil) == "Red text with bell and nul\ttab\nnewline"
    page = f"""<html><head><title>\x1b[2JTitle\x1b[0m</title><meta name="author" content="Eve\x1b[5m"></head>
    <body><article><p>\x1b[1;31m{ARTICLE_TEXT}\x1b[0m\x07</p></article></body></html>"""
    article = extract(page.encode(), "https://evil.example/", "text/html")
    for value in (article.markdown, article.title, article.author):
        assert "\x1b" not in value and "\x07" not in value
    assert article.title == "Title"
    assert "[31m" not in article.markdown and ARTICLE_TEXT[:40] in article.markdown
    text = extract(b"Plain \x1b[32mgreen\x1b[0m\r\nline two", "https://x.example/a.txt", "text/plain")
    assert text.markdown == "Plain green\nline two"


def test_plain_text_of_markdown_drops_urls_images_and_emphasis():
    md = "Some **bold** and _em_ text with a [link](https://x.example/a_b) and ![alt](https://x.example/i.png) and <https://x.example/>."
    assert plain_text(md) == "Some bold and em text with a link and  and ."
    assert word_count("snake\\_case **word**") == 2


def test_empty_and_garbage_input():
    assert extract(b"", "https://x.example/", "text/html").no_content
    assert extract(b"\x00\x01\x02", "https://x.example/", "text/html").no_content
