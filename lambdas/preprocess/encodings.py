"""Text encodings of raw files: which are read, and what a refusal tells the user to do.

Read without being asked: UTF-8 (with or without a byte-order mark) and UTF-16 with a BOM.
Any other encoding is read only when the execution input names it (`sourceEncoding`); otherwise
the file is refused with the encoding it most likely is (charset-normalizer guesses it: a
well-kept detector, rather than hand-written byte statistics) and the exact command that
converts it. The raw object is never modified: decoding happens in memory.
"""

from __future__ import annotations

import codecs
from dataclasses import dataclass

import charset_normalizer

DETECTION_SAMPLE_BYTES = 256 * 1024
"""Bytes handed to the detector: enough for a reliable guess, bounded for large files."""

_BOMS: tuple[tuple[bytes, str], ...] = (
    # UTF-32 LE's BOM starts with UTF-16 LE's, so it is checked first (and refused below).
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)

_ICONV_NAMES = {
    "cp932": "CP932",
    "shift_jis": "CP932",  # Excel's "Shift_JIS" is Microsoft's CP932, a superset of it
    "shift_jis_2004": "CP932",
    "shift_jisx0213": "CP932",
    "euc_jp": "EUC-JP",
    "euc_jis_2004": "EUC-JP",
    "euc_jisx0213": "EUC-JP",
    "iso2022_jp": "ISO-2022-JP",
    "utf_16_le": "UTF-16LE",
    "utf_16_be": "UTF-16BE",
    "utf_32": "UTF-32",
    "utf_32_le": "UTF-32LE",
    "utf_32_be": "UTF-32BE",
    "latin_1": "ISO-8859-1",
    "gb2312": "GB18030",
    "gbk": "GB18030",
    "big5hkscs": "BIG5-HKSCS",
}
"""Python codec name -> the name iconv knows it by (where it is not the upper-cased codec name)."""

_SOURCE_ENCODING_NAMES = {"CP932": "cp932", "EUC-JP": "euc_jp", "UTF-16LE": "utf-16-le", "UTF-16BE": "utf-16-be"}


class EncodingRefused(Exception):
    """The bytes are not in an encoding this pipeline reads; the message says what they are and the fix."""


@dataclass(frozen=True)
class Decoding:
    codec: str
    """The Python codec used (utf-8-sig, utf-16, or the named sourceEncoding)."""
    label: str
    """How it is reported: 'UTF-8', 'UTF-8 with BOM', 'UTF-16 with BOM', or the sourceEncoding."""


def canonical(name: str) -> str:
    """The Python codec name of a `sourceEncoding` value; ValueError when Python knows no such codec."""
    try:
        return codecs.lookup(name).name
    except LookupError:
        raise ValueError(f"unknown encoding {name!r} (examples: cp932, shift_jis, euc_jp, utf-16-le)") from None


def choose(head: bytes, declared: str | None, file: str = "in.csv") -> Decoding:
    """The decoding of a file from its first bytes and the declared encoding. A byte-order mark
    is unambiguous, so it wins over `sourceEncoding`; UTF-32 is refused (no spreadsheet writes it)."""
    for bom, codec in _BOMS:
        if head.startswith(bom):
            if codec == "utf-32":
                raise EncodingRefused(_refusal("utf_32", None, "the file starts with a UTF-32 byte-order mark", file))
            return Decoding(codec, "UTF-8 with BOM" if codec == "utf-8-sig" else "UTF-16 with BOM")
    if declared is not None and canonical(declared) != "utf-8":
        return Decoding(canonical(declared), declared)
    return Decoding("utf-8", "UTF-8")


def guess(sample: bytes) -> str | None:
    """The most likely Python codec name of bytes that are not UTF-8, or None."""
    best = charset_normalizer.from_bytes(sample[:DETECTION_SAMPLE_BYTES]).best()
    return None if best is None else str(best.encoding)


def iconv_name(codec: str) -> str:
    return _ICONV_NAMES.get(codec, codec.upper().replace("_", "-"))


def _converted_name(file: str) -> str:
    name = file.rsplit("/", 1)[-1]
    stem, dot, ext = name.rpartition(".")
    return f"{stem}.utf8.{ext}" if dot else f"{name}.utf8"


def _refusal(codec: str | None, line: int | None, what: str, file: str) -> str:
    """`file`: the object key; the fix names its file so that it can be pasted."""
    where = f" (first at line {line})" if line else ""
    if codec is None:
        return (
            f"{what}{where}, and its encoding could not be recognised; save it as UTF-8 "
            "(Excel: Save As > CSV UTF-8) or name the encoding with sourceEncoding "
            "(an upload to raw/: its source-encoding metadata)"
        )
    name = iconv_name(codec)
    source = _SOURCE_ENCODING_NAMES.get(name, codec.replace("_", "-"))
    return (
        f"{what}{where}; it looks like {name}: convert it with "
        f"`iconv -f {name} -t UTF-8 {file.rsplit('/', 1)[-1]} > {_converted_name(file)}` "
        f'or start the run with "sourceEncoding": "{source}" '
        f"(an upload to raw/: `--metadata source-encoding={source}`)"
    )


def not_utf8(sample: bytes, line: int | None, file: str) -> str:
    """The one-line refusal of bytes that are not UTF-8, naming the likely encoding and the fix."""
    return _refusal(guess(sample), line, "not UTF-8 text", file)


def decode(data: bytes, declared: str | None, file: str) -> tuple[str, Decoding]:
    """The text of a whole file; EncodingRefused with the one-line reason and fix. A file that is
    valid UTF-8 is read as UTF-8 even when `sourceEncoding` names another encoding: the run's
    other files may be UTF-8, and text in CP932 or the like is practically never valid UTF-8,
    while decoding UTF-8 as CP932 would silently garble it."""
    decoding = choose(data[:4], declared, file)
    if decoding.codec not in ("utf-8", "utf-8-sig", "utf-16"):
        try:
            return codecs.decode(data, "utf-8"), Decoding("utf-8", "UTF-8")
        except UnicodeDecodeError:
            pass
    try:
        return codecs.decode(data, decoding.codec), decoding
    except UnicodeDecodeError as error:
        line = data.count(b"\n", 0, error.start) + 1
        if decoding.codec == "utf-8":
            raise EncodingRefused(not_utf8(data, line, file)) from None
        if decoding.codec in ("utf-8-sig", "utf-16"):
            raise EncodingRefused(
                f"not valid {decoding.label} text (invalid bytes near line {line}); re-export it as UTF-8"
            ) from None
        raise EncodingRefused(
            _refusal(guess(data), line, f"not valid {declared} text (sourceEncoding)", file)
        ) from None
