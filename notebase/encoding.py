"""Reading text exports: encoding detection, streaming lines, mojibake repair.

Telegram transcripts reach us after a trip through editors and clipboards, so a
file may carry a BOM, be UTF-16, use CR or CRLF line ends, or have had its UTF-8
decoded once as Mac Roman or Windows-1252 and saved again (`‚ÄØ` for U+202F).
"""

from __future__ import annotations

import codecs
import io
import re
import unicodedata
from collections.abc import Iterator
from pathlib import Path

from .message import ImportFormatError

_HEAD_BYTES = 64 * 1024  # checked eagerly, so a bad file fails before any line is yielded
_CHUNK_BYTES = 256 * 1024  # streaming unit: amortises per-read work, keeps peak memory near 6 MB

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
# "continuation" character of the same codec. Searching for such a pair first
# keeps text that merely contains non-ASCII (U+202F in every header, emoji,
# accented words) cheap. One pattern per codec keeps "déjà" from pairing up,
# and keeps each search a fast single-class scan.
_SUSPECTS = (
    re.compile(_char_class(_UTF8_LEAD.decode("mac_roman")) + _char_class(_UTF8_CONT.decode("mac_roman"))),
    re.compile(
        _char_class(_UTF8_LEAD.decode("latin-1"))
        + _char_class(_UTF8_CONT.decode("latin-1") + _CP1252_SPECIALS)  # with C1 controls, as Windows keeps them
    ),
)

# For the chunk-level check: ASCII dropped (mojibake is never interrupted by
# it), newlines kept as 0xFF (U+FFFD once decoded) so lines never pair up.
_NEWLINE_TO_FF = bytes.maketrans(b"\n", b"\xff")
_ASCII_BUT_NEWLINE = bytes(b for b in range(128) if b != 0x0A)


def _suspect(text: str) -> bool:
    return any(pattern.search(text) is not None for pattern in _SUSPECTS)


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
    if line.isascii() or not _suspect(line):
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


def open_text_lines(path: Path) -> TextLines:
    """Lines of a text file, streamed, without line ends, mojibake repaired.

    The head of the file is checked now, so an empty, binary or non-UTF-8 file
    raises ImportFormatError before iteration starts; a bad byte further on
    raises it while iterating.
    """
    with open(path, "rb") as fh:
        head = fh.read(_HEAD_BYTES)
    encoding, skip = _sniff(head)
    if encoding == "utf-8":
        return TextLines(_utf8_blocks(path, skip))
    return TextLines(_utf16_blocks(path, encoding, skip))


class TextLines(Iterator[str]):
    """An iterator of lines that can also hand out whole blocks of lines.

    Everyone else sees plain lines. The transcript parser asks for `blocks()`
    instead: splitting a 100 MB file into 3 million strings only to look at
    each again in Python costs more than the rest of the import.
    """

    def __init__(self, blocks: Iterator[str]) -> None:
        self._blocks = blocks
        self._started = False
        self._lines = self._split(blocks)

    def _split(self, blocks: Iterator[str]) -> Iterator[str]:
        self._started = True
        for block in blocks:
            yield from block.split("\n")

    def __iter__(self) -> Iterator[str]:
        return self._lines  # the generator itself, so for-loops run at C speed

    def __next__(self) -> str:
        return next(self._lines)

    def blocks(self) -> Iterator[str]:
        """The remaining text as blocks of whole lines joined by "\\n" (no final newline).

        Only before any line has been taken: the two views share one reader.
        """
        if self._started:
            raise RuntimeError("blocks() after lines were taken")
        self._started = True
        return self._blocks


def _repaired(block: str) -> str:
    """The block with each line repair_mojibake'd; only lines holding a suspect pair are looked at."""
    pieces: list[str] = []
    copied = 0  # block[copied:] is not yet in pieces
    upcoming = [pattern.search(block) for pattern in _SUSPECTS]  # next hit of each pattern
    while True:
        hits = [m.start() for m in upcoming if m is not None]
        if not hits:
            break
        at = min(hits)
        start = block.rfind("\n", 0, at) + 1
        end = block.find("\n", at)
        end = len(block) if end < 0 else end
        line = block[start:end]
        fixed = repair_mojibake(line)
        if fixed != line:
            pieces += (block[copied:start], fixed)
            copied = end
        upcoming = [
            m if m is None or m.start() > end else pattern.search(block, end)
            for m, pattern in zip(upcoming, _SUSPECTS, strict=True)
        ]
    if not pieces:
        return block
    pieces.append(block[copied:])
    return "".join(pieces)


def _utf8_blocks(path: Path, skip: int) -> Iterator[str]:
    """Decoded blocks of whole lines; cutting at a newline first means no character is split."""
    carry = b""  # the unfinished last line of the previous read
    size = _CHUNK_BYTES
    try:
        with open(path, "rb") as fh:
            fh.seek(skip)
            while True:
                chunk = fh.read(size)
                final = not chunk
                if carry:
                    chunk = carry + chunk
                if b"\r" in chunk:
                    # A CR at the very end may be the first half of a CRLF split across reads.
                    held = b"\r" if not final and chunk.endswith(b"\r") else b""
                    chunk = chunk[: len(chunk) - len(held)].replace(b"\r\n", b"\n").replace(b"\r", b"\n") + held
                if final:
                    if not carry:
                        return
                    block = chunk[:-1] if chunk.endswith(b"\n") else chunk
                else:
                    cut = chunk.rfind(b"\n")
                    if cut < 0:
                        # A line longer than a read: read as much again, so joining stays linear.
                        carry, size = chunk, max(size, len(chunk))
                        continue
                    block, carry, size = chunk[:cut], chunk[cut + 1 :], _CHUNK_BYTES
                text = block.decode("utf-8")
                yield _repaired(text) if _may_need_repair(block) else text
                if final:
                    return
    except UnicodeDecodeError:
        raise ImportFormatError(_decode_error("utf-8", _first_bad_offset(path, "utf-8", skip))) from None


def _may_need_repair(block: bytes) -> bool:
    """False when no line of the (UTF-8) block can hold mojibake.

    Only the non-ASCII bytes are searched; characters of one line that were
    apart can become false suspects, which merely cost the line-by-line path.
    """
    rest = block.translate(_NEWLINE_TO_FF, _ASCII_BUT_NEWLINE)
    return bool(rest) and _suspect(rest.decode("utf-8", "replace"))


def _utf16_blocks(path: Path, encoding: str, skip: int) -> Iterator[str]:
    """Blocks of a UTF-16 file: rare enough that the standard text layer will do."""
    raw = open(path, "rb")  # noqa: SIM115 - handed to the wrapper, closed with it
    raw.seek(skip)
    carry = ""
    size = _CHUNK_BYTES // 2
    try:
        with io.TextIOWrapper(raw, encoding=encoding, newline=None) as fh:
            while True:
                chunk = fh.read(size)
                if not chunk:
                    if carry:
                        yield _repaired(carry)
                    return
                chunk = carry + chunk
                cut = chunk.rfind("\n")
                if cut < 0:
                    carry, size = chunk, max(size, len(chunk))
                    continue
                block, carry, size = chunk[:cut], chunk[cut + 1 :], _CHUNK_BYTES // 2
                yield _repaired(block) if _suspect(block) else block
    except UnicodeDecodeError:
        raise ImportFormatError(_decode_error(encoding, _first_bad_offset(path, encoding, skip))) from None


def _first_bad_offset(path: Path, encoding: str, skip: int) -> int:
    """Byte offset of the first undecodable byte, found again for the error message."""
    decoder = codecs.getincrementaldecoder(encoding)()
    consumed = skip
    with open(path, "rb") as fh:
        fh.seek(skip)
        while True:
            chunk = fh.read(_CHUNK_BYTES)
            buffered = len(decoder.getstate()[0])
            try:
                decoder.decode(chunk, final=not chunk)
            except UnicodeDecodeError as exc:
                return consumed - buffered + exc.start
            if not chunk:
                return consumed
            consumed += len(chunk)
