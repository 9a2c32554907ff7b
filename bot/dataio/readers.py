"""Stream records out of CSV, JSON Lines and JSON-array files without loading the file.

Every reader yields `Record`s (a 1-based line number and a dict) and reports bad input to a
`ProblemLog` instead of raising, so one run can list many problems. `bytes_read` drives a
progress bar whose total is the file size, which needs no counting pass.
"""

from __future__ import annotations

import codecs
import csv
import enum
import json
from collections.abc import Iterator
from pathlib import Path
from typing import IO, Any, NamedTuple

from bot.dataio.problems import ProblemLog

JSON_CHUNK_BYTES = 1 << 20


class _Undecodable(Exception):
    """Raised inside the JSON-array reader once a decoding problem has been logged."""


#: A JSON-array element still incomplete after this many characters is reported, not buffered.
MAX_RECORD_CHARS = 16 << 20


class SourceFormat(enum.StrEnum):
    AUTO = "auto"
    CSV = "csv"
    JSONL = "jsonl"
    JSON = "json"
    LABEL_STUDIO = "label-studio"
    PRODIGY = "prodigy"

    @property
    def container(self) -> SourceFormat:
        """How the file is read: Label Studio tasks are a JSON array, Prodigy's are JSON Lines."""
        if self is SourceFormat.LABEL_STUDIO:
            return SourceFormat.JSON
        if self is SourceFormat.PRODIGY:
            return SourceFormat.JSONL
        return self


def detect_format(path: Path, requested: SourceFormat) -> SourceFormat:
    """The explicit format, else one from the file extension (`.json` is an array of objects).
    Prodigy's `.jsonl` is only read as such when asked: plain JSON Lines could hold any keys."""
    if requested is not SourceFormat.AUTO:
        return requested
    suffix = path.suffix.lower()
    if suffix in {".csv", ".tsv"}:
        return SourceFormat.CSV
    if suffix in {".jsonl", ".ndjson"}:
        return SourceFormat.JSONL
    if suffix == ".json":
        return SourceFormat.JSON
    raise ValueError(f"{path}: cannot tell the format from {suffix!r}; pass --format")


class Record(NamedTuple):
    """One input record (a NamedTuple: built once per line, so it must be cheap to make)."""

    line: int
    fields: dict[str, Any]


def _not_json(constant: str) -> Any:
    """Python's decoder accepts NaN and Infinity; JSON (and both databases) do not."""
    raise ValueError(f"invalid JSON ({constant} is not a JSON value)")


#: Decodes standard JSON only: `NaN`/`Infinity` would pass Python's decoder and then fail in
#: the database, as an error without file and line.
_DECODER = json.JSONDecoder(parse_constant=_not_json)


class RecordReader:
    """Iterate a file's records; the file is opened lazily and closed when iteration ends."""

    def __init__(self, path: Path, fmt: SourceFormat, log: ProblemLog) -> None:
        self.path = path
        self.format = fmt
        self.log = log
        self.bytes_read = 0
        self.records = 0

    def __iter__(self) -> Iterator[Record]:
        with self.path.open("rb") as handle:
            if self.format is SourceFormat.CSV:
                records = self._csv(handle)
            elif self.format is SourceFormat.JSONL:
                records = self._jsonl(handle)
            else:
                records = self._json_array(handle)
            for record in records:
                self.records += 1
                yield record
        if self.records == 0 and not self.log.problems:
            self.log.add(1, "the file has no records (empty file)")

    def _lines(self, handle: IO[bytes]) -> Iterator[tuple[int, str]]:
        """Decoded lines with their numbers; undecodable lines are reported and skipped."""
        for number, raw in enumerate(handle, start=1):
            self.bytes_read += len(raw)
            if number == 1 and raw.startswith(codecs.BOM_UTF8):
                raw = raw[len(codecs.BOM_UTF8) :]
            try:
                yield number, raw.decode("utf-8")
            except UnicodeDecodeError as exc:
                self.log.add(
                    number,
                    f"not UTF-8 text (byte 0x{raw[exc.start]:02x} at column {exc.start + 1}); "
                    "save the file as UTF-8",
                )

    def _jsonl(self, handle: IO[bytes]) -> Iterator[Record]:
        decode = _DECODER.decode
        for number, text in self._lines(handle):
            if not text.strip():
                continue
            try:
                value = decode(text)
            except json.JSONDecodeError as exc:
                self.log.add(number, f"invalid JSON ({exc.msg} at column {exc.colno})")
                continue
            except ValueError as exc:
                self.log.add(number, str(exc))
                continue
            if not isinstance(value, dict):
                self.log.add(number, f"expected a JSON object, found {type(value).__name__}")
                continue
            yield Record(number, value)

    def _csv(self, handle: IO[bytes]) -> Iterator[Record]:
        numbered = self._lines(handle)
        current = [0]

        def texts() -> Iterator[str]:
            for number, text in numbered:
                current[0] = number
                yield text

        reader = csv.reader(texts(), strict=True)
        header: list[str] | None = None
        while True:
            start = current[0] + 1
            try:
                row = next(reader)
            except StopIteration:
                return
            except csv.Error as exc:
                message = str(exc)
                if "field larger than field limit" in message:
                    message = "a field is larger than the limit (100,000 bytes)"
                self.log.add(start, f"malformed CSV ({message})")
                if header is None:
                    return
                continue
            if not row:
                continue
            if header is None:
                header = [name.strip() for name in row]
                duplicates = sorted({n for n in header if header.count(n) > 1})
                if duplicates:
                    self.log.add(start, f"duplicate column names: {', '.join(duplicates)}")
                    return
                continue
            if len(row) != len(header):
                self.log.add(start, f"expected {len(header)} columns, found {len(row)}")
                continue
            yield Record(start, dict(zip(header, row, strict=True)))

    def _json_array(self, handle: IO[bytes]) -> Iterator[Record]:
        try:
            yield from self._array_elements(handle)
        except _Undecodable:
            return

    def _array_elements(self, handle: IO[bytes]) -> Iterator[Record]:
        """Decode one array element at a time from a sliding text buffer."""
        decoder = _DECODER
        text_decoder = codecs.getincrementaldecoder("utf-8-sig")("strict")
        buffer, position, line, raw_lines = "", 0, 1, 0
        eof = False

        def more() -> bool:
            nonlocal buffer, position, eof, raw_lines
            chunk = handle.read(JSON_CHUNK_BYTES)
            self.bytes_read += len(chunk)
            eof = not chunk
            try:
                text = text_decoder.decode(chunk, final=eof)
            except UnicodeDecodeError as exc:
                bad = raw_lines + chunk[: exc.start].count(b"\n") + 1
                self.log.add(bad, "not UTF-8 text; save the file as UTF-8")
                return False
            raw_lines += chunk.count(b"\n")
            buffer = buffer[position:] + text
            position = 0
            return True

        def skip_space() -> bool:
            """Advance past whitespace, reading more as needed; False at end of input."""
            nonlocal position, line
            while True:
                while position < len(buffer) and buffer[position] in " \t\r\n":
                    if buffer[position] == "\n":
                        line += 1
                    position += 1
                if position < len(buffer):
                    return True
                if eof:
                    return False
                if not more():
                    raise _Undecodable

        if not skip_space():
            return
        if buffer[position] != "[":
            self.log.add(line, "expected a JSON array of objects (the file must start with `[`)")
            return
        position += 1
        expect_value = True
        while True:
            if not skip_space():
                self.log.add(line, "invalid JSON (the array is not closed with `]`)")
                return
            char = buffer[position]
            if char == "]" and (not expect_value or self.records == 0):
                return
            if char == "," and not expect_value:
                position += 1
                expect_value = True
                continue
            if not expect_value:
                self.log.add(line, "invalid JSON (expected `,` or `]` between records)")
                return
            while True:
                try:
                    value, end = decoder.raw_decode(buffer, position)
                    break
                except json.JSONDecodeError as exc:
                    if eof and not buffer[exc.pos :].strip():
                        self.log.add(line, "invalid JSON (the file ends inside this record)")
                        return
                    if eof or len(buffer) - position > MAX_RECORD_CHARS:
                        where = line + buffer.count("\n", position, exc.pos)
                        self.log.add(where, f"invalid JSON ({exc.msg})")
                        return
                    if not more():
                        raise _Undecodable from None
                except ValueError as exc:
                    self.log.add(line, str(exc))
                    return
            start = line
            line += buffer.count("\n", position, end)
            position = end
            expect_value = False
            if isinstance(value, dict):
                yield Record(start, value)
            else:
                self.log.add(start, f"expected a JSON object, found {type(value).__name__}")
