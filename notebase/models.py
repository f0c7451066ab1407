"""SQLModel classes for the tables, for typed reads. The schema itself lives in migrations.py;
tests check the two agree."""

from __future__ import annotations

from sqlmodel import Field, SQLModel


class Import(SQLModel, table=True):
    __tablename__ = "imports"
    id: int | None = Field(default=None, primary_key=True)
    file: str
    format: str
    imported_at: int
    messages: int = 0
    added: int = 0
    duplicates: int = 0
    links: int = 0


class Note(SQLModel, table=True):
    __tablename__ = "notes"
    id: int | None = Field(default=None, primary_key=True)
    author: str
    sent_ts: int
    utc_offset: int
    text: str
    content_key: bytes
    import_id: int | None = Field(default=None, foreign_key="imports.id")
    position: int | None = None
    part: str = "message"
    tg_chat: str | None = None
    tg_message_id: int | None = None
    extra: str | None = None


class Link(SQLModel, table=True):
    __tablename__ = "links"
    id: int | None = Field(default=None, primary_key=True)
    url: str
    normalized_url: str
    status: str = "pending"
    http_status: int | None = None
    final_url: str | None = None
    content_type: str | None = None
    content_length: int | None = None
    error: str | None = None
    attempts: int = 0
    fetched_at: int | None = None
    content_hash: str | None = None
    changed: int | None = None
    page_id: int | None = Field(default=None, foreign_key="pages.id")


class Page(SQLModel, table=True):
    __tablename__ = "pages"
    id: int | None = Field(default=None, primary_key=True)
    url: str
    final_url: str | None = None
    canonical_url: str | None = None
    title: str | None = None
    site: str | None = None
    author: str | None = None
    published: str | None = None
    language: str | None = None
    word_count: int = 0
    markdown: str
    content_type: str | None = None
    content_hash: str | None = None
    fetched_at: int | None = None


class NoteLink(SQLModel, table=True):
    __tablename__ = "note_links"
    note_id: int = Field(foreign_key="notes.id", primary_key=True)
    link_id: int = Field(foreign_key="links.id", primary_key=True)
    url: str


class Tag(SQLModel, table=True):
    __tablename__ = "tags"
    id: int | None = Field(default=None, primary_key=True)
    name: str


class NoteTag(SQLModel, table=True):
    __tablename__ = "note_tags"
    note_id: int = Field(foreign_key="notes.id", primary_key=True)
    tag_id: int = Field(foreign_key="tags.id", primary_key=True)
    origin: str
    score: float | None = None
    removed: int = 0


class Chunk(SQLModel, table=True):
    """A piece of a page, sized for the embedding model (see chunking.py)."""

    __tablename__ = "chunks"
    id: int | None = Field(default=None, primary_key=True)
    page_id: int = Field(foreign_key="pages.id")
    seq: int
    text: str
    content_hash: str


class Embedding(SQLModel, table=True):
    """A stored vector for a note or a chunk: normalized little-endian float32."""

    __tablename__ = "embeddings"
    kind: str = Field(primary_key=True)
    item_id: int = Field(primary_key=True)
    model: str
    dim: int
    vector: bytes
    content_hash: str
