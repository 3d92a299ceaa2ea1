"""What reportgen can rebuild but need not on every run — the compiled validator, compiled templates — kept in
the user's cache folder (platformdirs: ~/.cache/reportgen, %LOCALAPPDATA%\\reportgen\\Cache), each entry named by a
hash of everything it is made from, so a changed schema, template or Python gets a new entry and a stale one is
never read. REPORTGEN_CACHE names another folder, or `off` for none. A cache that cannot be written is skipped:
the run is slower, never wrong."""

from __future__ import annotations

import contextlib
import hashlib
import os
import sys
from functools import cache
from pathlib import Path
from typing import Any

ENV = "REPORTGEN_CACHE"


@cache
def folder(kind: str) -> Path | None:
    """The cache folder for one kind of entry, created if needed; None when caching is off or impossible."""
    where = os.environ.get(ENV)
    if where == "off":
        return None
    if not where:
        import platformdirs

        where = platformdirs.user_cache_dir("reportgen", appauthor=False)
    path = Path(where) / kind
    try:
        path.mkdir(parents=True, exist_ok=True)
    except OSError:
        return None
    return path


def key(*parts: str | bytes) -> str:
    """A name for an entry made from `parts` (and this Python, whose bytecode it may hold)."""
    digest = hashlib.sha256(sys.version.encode())
    for part in parts:
        digest.update(part.encode() if isinstance(part, str) else part)
        digest.update(b"\0")
    return digest.hexdigest()[:24]


def read(kind: str, name: str) -> bytes | None:
    path = folder(kind)
    try:
        return (path / name).read_bytes() if path else None
    except OSError:
        return None


def write(kind: str, name: str, data: bytes) -> None:
    """Atomically (a reader sees the whole entry or none); errors ignored."""
    path = folder(kind)
    if path is None:
        return
    tmp = path / f".{name}.{os.getpid()}.tmp"
    try:
        tmp.write_bytes(data)
        os.replace(tmp, path / name)
    except OSError:
        tmp.unlink(missing_ok=True)


def jinja(kind: str, *made_by: Path) -> Any:
    """Jinja's own file cache of compiled templates. Jinja checks each template's source and its bytecode format,
    not the options or code generator that compiled it: those are in `made_by` (our modules that set them up),
    whose bytes, with Jinja's version, name the folder."""
    import jinja2

    path = folder(f"jinja-{kind}-{key(jinja2.__version__, *(p.read_bytes() for p in made_by))}")
    return None if path is None else jinja2.FileSystemBytecodeCache(str(path))


def yaml_data(text: str, name: str) -> Any:
    """Our data files parsed (phrases.yaml is 64 KB: PyYAML's Python parser takes 0.4 s over it, more than a whole
    build): libyaml when PyYAML has it, and the result kept, named by the text, for the next start. Raises
    yaml.YAMLError for a file that does not parse; `name` is only for the cache entry's name."""
    import marshal

    entry = key("yaml", name, text) + ".marshal"
    if (data := read("yaml", entry)) is not None:
        try:
            return marshal.loads(data)
        except (EOFError, ValueError, TypeError):
            pass
    import yaml

    parsed = yaml.load(text, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))
    with contextlib.suppress(ValueError):  # a value marshal cannot hold (a date): parsed again next time
        write("yaml", entry, marshal.dumps(parsed))
    return parsed
