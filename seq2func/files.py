"""Reading and writing source files without losing a byte.

Decoding follows Python's own rules (PEP 263 cookie, UTF-8 BOM) and keeps
line endings; writing goes to a temporary file in the same folder that is
renamed over the original, so a killed run leaves the old file or the new
one, never half of either.
"""

from __future__ import annotations

import io
import os
import stat
import tempfile
import tokenize
from dataclasses import dataclass
from pathlib import Path

from .diagnostics import BINARY_FILE, UNDECODABLE, UNREADABLE


class FileError(Exception):
    """A file that cannot be processed: `code` is S2F002..S2F005, `reason` says why."""

    def __init__(self, code: str, reason: str):
        super().__init__(f"{code} {reason}")
        self.code = code
        self.reason = reason


@dataclass(frozen=True)
class SourceText:
    text: str
    encoding: str


def read_bytes(path: Path) -> bytes:
    try:
        return path.read_bytes()
    except FileNotFoundError:
        raise FileError(UNREADABLE, "cannot read: the file no longer exists") from None
    except IsADirectoryError:
        raise FileError(UNREADABLE, "cannot read: it is a directory") from None
    except OSError as error:
        raise FileError(UNREADABLE, f"cannot read: {error.strerror or error}") from None


def decode(data: bytes) -> SourceText:
    """Decode as Python does; the text keeps `\\r\\n` and every other byte."""
    if b"\0" in data:
        raise FileError(BINARY_FILE, "not a text file: it contains NUL bytes")
    try:
        encoding, _ = tokenize.detect_encoding(io.BytesIO(data).readline)
        text = data.decode(encoding)
    except (SyntaxError, LookupError) as error:
        raise FileError(UNDECODABLE, f"cannot decode: {error}") from None
    except UnicodeDecodeError as error:
        raise FileError(UNDECODABLE, f"cannot decode: {error}") from None
    return SourceText(text=text, encoding=encoding)


def encode(text: str, encoding: str) -> bytes:
    return text.encode(encoding)


def atomic_write(path: Path, data: bytes) -> None:
    """Replace `path` with `data` in one rename, keeping the file's permission bits."""
    mode = stat.S_IMODE(os.stat(path).st_mode)
    descriptor, temporary = tempfile.mkstemp(
        prefix=f".{path.name}.", suffix=".s2f-tmp", dir=path.parent
    )
    try:
        with os.fdopen(descriptor, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(temporary, mode)
        os.replace(temporary, path)
    except BaseException:
        try:
            os.unlink(temporary)
        except FileNotFoundError:
            pass
        raise
