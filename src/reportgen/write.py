"""The only code that writes output paths: same input → same bytes, and never a half-written file."""

from __future__ import annotations

import contextlib
import os
import signal
import stat
import struct
import tempfile
import zipfile
import zlib
from collections.abc import Iterable, Iterator
from functools import lru_cache
from pathlib import Path

from reportgen.errors import OutputError, OutputPathError

_EPOCH = (1980, 1, 1, 0, 0, 0)  # the earliest time a zip entry can hold


_LEVEL = 1  # deflate level 1: 0.25 ms less a report than the default, 10 % larger


def package(parts: Iterable[tuple[str, bytes]], replace: dict[str, bytes]) -> bytes:
    """Zip the parts in their order, swapping in `replace`, with fixed entry times: the same bytes every run, and
    the same bytes zipfile writes (tests/test_write.py compares them). The parts not replaced are the scaffold's,
    identical in every report, so each is compressed once per process (_deflated) rather than once per report:
    zipfile offers no way to write an entry already compressed, hence the headers here."""
    local: list[bytes] = []
    central: list[bytes] = []
    offset = 0
    for name, data in parts:
        mine = replace.get(name)
        entry = _deflated(name, data) if mine is None else _entry(name, mine)
        header, crc, packed, size = entry
        local += (header, packed)
        central.append(_CENTRAL.pack(b"PK\x01\x02", 20, 0, 20, 0, _flags(name), zipfile.ZIP_DEFLATED, 0, _DOS_DATE,
                                     crc, len(packed), size, len(name.encode()), 0, 0, 0, 0, 0o644 << 16, offset)
                       + name.encode())
        offset += len(header) + len(packed)
    directory = b"".join(central)
    end = _END.pack(b"PK\x05\x06", 0, 0, len(central), len(central), len(directory), offset, 0)
    return b"".join((*local, directory, end))


_LOCAL = struct.Struct("<4s2B4HL2L2H")  # zipfile's structFileHeader
_CENTRAL = struct.Struct("<4s4B4HL2L5H2L")  # structCentralDir
_END = struct.Struct("<4s4H2LH")  # structEndArchive
_DOS_DATE = (_EPOCH[0] - 1980) << 9 | _EPOCH[1] << 5 | _EPOCH[2]  # 1980-01-01, time 00:00:00


def _flags(name: str) -> int:
    return 0x800 if not name.isascii() else 0  # UTF-8 names, as zipfile marks them


def _entry(name: str, data: bytes) -> tuple[bytes, int, bytes, int]:
    """(local header with the name, CRC, deflated data, size) of one part."""
    deflate = zlib.compressobj(_LEVEL, zlib.DEFLATED, -15)
    packed = deflate.compress(data) + deflate.flush()
    crc = zlib.crc32(data)
    header = _LOCAL.pack(b"PK\x03\x04", 20, 0, _flags(name), zipfile.ZIP_DEFLATED, 0, _DOS_DATE, crc, len(packed),
                         len(data), len(name.encode()), 0) + name.encode()
    return header, crc, packed, len(data)


@lru_cache(maxsize=64)
def _deflated(name: str, data: bytes) -> tuple[bytes, int, bytes, int]:
    return _entry(name, data)


_PENDING: set[str] = set()  # temporary files this process is writing: removed if a signal ends it mid-write
_SIGNALS = {signal.SIGINT, signal.SIGTERM}

_KINDS = {stat.S_IFDIR: "文件夹", stat.S_IFIFO: "命名管道（FIFO）", stat.S_IFCHR: "字符设备", stat.S_IFBLK: "块设备",
          stat.S_IFSOCK: "套接字"}


def discard_pending() -> None:
    """Remove the temporary files this process is writing: called when a signal ends it, so no .tmp is left."""
    for tmp in list(_PENDING):
        with contextlib.suppress(OSError):
            os.unlink(tmp)
    _PENDING.clear()


def writable_target(path: Path) -> int:
    """The mode the file at `path` gets: an existing file's own mode, else what the umask allows, as for any new
    file. Anything but a regular file there (a folder, FIFO, device) is refused: replacing it is never meant."""
    try:
        st = os.stat(path)
    except OSError:
        mask = os.umask(0o022)  # the only way to read the umask; put back at once
        os.umask(mask)
        return 0o666 & ~mask
    if not stat.S_ISREG(st.st_mode):
        kind = _KINDS.get(stat.S_IFMT(st.st_mode), "特殊文件")
        raise OutputPathError(f"{path} 是{kind}，不是普通文件：reportgen 只替换普通文件，没有写入任何内容。"
                              "请换一个输出文件名或位置。")
    return stat.S_IMODE(st.st_mode)


def _mkstemp(path: Path) -> tuple[int, str]:
    """A temporary file beside `path`, recorded in _PENDING with no signal in between, so none escapes cleanup."""
    mask = getattr(signal, "pthread_sigmask", None)
    blocked = mask(signal.SIG_BLOCK, _SIGNALS) if mask else None
    try:
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
        _PENDING.add(tmp)
    finally:
        if mask:
            mask(signal.SIG_SETMASK, blocked)
    return fd, tmp


# A group commit (write.grouped): finished temporary files waiting for one sync, then their renames.
_GROUP: list[tuple[str, Path]] | None = None


@contextlib.contextmanager
def grouped() -> Iterator[None]:
    """Inside, atomic_write leaves each finished file under its temporary name; on leaving, one os.sync() makes
    all of them durable and each is renamed into place — the guarantee of a fsync per file (a reader, even after
    a crash, sees the old file or the whole new one) for one flush per group. A batch writes hundreds of files and
    a fsync can take 20 ms on a busy disk. If the block fails or is interrupted, nothing of the group is renamed
    and its temporary files are removed (discard_pending)."""
    global _GROUP
    if _GROUP is not None or not hasattr(os, "sync"):  # nested, or no os.sync (Windows): a fsync per file
        yield
        return
    group: list[tuple[str, Path]] = []
    _GROUP = group
    try:
        yield
    except BaseException:
        for tmp, _ in group:
            Path(tmp).unlink(missing_ok=True)
            _PENDING.discard(tmp)
        raise
    finally:
        _GROUP = None
    if len(group) == 1:  # one file: its own fsync, not a flush of every disk
        fd = os.open(group[0][0], os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)
    elif group:
        os.sync()
    failed: OutputError | None = None
    for tmp, path in group:  # every file gets its rename; a refusal (permissions changed meanwhile) said after
        try:
            _finish(tmp, path)
        except OutputError as err:
            failed = failed or err
    if failed is not None:
        raise failed


def _not_written(path: Path, err: OSError, opener: str) -> OutputError:
    """A file that could not be replaced: locked by `opener` (EACCES, EBUSY, ETXTBSY; spaces around a Latin name
    are the caller's), else disk or permissions."""
    hint = f"该文件可能正在{opener}中打开，请关闭后重试。" if err.errno in (13, 16, 26) else "请检查磁盘空间和写入权限。"
    return OutputError(f"无法写入 {path}：{err.strerror}。{hint}原有文件未被改动。")


def _finish(tmp: str, path: Path) -> None:
    try:
        os.replace(tmp, path)
    except OSError as err:
        Path(tmp).unlink(missing_ok=True)
        raise _not_written(path, err, " Word/WPS ") from err
    finally:
        _PENDING.discard(tmp)


def atomic_write(path: Path, data: bytes) -> None:
    """Write to a temporary file beside `path`, then rename over it: readers see the old or the new file. Inside
    grouped(), the sync and the rename wait for the group's end."""
    path = Path(path)
    mode = writable_target(path)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = _mkstemp(path)
    except OSError as err:
        raise OutputError(f"无法写入 {path}：{err.strerror}。请检查文件夹是否存在、是否有写入权限。") from err
    kept = False  # still pending in a group: its cleanup belongs to the group
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
            f.flush()
            if _GROUP is None:
                os.fsync(f.fileno())
        os.chmod(tmp, mode)
        if _GROUP is not None:
            _GROUP.append((tmp, path))
            kept = True
            return  # renamed, or removed, when the group ends
        os.replace(tmp, path)
    except OSError as err:
        Path(tmp).unlink(missing_ok=True)
        raise _not_written(path, err, " Word/WPS ") from err
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    finally:
        if not kept:
            _PENDING.discard(tmp)


def atomic_move(made: Path, path: Path) -> None:
    """Rename `made`, a finished file in a temporary folder beside `path` (LibreOffice's PDF), over `path`, with the
    mode atomic_write would give it: readers see the old or the new file, never part of one."""
    path = Path(path)
    mode = writable_target(path)
    try:
        with open(made, "rb") as f:
            os.fsync(f.fileno())
        os.chmod(made, mode)
        os.replace(made, path)
    except OSError as err:
        raise _not_written(path, err, "其他程序") from err
