"""Write a large, realistic Telegram copied-messages transcript for benchmarks.

    python bench/gen_transcript.py OUT.txt --messages 1000000   # ~100 MB

Deterministic for a given --seed, and streamed to disk so memory stays flat.
Headers look like Telegram Desktop on macOS (`Alex Kim, [1/15/26 8:20\u202fAM]`);
bodies are mostly short ASCII notes, with links, multi-line notes, code fences,
the odd long pasted article and a little non-ASCII text.
"""

from __future__ import annotations

import argparse
import random
from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path

NNBSP = "\u202f"  # what Telegram puts between the time and AM/PM

_VOCABULARY = (
    "agent architecture review note idea read later buy milk call mom deploy cache queue "
    "latency design system service event stream schema index query vector search embed model "
    "prompt tool context window budget plan refactor test coverage bug fix release weekend "
    "coffee lunch gym walk book chapter article podcast video talk paper draft outline meeting "
    "decision record diagram container component boundary module interface contract api "
    "database migration backup restore monitor alert trace log metric dashboard cost scale"
)
WORDS = tuple(_VOCABULARY.split())
NON_ASCII = ("café", "naïve", "über", "Zürich", "déjà vu", "’s", "—", "🙂", "🚀", "→", "…", "日本語", "Привет")
DOMAINS = (
    "https://martinfowler.com/articles/{w}.html",
    "https://www.anthropic.com/research/{w}?utm_source=tg",
    "https://github.com/example/{w}",
    "https://en.wikipedia.org/wiki/{W}",
    "https://news.ycombinator.com/item?id={n}",
    "https://youtu.be/{h}",
    "https://example.org/notes/{w}#section-{n}",
)
CODE = (
    "```python\ndef {w}(items):\n    return [i for i in items if i]\n```",
    "```\n$ git log --oneline | head\n```",
    "```sql\nSELECT id, text FROM messages WHERE text LIKE '%{w}%';\n```",
)


def _sentence(rng: random.Random, low: int, high: int) -> str:
    words = rng.choices(WORDS, k=rng.randint(low, high))
    if rng.random() < 0.04:
        words.insert(rng.randrange(len(words) + 1), rng.choice(NON_ASCII))
    return " ".join(words).capitalize() + rng.choice((".", "", "", "!", "?"))


def _link(rng: random.Random) -> str:
    word = rng.choice(WORDS)
    return rng.choice(DOMAINS).format(
        w=word, W=word.capitalize(), n=rng.randint(1, 40_000_000), h=f"{rng.getrandbits(44):011x}"
    )


def _body(rng: random.Random) -> str:
    kind = rng.random()
    if kind < 0.58:
        return _sentence(rng, 2, 12)
    if kind < 0.80:
        return f"{_sentence(rng, 1, 8)} {_link(rng)}"
    if kind < 0.94:
        lines = []
        for _ in range(rng.randint(2, 5)):
            roll = rng.random()
            lines.append("" if roll < 0.25 else f"- {_sentence(rng, 2, 8)}" if roll < 0.5 else _sentence(rng, 2, 10))
        return "\n".join(lines).strip("\n") or _sentence(rng, 2, 6)
    if kind < 0.997:
        return f"{_sentence(rng, 2, 6)}\n\n" + rng.choice(CODE).format(w=rng.choice(WORDS))
    paragraphs = [f"# {_sentence(rng, 3, 7)}"] + [
        " ".join(_sentence(rng, 8, 20) for _ in range(rng.randint(2, 5))) for _ in range(rng.randint(4, 14))
    ]
    return "\n\n".join(paragraphs)


def _stamp(when: datetime) -> str:
    hour = when.hour % 12 or 12
    return f"{when.month}/{when.day}/{when.year % 100:02d} {hour}:{when.minute:02d}{NNBSP}{'AM' if when.hour < 12 else 'PM'}"


def generate(messages: int, seed: int = 1) -> Iterator[str]:
    """The transcript as text pieces, one per message."""
    rng = random.Random(seed)
    when = datetime(2021, 1, 1, 8, 0)
    for _ in range(messages):
        when += timedelta(seconds=rng.choice((0, 5, 30, 60, 90, 240, 600, 1800, 3600, 20000)))
        author = "Doe, Jane" if rng.random() < 0.01 else "Alex Kim"
        yield f"{author}, [{_stamp(when)}]\n{_body(rng)}\n\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out", type=Path)
    parser.add_argument("--messages", type=int, default=1_000_000)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    with open(args.out, "w", encoding="utf-8", newline="\n", buffering=1 << 20) as fh:
        batch: list[str] = []
        for piece in generate(args.messages, args.seed):
            batch.append(piece)
            if len(batch) >= 10_000:
                fh.write("".join(batch))
                batch.clear()
        fh.write("".join(batch))


if __name__ == "__main__":
    main()
