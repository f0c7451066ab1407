"""Reading text exports: encoding detection, streaming lines, mojibake repair.

Telegram transcripts reach us after a trip through editors and clipboards, so a
file may carry a BOM, be UTF-16, use CR or CRLF line ends, or have had its UTF-8
decoded once as Mac Roman or Windows-1252 and saved again (`‚ÄØ` for U+202F).
"""

from __future__ import annotations

import codecs
import re
import unicodedata
from collections.abc import Iterator
from pathlib import Path

from .message import ImportFormatError

_HEAD_BYTES = 64 * 1024  # checked eagerly, so a bad file fails before any line is yielded
_CHUNK_BYTES = 1024 * 1024  # streaming unit: large enough to amortise, small enough to stay flat

_BOMS = (
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)

# --- mojibake -----------------------------------------------------------------

_UTF8_LEAD = bytes(range(0xC2, 0xF5))  # bytes that start a multi-byte UTF-8 sequence
_UTF8_CONT = bytes(range(0x80, 0xC0))  # continuation bytes

# Windows keeps the five bytes cp1252 leaves undefined as C1 controls, so the
# mojibake of e.g. "Á" (C3 81) is "Ã\x81"; Python's strict cp1252 would refuse it.
_CP1252_TO_BYTE = {
    ord(codecs.decode(bytes([b]), "cp1252", errors="replace")): chr(b)
    for b in range(0x80, 0xA0)
    if codecs.decode(bytes([b]), "cp1252", errors="replace") != "\ufffd"
}
_CP1252_SPECIALS = "".join(chr(c) for c in _CP1252_TO_BYTE)


def _char_class(chars: str) -> str:
    return "[" + "".join(re.escape(c) for c in sorted(set(chars))) + "]"


# A mis-decoded UTF-8 sequence always shows as a "lead" character followed by a
# "continuation" character. Searching for that pair first keeps lines that
# merely contain non-ASCII text (U+202F in every header, emoji, accents) cheap.
_SUSPECT = re.compile(
    _char_class(_UTF8_LEAD.decode("mac_roman") + _UTF8_LEAD.decode("latin-1"))
    + _char_class(
        _UTF8_CONT.decode("mac_roman")
        + _UTF8_CONT.decode("latin-1")  # C1 controls and A0–BF, as cp1252 keeps them
        + _CP1252_SPECIALS
    )
)


def _encode_mac_roman(line: str) -> bytes:
    return line.encode("mac_roman")


def _encode_cp1252_lenient(line: str) -> bytes:
    """cp1252 encoding that maps U+0080–U+009F back to their own bytes."""
    return line.translate(_CP1252_TO_BYTE).encode("latin-1")


def repair_mojibake(line: str) -> str:
    """Undo UTF-8 that was decoded as Mac Roman or Windows-1252 and saved again.

    Only whole lines are repaired: the line must encode entirely in the codec and
    the bytes must be strict UTF-8. That is what keeps legitimate text such as
    `“écrit” —à` intact, since its re-encoding is never valid UTF-8.
    """
    if line.isascii() or _SUSPECT.search(line) is None:
        return line
    candidates = []
    for encode in (_encode_mac_roman, _encode_cp1252_lenient):
        try:
            repaired = encode(line).decode("utf-8")
        except UnicodeError:
            continue
        if repaired != line:
            candidates.append(repaired)
    if not candidates:
        return line
    # Short lines can be valid both ways: "Ã©" is "é" via cp1252 but a combining
    # mark via Mac Roman. The reading with fewer marks and controls wins; Mac
    # Roman (the seen-in-the-wild case) wins ties.
    return min(candidates, key=_oddness)


def _oddness(text: str) -> int:
    return sum(1 for c in text if not c.isascii() and unicodedata.category(c)[0] in "MC")


# --- reading ------------------------------------------------------------------


def _sniff(head: bytes) -> tuple[str, int]:
    """Encoding and BOM length of a file from its first bytes, or ImportFormatError."""
    encoding, skip = "utf-8", 0
    for bom, name in _BOMS:
        if head.startswith(bom):
            encoding, skip = name, len(bom)
            break
    if not head[skip:]:
        raise ImportFormatError("file is empty")
    if encoding == "utf-8" and b"\x00" in head:
        raise ImportFormatError("binary file (contains NUL bytes)")
    try:
        codecs.getincrementaldecoder(encoding)().decode(head[skip:], final=False)
    except UnicodeDecodeError as exc:
        raise ImportFormatError(_decode_error(encoding, skip + exc.start)) from None
    return encoding, skip


def _decode_error(encoding: str, offset: int) -> str:
    name = "UTF-8" if encoding == "utf-8" else encoding.upper()
    return f"not {name} text (invalid byte at offset {offset})"


def open_text_lines(path: Path) -> Iterator[str]:
    """Lines of a text file, streamed, without line ends, mojibake repaired.

    The head of the file is checked now, so an empty, binary or non-UTF-8 file
    raises ImportFormatError before iteration starts; a bad byte further on
    raises it while iterating.
    """
    with open(path, "rb") as fh:
        head = fh.read(_HEAD_BYTES)
    encoding, skip = _sniff(head)
    return _stream_lines(path, encoding, skip)


def _stream_lines(path: Path, encoding: str, skip: int) -> Iterator[str]:
    decoder = codecs.getincrementaldecoder(encoding)()
    consumed = skip  # bytes handed to the decoder so far, for error offsets
    pending = ""  # the unfinished last line of the previous chunk
    with open(path, "rb") as fh:
        fh.seek(skip)
        while True:
            chunk = fh.read(_CHUNK_BYTES)
            final = not chunk
            buffered = len(decoder.getstate()[0])
            try:
                text = decoder.decode(chunk, final=final)
            except UnicodeDecodeError as exc:
                raise ImportFormatError(_decode_error(encoding, consumed - buffered + exc.start)) from None
            consumed += len(chunk)
            if pending:
                text = pending + text
            if "\r" in text:
                # A CR at the very end may be the first half of a CRLF split across chunks.
                hold = "\r" if text.endswith("\r") and not final else ""
                if hold:
                    text = text[:-1]
                text = text.replace("\r\n", "\n").replace("\r", "\n") + hold
            lines = text.split("\n")
            pending = lines.pop()
            if final:
                if pending:
                    lines.append(pending)
                pending = ""
            # Whole-chunk checks first: most chunks of a big export need no repair.
            if text.isascii() or _SUSPECT.search(text) is None:
                yield from lines
            else:
                for line in lines:
                    yield line if line.isascii() else repair_mojibake(line)
            if final:
                return
