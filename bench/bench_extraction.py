"""Article-extraction quality on the Scrapinghub/Zyte benchmark (../shared/bench/extraction).

Scores as the benchmark does: multisets of 4-token shingles of re.findall(r"\\w+"),
per-page precision and recall averaged over pages (a page with a zero
denominator is left out of that mean), F1 from the two means. Markdown is scored
as its plain text (no emphasis markers, no URLs), like any system's text output.

    python bench/bench_extraction.py [--data DIR]

The published readability-lxml output must score F1 0.922: that checks the scorer.
"""

from __future__ import annotations

import argparse
import gzip
import json
import re
import time
from collections import Counter
from pathlib import Path

DEFAULT_DATA = Path(__file__).resolve().parents[2] / "shared" / "bench" / "extraction"
_TOKEN = re.compile(r"\w+")


def shingles(text: str, n: int = 4) -> Counter[tuple[str, ...]]:
    tokens = _TOKEN.findall(text)
    # A text shorter than n tokens is one short shingle; an empty one has none.
    return Counter(tuple(tokens[i : i + n]) for i in range(max(1, len(tokens) - n + 1)) if tokens[i : i + n])


def score(predictions: dict[str, str], truth: dict[str, str]) -> tuple[float, float, float]:
    """(precision, recall, F1) of predictions against the ground truth, page means."""
    precisions, recalls = [], []
    for key, true_text in truth.items():
        true, pred = shingles(true_text), shingles(predictions.get(key, ""))
        tp = sum((true & pred).values())
        fp = sum((pred - true).values())
        fn = sum((true - pred).values())
        if tp + fp:
            precisions.append(tp / (tp + fp))
        if tp + fn:
            recalls.append(tp / (tp + fn))
    p = sum(precisions) / len(precisions)
    r = sum(recalls) / len(recalls)
    return p, r, (2 * p * r / (p + r) if p + r else 0.0)


def load_published(path: Path) -> dict[str, str]:
    data = json.loads(path.read_text())
    output = data.get("output", data) if "output" in data and isinstance(data["output"], dict) else data
    return {key: item.get("articleBody") or "" for key, item in output.items()}


def run_clean(data: Path, truth_urls: dict[str, str], *, fallback: bool) -> tuple[dict[str, str], float]:
    from notebase.clean import extract_html, plain_text

    predictions, started = {}, time.perf_counter()
    for path in sorted((data / "html").glob("*.html.gz")):
        key = path.name.split(".")[0]
        html = gzip.decompress(path.read_bytes()).decode("utf-8", errors="replace")
        article = extract_html(html, truth_urls.get(key) or "https://example.com/", fallback=fallback)
        predictions[key] = plain_text(article.markdown)
    return predictions, time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA)
    parser.add_argument("--published", action="store_true", help="Also score every published output.")
    args = parser.parse_args()
    ground = json.loads((args.data / "ground-truth.json").read_text())
    truth = {key: item["articleBody"] for key, item in ground.items()}
    urls = {key: item.get("url") or "" for key, item in ground.items()}

    def show(name: str, predictions: dict[str, str], extra: str = "") -> None:
        p, r, f1 = score(predictions, truth)
        print(f"{name:<28} P {p:.3f}  R {r:.3f}  F1 {f1:.3f}{extra}")

    published = sorted((args.data / "published-outputs").glob("*.json"))
    for path in published if args.published else [p for p in published if p.stem == "readability"]:
        show(f"published {path.stem}", load_published(path))
    for fallback in (False, True):
        predictions, seconds = run_clean(args.data, urls, fallback=fallback)
        show(
            f"clean.py (fallback {'on' if fallback else 'off'})",
            predictions,
            f"  ({len(predictions)} pages, {len(predictions) / seconds:.1f} pages/s)",
        )


if __name__ == "__main__":
    main()
