"""Topic tagging: which of the user's topics a note is about, or none.

Topics live in `topics.toml` in the data directory (written with three defaults on
first use; add your own). Each has a description and example phrases; notes the
user tagged by hand with the topic's name count as more examples.

Scoring. A note's score for a topic is the mean of its two best cosine
similarities to the topic's prototypes (description, examples, hand-tagged
notes); a note that links fetched pages is also scored through each page's mean
chunk vector, and the better score counts.

Calibration. Raw cosines mean different things per model and per topic (a broad
description sits closer to everything), so each topic is calibrated against a
fixed background of everyday, off-topic sentences (BACKGROUND below), scored the
same way: mean μ and spread σ. A note gets a topic when its score is
  * at least Z_MIN standard deviations above that background (z = (s − μ) / σ),
  * at least MIN_GAP above the background mean in plain cosine (guards against a
    tiny σ), and
  * within MARGIN of the note's best topic in z (a note clearly about one topic
    does not also get a weak second one).
A per-topic `min_z` in topics.toml overrides Z_MIN. The background is shipped, not
drawn from the user's base, so a base full of architecture notes still gets
architecture tags, and a small base is calibrated as well as a large one.
"""

from __future__ import annotations

import os
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .db import Store

if TYPE_CHECKING:
    import numpy as np

    from .embeddings import Embedder

TOPICS_FILE = "topics.toml"
Z_MIN = 3.75
MIN_GAP = 0.12
MARGIN = 1.5
TOP_K = 2
CHUNK = 20_000  # notes scored at a time

DEFAULT_TOPICS_TOML = '''\
# notebase topics: notes similar enough to a topic get it as an automatic tag.
# Describe each topic in plain words and give a few example phrases; notes you tag
# by hand with a topic's name become examples too. Optional per topic:
#   min_z = 3.75  # how far above everyday text a note must score (higher = stricter)

[topics.architecture]
description = """Software architecture and system design: how a software system is divided into \
components, services and modules, the interfaces and data flows between them, and the technical \
decisions and trade-offs behind the structure."""
examples = [
    "system design of a scalable web service",
    "architecture decision record for choosing a database",
    "microservices versus a modular monolith",
    "component diagram and API contracts between services",
    "deployment, security and data architecture of an application",
    "design patterns, layering and non-functional requirements",
]

[topics.agents]
description = """AI agents: large language models that plan and act on their own with tools, \
such as autonomous coding assistants that read and write code, and multi-agent systems that \
coordinate work."""
examples = [
    "an LLM agent that calls tools to finish a multi-step task",
    "AI coding assistant like GitHub Copilot or Devin writing code",
    "coordinating many autonomous agents on one software project",
    "comparing AI code generation tools and models",
    "prompting, planning and evaluating agentic workflows",
]

[topics.inspiration]
description = """Inspiration and ideas: a spark of curiosity, a question worth investigating, an \
idea for a project or an experiment, something to explore or think about later."""
examples = [
    "idea: an app that helps people learn languages",
    "interesting question to investigate and look for patterns",
    "what if we tried a completely different approach",
    "inspiration for a creative project",
    "a hunch worth exploring further",
]
'''

# Everyday, off-topic text: the calibration background (see the module docstring).
BACKGROUND = [
    "Buy milk, eggs and bread on the way home.",
    "Call mom on Sunday evening.",
    "Dentist appointment moved to Thursday at 3 pm.",
    "Pay the electricity bill before Friday.",
    "Have dinner with friends tonight.",
    "Go for a run in the park tomorrow morning.",
    "The weather is cold and rainy today.",
    "Pick up the dry cleaning.",
    "Book train tickets for the holiday trip.",
    "Water the plants on the balcony.",
    "Remember to take vitamins after breakfast.",
    "Birthday present for my sister: a scarf.",
    "The cat needs food and a vet visit.",
    "Watch the football match at 8.",
    "Clean the kitchen and take out the trash.",
    "Recipe: pasta with tomato sauce and basil.",
    "Meeting with the landlord about the lease.",
    "Flight lands at 6:40, take a taxi to the hotel.",
    "Sleep earlier this week.",
    "Return the library books.",
    "Coffee with Anna at the cafe near the station.",
    "My phone battery drains too fast.",
    "Reset the wifi router password.",
    "Printer is out of ink again.",
    "Update the laptop and restart it.",
    "Send the invoice to the accountant.",
    "Song stuck in my head all day.",
    "Bought new running shoes.",
    "Haircut on Saturday at 11.",
    "Movie night: a comedy or a thriller?",
    "Feeling tired after a long day.",
    "Grocery list: apples, rice, chicken, onions.",
    "Lost my keys again, check the jacket.",
    "Bus was late this morning.",
    "Chapter three of the novel was slow.",
    "Ask the neighbour about the parcel.",
    "Gym: legs and back.",
    "Renew my passport before summer.",
    "Tea tastes better with honey.",
    "Walk the dog after lunch.",
    # near misses: everyday computer chores are not architecture or agents
    "Install the latest Python version on the laptop.",
    "Fix the typo in the README file.",
    "Chrome keeps crashing on this website.",
    "Keyboard shortcut to take a screenshot.",
    "Clear the browser cache and cookies.",
    "Back up the photos to the cloud.",
    "Excel formula to sum a column.",
    "The website loads slowly on my phone.",
    "Rename all the files in the downloads folder.",
    "Zoom link for tomorrow's call.",
    "Update the apps on my phone.",
    "Unsubscribe from the newsletter emails.",
]


@dataclass
class Topic:
    name: str
    description: str
    examples: list[str] = field(default_factory=list)
    min_z: float = Z_MIN

    @property
    def phrases(self) -> list[str]:
        return [self.description, *self.examples]


@dataclass(frozen=True)
class Suggestion:
    note_id: int
    topic: str
    score: float  # cosine score; z is how far above everyday text it is
    z: float = 0.0

    def to_json(self) -> dict[str, Any]:
        return {"note_id": self.note_id, "topic": self.topic, "score": round(self.score, 4), "z": round(self.z, 2)}


class TopicsError(ValueError):
    """topics.toml cannot be read or describes a topic badly."""


def topics_path(home: str | os.PathLike[str] | None) -> Path:
    from .locations import data_dir

    return data_dir(home) / TOPICS_FILE


def load_topics(path: Path | None) -> list[Topic]:
    """Topics from a topics.toml, writing the defaults there first if it does not exist; defaults for None."""
    if path is None:
        return parse_topics(DEFAULT_TOPICS_TOML, "defaults")
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(DEFAULT_TOPICS_TOML, encoding="utf-8")
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise TopicsError(f"{path}: {exc}") from None
    return parse_topics(text, str(path))


def parse_topics(text: str, source: str) -> list[Topic]:
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise TopicsError(f"{source}: {exc}") from None
    topics = []
    for name, spec in (data.get("topics") or {}).items():
        if not isinstance(spec, dict) or not isinstance(spec.get("description", ""), str):
            raise TopicsError(f"{source}: topic {name!r} needs a description string")
        examples = spec.get("examples", [])
        if not isinstance(examples, list) or not all(isinstance(e, str) for e in examples):
            raise TopicsError(f"{source}: examples of topic {name!r} must be a list of strings")
        description = " ".join(str(spec.get("description", "")).split()) or name
        topics.append(Topic(name, description, examples, float(spec.get("min_z", Z_MIN))))
    return topics


def store_topics(store: Store) -> list[Topic]:
    """The topics of the data directory the store lives in (defaults for an in-memory store)."""
    if store.path == ":memory:":
        return load_topics(None)
    return load_topics(Path(store.path).parent / TOPICS_FILE)


def suggest(
    store: Store, embedder: Embedder, *, note_ids: list[int] | range | None = None, topics: list[Topic] | None = None
) -> list[Suggestion]:
    """Topics that notes (all, or `note_ids`) are clearly about, by note then score; hand-removed tags excluded."""
    import numpy as np

    topics = store_topics(store) if topics is None else topics
    if not topics:
        return []
    if note_ids is None:
        with store.connect() as conn:
            note_ids = [r[0] for r in conn.execute("SELECT id FROM notes ORDER BY id")]
    ids = list(note_ids)
    if not ids:
        return []
    protos = _prototypes(store, embedder, topics)
    background = embedder.encode(BACKGROUND)
    stats = [(float(s.mean()), float(s.std()) or 1e-6) for s in (topic_scores(background, p) for p in protos)]
    best: dict[int, np.ndarray] = {}
    for start in range(0, len(ids), CHUNK):  # bounded memory and SQL parameters on a million notes
        notes, candidates = _note_vectors(store, embedder, ids[start : start + CHUNK])
        if not notes:
            continue
        scores = np.stack([topic_scores(candidates, p) for p in protos], axis=1)  # (candidates, topics)
        for row, (note_id, _) in enumerate(notes):
            best[note_id] = np.maximum(best[note_id], scores[row]) if note_id in best else scores[row]
    removed = _removed(store)
    out = []
    for note_id, s in best.items():
        z = np.array([(s[t] - mu) / sd for t, (mu, sd) in enumerate(stats)])
        top = float(z.max())
        for t, topic in enumerate(topics):
            passes = z[t] >= topic.min_z and s[t] - stats[t][0] >= MIN_GAP and z[t] >= top - MARGIN
            if passes and (int(note_id), topic.name.lower()) not in removed:
                out.append(Suggestion(int(note_id), topic.name, float(s[t]), float(z[t])))
    out.sort(key=lambda s: (s.note_id, -s.z))
    return out


def topic_scores(vectors: np.ndarray, prototypes: np.ndarray) -> np.ndarray:
    """Per row: mean of the TOP_K best cosines to the prototypes (all unit vectors)."""
    import numpy as np

    sims = vectors @ prototypes.T
    k = min(TOP_K, sims.shape[1])
    return np.sort(sims, axis=1)[:, -k:].mean(axis=1)


def apply(
    store: Store, embedder: Embedder, *, note_ids: list[int] | range | None = None, topics: list[Topic] | None = None
) -> int:
    """Write suggestions as auto tags; returns how many were added or rescored.

    Never touches manual tags or hand removals; drops auto tags of these notes that no longer qualify.
    """
    from .tags import _tag_id

    suggestions = suggest(store, embedder, note_ids=note_ids, topics=topics)
    keep = {(s.note_id, s.topic.lower()) for s in suggestions}
    changed = 0
    with store.write() as conn:
        for s in suggestions:
            tag_id = _tag_id(conn, s.topic)
            cur = conn.execute(
                "INSERT INTO note_tags (note_id, tag_id, origin, score, removed) VALUES (?, ?, 'auto', ?, 0)"
                " ON CONFLICT (note_id, tag_id) DO UPDATE SET score = excluded.score"
                " WHERE note_tags.origin = 'auto' AND note_tags.removed = 0 AND note_tags.score IS NOT excluded.score",
                (s.note_id, tag_id, s.score),
            )
            changed += cur.rowcount
        stale = conn.execute(
            "SELECT nt.note_id, nt.tag_id, t.name FROM note_tags nt JOIN tags t ON t.id = nt.tag_id"
            " WHERE nt.origin = 'auto' AND nt.removed = 0"
        ).fetchall()
        if note_ids is not None:
            scope = set(note_ids)
            stale = [row for row in stale if row[0] in scope]
        gone = [(n, tag_id) for n, tag_id, name in stale if (n, name.lower()) not in keep]
        conn.executemany("DELETE FROM note_tags WHERE note_id = ? AND tag_id = ? AND origin = 'auto'", gone)
    return changed


def _removed(store: Store) -> set[tuple[int, str]]:
    with store.connect() as conn:
        return {
            (n, name.lower())
            for n, name in conn.execute(
                "SELECT nt.note_id, t.name FROM note_tags nt JOIN tags t ON t.id = nt.tag_id WHERE nt.removed = 1"
            )
        }


def _prototypes(store: Store, embedder: Embedder, topics: list[Topic]) -> list[np.ndarray]:
    """Per topic: unit vectors of its description, examples and hand-tagged notes."""
    import numpy as np

    from .embeddings import from_blob

    out = []
    with store.connect() as conn:
        for topic in topics:
            vectors = [embedder.encode(topic.phrases)]
            manual = conn.execute(
                "SELECT e.vector FROM note_tags nt JOIN tags t ON t.id = nt.tag_id JOIN embeddings e"
                " ON e.kind = 'note' AND e.item_id = nt.note_id AND e.model = ?"
                " WHERE t.name = ? AND nt.origin = 'manual' AND nt.removed = 0 LIMIT 200",
                (embedder.model_id, topic.name),
            ).fetchall()
            if manual:
                vectors.append(np.stack([from_blob(r[0]) for r in manual]))
            out.append(np.vstack(vectors).astype(np.float32))
    return out


def _note_vectors(
    store: Store, embedder: Embedder, note_ids: list[int] | range | None
) -> tuple[list[tuple[int, str]], np.ndarray]:
    """Candidate vectors per note: its own, plus the mean chunk vector of each fetched page it links.

    Stored vectors are used when present; missing ones are computed (not stored: that is index's job).
    """
    import numpy as np

    from .chunking import clean_for_embedding
    from .embeddings import from_blob

    where, params = "", []
    if note_ids is not None:
        ids = [int(n) for n in note_ids]
        if not ids:
            return [], np.zeros((0, embedder.dim), dtype=np.float32)
        where, params = f" WHERE n.id IN ({','.join('?' * len(ids))})", ids
    with store.connect() as conn:
        rows = conn.execute(
            f"SELECT n.id, n.text, e.vector FROM notes n LEFT JOIN embeddings e ON e.kind = 'note'"
            f" AND e.item_id = n.id AND e.model = ?{where} ORDER BY n.id",
            [embedder.model_id, *params],
        ).fetchall()
        page_rows = conn.execute(
            f"SELECT nl.note_id, c.page_id, e.vector FROM note_links nl JOIN links l ON l.id = nl.link_id"
            f" JOIN chunks c ON c.page_id = l.page_id JOIN embeddings e ON e.kind = 'chunk' AND e.item_id = c.id"
            f" AND e.model = ? WHERE nl.note_id IN (SELECT n.id FROM notes n{where})",
            [embedder.model_id, *params],
        ).fetchall()
    missing = [i for i, r in enumerate(rows) if r[2] is None]
    computed = (
        dict(zip(missing, embedder.encode([clean_for_embedding(rows[i][1]) for i in missing]), strict=False))
        if missing
        else {}
    )
    labels: list[tuple[int, str]] = []
    vectors = []
    for i, (note_id, _, blob) in enumerate(rows):
        labels.append((note_id, "note"))
        vectors.append(from_blob(blob) if blob is not None else computed[i])
    pages: dict[tuple[int, int], list[np.ndarray]] = {}
    for note_id, page_id, blob in page_rows:
        pages.setdefault((note_id, page_id), []).append(from_blob(blob))
    for (note_id, _), chunk_vectors in pages.items():
        mean = np.mean(chunk_vectors, axis=0)
        norm = float(np.linalg.norm(mean))
        if norm:
            labels.append((note_id, "page"))
            vectors.append(mean / norm)
    return labels, np.vstack(vectors).astype(np.float32)


def topic_names(home: str | os.PathLike[str] | None = None) -> list[str]:
    """Names of the configured topics, without creating topics.toml (for pickers and completion)."""
    path = topics_path(home)
    return [t.name for t in (load_topics(path) if path.exists() else load_topics(None))]
