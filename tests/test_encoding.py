"""Reading text exports: whatever encoding and line ends a transcript arrives in, the lines come out right."""

from __future__ import annotations

import codecs
import tracemalloc
from pathlib import Path

import pytest

from notebase.encoding import open_text_lines, repair_mojibake
from notebase.message import ImportFormatError

SHARED = Path(__file__).parents[2] / "shared"
SEED = SHARED / "seeds" / "telegram-notes.txt"

TEXT = "Alex Kim, [1/15/26 8:20\u202fAM]\nCafé “écrit” — ok 🛡\n\nlast line"
LINES = ["Alex Kim, [1/15/26 8:20\u202fAM]", "Café “écrit” — ok 🛡", "", "last line"]


def write(tmp_path: Path, data: bytes, name: str = "t.txt") -> Path:
    path = tmp_path / name
    path.write_bytes(data)
    return path


@pytest.mark.parametrize(
    "data",
    [
        pytest.param(TEXT.encode(), id="utf-8"),
        pytest.param(codecs.BOM_UTF8 + TEXT.encode(), id="utf-8 with BOM"),
        pytest.param(codecs.BOM_UTF16_LE + TEXT.encode("utf-16-le"), id="utf-16 LE"),
        pytest.param(codecs.BOM_UTF16_BE + TEXT.encode("utf-16-be"), id="utf-16 BE"),
        pytest.param(TEXT.replace("\n", "\r\n").encode(), id="CRLF"),
        pytest.param(TEXT.replace("\n", "\r").encode(), id="CR"),
        pytest.param(codecs.BOM_UTF16_LE + TEXT.replace("\n", "\r\n").encode("utf-16-le"), id="utf-16 LE CRLF"),
        pytest.param((TEXT + "\n").encode(), id="final newline"),
        pytest.param((TEXT + "\r\n").encode(), id="final CRLF"),
    ],
)
def test_every_encoding_and_line_end_gives_the_same_lines(tmp_path: Path, data: bytes) -> None:
    assert list(open_text_lines(write(tmp_path, data))) == LINES


def test_blank_lines_at_the_end_are_kept(tmp_path: Path) -> None:
    assert list(open_text_lines(write(tmp_path, b"a\n\n\n"))) == ["a", "", ""]
    assert list(open_text_lines(write(tmp_path, b"a\r\n\r"))) == ["a", ""]


def test_line_ends_and_characters_split_across_reads(tmp_path: Path) -> None:
    # A CRLF straddling the 256 KiB read boundary, an "é" straddling the 512 KiB one.
    first = "x" * (256 * 1024 - 1)
    second = "y" * (512 * 1024 - 1 - (len(first) + 2)) + "é"
    lines = [first, second, "end"]
    data = "\r\n".join(lines).encode()
    assert data[256 * 1024 - 1 : 256 * 1024 + 1] == b"\r\n"
    assert data[512 * 1024 - 1 : 512 * 1024 + 1] == "é".encode()
    assert list(open_text_lines(write(tmp_path, data))) == lines


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"", "file is empty"),
        (codecs.BOM_UTF8, "file is empty"),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "binary file (contains NUL bytes)"),
        (b"Alex, [1/15/26 8:20 AM]\nna\xefve\n", "not UTF-8 text (invalid byte at offset 26)"),
        (b"caf\xe9 au lait", "not UTF-8 text (invalid byte at offset 3)"),
    ],
)
def test_unreadable_files_fail_before_any_line(tmp_path: Path, data: bytes, message: str) -> None:
    with pytest.raises(ImportFormatError, match=message.replace("(", r"\(").replace(")", r"\)")):
        open_text_lines(write(tmp_path, data))


def test_a_bad_byte_deep_in_the_file_is_an_import_error_with_its_offset(tmp_path: Path) -> None:
    good = b"Alex, [1/15/26 8:20 AM]\nsome note\n\n" * 20_000  # far beyond the eagerly checked head
    path = write(tmp_path, good + b"caf\xe9\n")
    lines = open_text_lines(path)
    with pytest.raises(ImportFormatError, match=f"invalid byte at offset {len(good) + 3}"):
        list(lines)


def test_utf16_without_valid_pairs_is_an_import_error(tmp_path: Path) -> None:
    data = codecs.BOM_UTF16_LE + "ok\n".encode("utf-16-le") + b"\x00\xd8" + "x".encode("utf-16-le")
    with pytest.raises(ImportFormatError, match="not UTF-16-LE text"):
        list(open_text_lines(write(tmp_path, data)))


@pytest.mark.parametrize(
    ("broken", "fixed"),
    [
        ("1/15/26 8:20‚ÄØAM", "1/15/26 8:20\u202fAM"),  # Mac Roman, narrow no-break space
        ("Let‚Äôs explore", "Let\u2019s explore"),
        ("2026¬†Cursor", "2026\u00a0Cursor"),
        ("Cursor\uf8ffüõ°", "Cursor🛡"),
        ("‚Üê Previous post", "← Previous post"),
        ("Letâ€™s explore", "Let\u2019s explore"),  # Windows-1252
        ("lâ€™Ã©tÃ© Ã\xa0 Paris", "l’été à Paris"),
        ("cafÃ©", "café"),
        ("Ã\x81gua", "Água"),  # C1 control kept by Windows for an undefined cp1252 byte
    ],
)
def test_mojibake_is_repaired(broken: str, fixed: str) -> None:
    assert repair_mojibake(broken) == fixed


@pytest.mark.parametrize(
    "legit",
    [
        "“écrit” —à",
        "naïve café in Zürich",
        "l’été — déjà vu…",
        "Ronny Gunawan \ufe0f",
        "Привет, 日本語, 🙂🚀",
        "Â la carte",
        "1/15/26 8:20\u202fAM",
        "ÄÖÜ äöü ß",
    ],
)
def test_legitimate_text_is_left_alone(legit: str) -> None:
    assert repair_mojibake(legit) == legit


def test_ascii_lines_are_returned_as_is() -> None:
    line = "Buy milk"
    assert repair_mojibake(line) is line


def test_open_text_lines_repairs_each_line_on_its_own(tmp_path: Path) -> None:
    text = "precious, [1/15/26 8:20‚ÄØAM]\nLet‚Äôs go\n“écrit” —à\nplain\n"
    assert list(open_text_lines(write(tmp_path, text.encode()))) == [
        "precious, [1/15/26 8:20\u202fAM]",
        "Let\u2019s go",
        "“écrit” —à",
        "plain",
    ]


def test_blocks_hold_the_same_lines(tmp_path: Path) -> None:
    lines = [f"line {n} é" if n % 7 else "" for n in range(60_000)]
    path = write(tmp_path, "\n".join(lines).encode())
    blocks = list(open_text_lines(path).blocks())
    assert len(blocks) > 1
    assert "\n".join(blocks).split("\n") == lines


def test_blocks_after_lines_were_taken_is_refused(tmp_path: Path) -> None:
    reader = open_text_lines(write(tmp_path, b"a\nb\n"))
    assert next(reader) == "a"
    with pytest.raises(RuntimeError):
        reader.blocks()
    assert list(reader) == ["b"]


def test_memory_stays_flat_on_a_big_file(tmp_path: Path) -> None:
    note = "Alex Kim, [1/15/26 8:20\u202fAM]\nA note of ordinary length with a link https://example.org/x\n\n"
    path = tmp_path / "big.txt"
    with path.open("w", encoding="utf-8") as fh:
        for _ in range(40):
            fh.write(note * 5_000)  # ~20 MB in all
    tracemalloc.start()
    try:
        count = sum(1 for _ in open_text_lines(path))
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert count == 40 * 5_000 * 3
    assert peak < 12_000_000


def test_real_mac_roman_export_comes_out_clean() -> None:
    if not SEED.exists():
        pytest.skip("../shared/seeds/telegram-notes.txt is not available")
    lines = list(open_text_lines(SEED))
    assert lines[0] == "precious, [1/15/26 8:20\u202fAM]"
    text = "\n".join(lines)
    assert "‚Ä" not in text and "¬†" not in text and "üõ°" not in text
    assert "Let\u2019s explore" in text
    assert "Cursor🛡\u00a0[SOC 2 Certified]" in text


def test_a_line_longer_than_many_reads(tmp_path: Path) -> None:
    long_line = "é" * 3_000_000  # 6 MB, no newline for two dozen reads
    path = write(tmp_path, f"first\n{long_line}\nlast".encode())
    assert list(open_text_lines(path)) == ["first", long_line, "last"]
    utf16 = write(tmp_path, codecs.BOM_UTF16_LE + f"first\r\n{long_line}".encode("utf-16-le"), "16.txt")
    assert list(open_text_lines(utf16)) == ["first", long_line]
