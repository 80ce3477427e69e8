"""The .fnet model file: versioned, checksummed, validated before anything is allocated, saved atomically.

Layout (all integers little-endian)::

    8 bytes   magic  b"FASTNET\\0"
    u32       format version
    u32       header length H
    H bytes   header: UTF-8 JSON (architecture, loss, dtype, seed, RNG state, array table)
    u32       CRC-32 of the header
    ...       arrays: raw little-endian values at the offsets the header gives, each with its own CRC-32

The reader trusts nothing: every length is checked against the file's size before use, the JSON is parsed
(never executed), and every field is type-checked. Written in Python on purpose: it is I/O-bound, and json, zlib
and os.replace are well-hardened; the C++ core stays free of file formats for now.
"""

from __future__ import annotations

import errno
import json
import os
import re
import socket
import stat
import struct
import tempfile
import zlib
from typing import Any, BinaryIO, Dict, List, Optional, Tuple

import numpy as np

MAGIC = b"FASTNET\0"
FORMAT_VERSION = 2
#: version 2 adds per-neuron steepness, activations and FANN's clamp to the layer entries; a file that uses none
#: of them is still written as version 1, which older fastnet versions read
_PLAIN_VERSION = 1
_PREFIX = struct.Struct("<8sII")
_MAX_HEADER = 16 << 20
#: JSON nesting allowed in a header (fastnet writes 4 levels); deeper would make json.loads recurse to a
#: RecursionError, so it is refused by a scan before parsing
_MAX_JSON_DEPTH = 64
_READ_CHUNK = 1 << 24


class ModelFormatError(ValueError):
    """A file that is not a valid fastnet model (truncated, corrupted, wrong magic, newer version, ...)."""


def open_regular(path: str, what: str = "file") -> Tuple[BinaryIO, int]:
    """(binary file object, size in bytes) of the regular file `path`, for every loader.

    Devices (/dev/zero), FIFOs and sockets are refused with a ValueError: they have no size to check a header
    against and may never end. The file is opened non-blocking first, so that opening a FIFO with no writer
    does not hang, and the type is checked on the opened descriptor (no race between a check and the open).
    FileNotFoundError, PermissionError and IsADirectoryError propagate as open() raises them.
    """
    path = os.fspath(path)
    flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_BINARY", 0)
    fd = os.open(path, flags)
    try:
        st = os.fstat(fd)
        if stat.S_ISDIR(st.st_mode):
            raise IsADirectoryError(errno.EISDIR, os.strerror(errno.EISDIR), path)
        if not stat.S_ISREG(st.st_mode):
            raise ValueError(f"{path}: not a regular file (a device, FIFO or socket), so not a {what}: fastnet "
                             "reads only regular files, whose size it can check before reading")
        if getattr(os, "O_NONBLOCK", 0):
            os.set_blocking(fd, True)
        f = os.fdopen(fd, "rb")
    except BaseException:
        os.close(fd)
        raise
    return f, st.st_size


def read_regular(path: str, what: str = "file", max_bytes: Optional[int] = None) -> bytes:
    """The bytes of the regular file `path` (see open_regular), at most its size when opened, and refused with a
    ValueError when that exceeds `max_bytes`."""
    f, size = open_regular(path, what)
    with f:
        if max_bytes is not None and size > max_bytes:
            raise ValueError(f"{path}: {size} bytes, larger than a {what} may be ({max_bytes} bytes)")
        return read_exactly(f, size, lambda have: ValueError(f"{path}: the file shrank while being read "
                                                             f"({have} of {size} bytes)"))


def read_exactly(f: BinaryIO, n: int, short: Any) -> bytes:
    """n bytes from f, read in chunks so that memory follows what actually arrives (a header that claims more
    than the stream holds costs at most what it holds); raises short(bytes read) if the stream ends first."""
    if n <= _READ_CHUNK:
        data = f.read(n)
        if len(data) != n:
            raise short(len(data))
        return data
    chunks = []
    have = 0
    while have < n:
        chunk = f.read(min(_READ_CHUNK, n - have))
        if not chunk:
            raise short(have)
        chunks.append(chunk)
        have += len(chunk)
    return b"".join(chunks)


# a JSON string, or an unterminated one up to the end: every '"' then matches, so the scan stays linear (a
# pattern that could fail would be retried from each later quote, quadratic on a hostile header)
_JSON_STRING = re.compile(rb'"[^"\\]*(?:\\.[^"\\]*)*(?:"|\\?\Z)', re.DOTALL)
_NOT_BRACKETS = bytes(c for c in range(256) if c not in b"[]{}")


def json_depth(text: bytes) -> int:
    """The deepest bracket nesting of a JSON text, brackets inside strings not counted. Linear and at C speed
    (a regex drops the strings, translate keeps the brackets, numpy counts them a block at a time), so a
    hostile header costs no more than its length. Unbalanced input may give a wrong depth; json.loads then
    rejects it."""
    brackets = _JSON_STRING.sub(b"", text).translate(None, _NOT_BRACKETS)
    depth = deepest = 0
    for i in range(0, len(brackets), 1 << 20):
        b = np.frombuffer(brackets, dtype=np.uint8, count=min(1 << 20, len(brackets) - i), offset=i)
        levels = depth + np.cumsum(np.where((b == ord("[")) | (b == ord("{")), 1, -1))
        deepest = max(deepest, int(levels.max()))
        depth = int(levels[-1])
    return deepest


def encode(header: Dict[str, Any], arrays: List[Tuple[str, np.ndarray]]) -> bytes:
    table = []
    blobs = []
    offset = 0
    for name, arr in arrays:
        if arr.dtype.kind == "f" and arr.size and not (np.isfinite(arr.min()) and np.isfinite(arr.max())):
            # decode() refuses such a file: better no file (and the old one kept) than one that cannot be loaded
            raise ValueError(f"array {name!r} holds NaN or infinite values: refusing to write a model that "
                             "could not be loaded back")
        data = np.ascontiguousarray(arr).astype(arr.dtype.newbyteorder("<"), copy=False).tobytes()
        table.append({"name": name, "dtype": np.dtype(arr.dtype).str.lstrip("<>=|"), "shape": list(arr.shape),
                      "offset": offset, "nbytes": len(data), "crc32": zlib.crc32(data)})
        blobs.append(data)
        offset += len(data)
    header = dict(header, arrays=table)
    version = FORMAT_VERSION if any(isinstance(L, dict) and ("steepness" in L or "activations" in L or
                                                              "fann_clip" in L)
                                    for L in header.get("layers", [])) else _PLAIN_VERSION
    hbytes = json.dumps(header, sort_keys=True).encode("utf-8")
    return b"".join([_PREFIX.pack(MAGIC, version, len(hbytes)), hbytes,
                     struct.pack("<I", zlib.crc32(hbytes))] + blobs)


def peek_header(buf: bytes, source: str = "<bytes>") -> Dict[str, Any]:
    """The JSON header alone (magic, version and its checksum verified), to see what kind of model a file holds;
    decode() validates everything else."""
    return _header(buf, source)[0]


def _failer(source: str) -> Any:
    def fail(msg: str) -> ModelFormatError:
        return ModelFormatError(f"{source}: not a valid fastnet model: {msg}")
    return fail


def _header(buf: bytes, source: str, file_size: Optional[int] = None) -> Tuple[Dict[str, Any], int]:
    """(header, its length) after checking magic, version, length and checksum. `buf` holds at least the prefix,
    header and header checksum; `file_size` (default len(buf)) is what the lengths are checked against."""
    fail = _failer(source)
    size = len(buf) if file_size is None else file_size
    if size < _PREFIX.size + 4 or len(buf) < _PREFIX.size:
        raise fail(f"file is too short ({size} bytes)")
    magic, version, hlen = _PREFIX.unpack_from(buf, 0)
    if magic != MAGIC:
        raise fail("wrong magic bytes (is this a fastnet .fnet file?)")
    if version > FORMAT_VERSION or version < 1:
        raise fail(f"format version {version} is not supported (this fastnet reads up to {FORMAT_VERSION}); "
                   "upgrade fastnet to read it")
    if hlen > _MAX_HEADER or _PREFIX.size + hlen + 4 > size:
        raise fail(f"header length {hlen} exceeds the file size ({size} bytes): truncated or corrupted")
    if _PREFIX.size + hlen + 4 > len(buf):
        raise fail(f"the file ends inside its header ({len(buf)} of {size} bytes read): truncated")
    hbytes = buf[_PREFIX.size:_PREFIX.size + hlen]
    (hcrc,) = struct.unpack_from("<I", buf, _PREFIX.size + hlen)
    if zlib.crc32(hbytes) != hcrc:
        raise fail("header checksum mismatch: the file is corrupted")
    if json_depth(hbytes) > _MAX_JSON_DEPTH:
        raise fail(f"header JSON is nested deeper than {_MAX_JSON_DEPTH} levels")
    try:
        header = json.loads(hbytes.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise fail(f"header is not valid JSON: {exc}") from None
    except RecursionError:  # belt and braces: the scan above should have caught it
        raise fail("header JSON is nested too deeply") from None
    if not isinstance(header, dict) or not isinstance(header.get("arrays"), list):
        raise fail("header lacks its array table")
    return header, hlen


#: (name, dtype code, shape, offset, nbytes, crc32) of one array, as the table gives it once validated
_Entry = Tuple[str, str, List[int], int, int, int]
_MAX_NDIM = 32
_MAX_DIM = 2**31 - 1  # no fastnet array has a dimension beyond int32 (layer sizes and connection counts)


def _entries(header: Dict[str, Any], data_len: int, source: str) -> List[_Entry]:
    """The header's array table, every size checked against the others and against the `data_len` bytes that
    follow the header, before anything is read or allocated."""
    fail = _failer(source)
    out: List[_Entry] = []
    names = set()
    for entry in header["arrays"]:
        if not isinstance(entry, dict):
            raise fail("array table entry is not an object")
        name, dtype, shape = entry.get("name"), entry.get("dtype"), entry.get("shape")
        offset, nbytes, crc = entry.get("offset"), entry.get("nbytes"), entry.get("crc32")
        if not isinstance(name, str) or dtype not in ("f4", "f8", "i4", "u8") or not isinstance(shape, list):
            raise fail(f"array entry {entry!r:.200} is malformed")
        if name in names:
            raise fail(f"array {name!r} appears twice in the array table")
        names.add(name)
        if len(shape) > _MAX_NDIM:  # (before multiplying: a long list of big dimensions is a slow bignum)
            raise fail(f"array {name!r} has {len(shape)} dimensions (at most {_MAX_NDIM})")
        if not all(isinstance(v, int) and not isinstance(v, bool) and v >= 0 for v in shape + [offset, nbytes, crc]):
            raise fail(f"array {name!r} has negative or non-integer sizes")
        assert isinstance(offset, int) and isinstance(nbytes, int) and isinstance(crc, int)  # checked just above
        count = 1
        for d in shape:
            count *= d
        itemsize = np.dtype(dtype).itemsize
        if count * itemsize != nbytes:
            raise fail(f"array {name!r}: shape {shape} does not match its {nbytes} bytes")
        if offset + nbytes > data_len:
            raise fail(f"array {name!r} extends past the end of the file: truncated (it ends at byte "
                       f"{offset + nbytes} of the arrays, the file holds {data_len})")
        if any(d > _MAX_DIM for d in shape):  # (only an empty array gets here with one: its other dimension is 0)
            raise fail(f"array {name!r}: a dimension of shape {shape} exceeds {_MAX_DIM}")
        out.append((name, dtype, shape, offset, nbytes, crc))
    return out


def _check_end(header: Dict[str, Any], data_len: int, source: str) -> None:
    # encode() writes the arrays back to back: the table says where the file ends, and bytes past that are damage
    # (a concatenation, a partial overwrite), not part of any model
    end = max((e["offset"] + e["nbytes"] for e in header["arrays"]), default=0)
    if data_len != end:
        raise _failer(source)(f"{data_len - end} bytes after the last array: the file is corrupted")


def decode(buf: bytes, source: str = "<bytes>") -> Tuple[Dict[str, Any], Dict[str, np.ndarray]]:
    fail = _failer(source)
    header, hlen = _header(buf, source)
    data_start = _PREFIX.size + hlen + 4
    arrays: Dict[str, np.ndarray] = {}
    for name, dtype, shape, offset, nbytes, crc in _entries(header, len(buf) - data_start, source):
        blob = buf[data_start + offset:data_start + offset + nbytes]
        if zlib.crc32(blob) != crc:
            raise fail(f"array {name!r} checksum mismatch: the file is corrupted")
        little = np.frombuffer(blob, dtype=np.dtype("<" + dtype))
        arr = little.astype(np.dtype(dtype), copy=True).reshape(shape)
        if dtype in ("f4", "f8") and arr.size and not (np.isfinite(arr.min()) and np.isfinite(arr.max())):
            # (min/max propagate NaN without a boolean array the size of the data)
            raise fail(f"array {name!r} holds NaN or infinite values")
        arrays[name] = arr
    _check_end(header, len(buf) - data_start, source)
    return header, arrays


def read_model(path: str, arrays: bool = True) -> Tuple[bytes, Dict[str, Any], int]:
    """(bytes, header, file size) of the .fnet file `path`, reading no more than its header allows.

    The prefix is read first, then the header (its length checked against the file's size), then, when
    `arrays`, exactly the bytes the array table covers (each array checked to lie within the file): a lying
    header fails before any large read or allocation. Devices, FIFOs and sockets are refused (open_regular).
    Without `arrays` the returned bytes are the prefix and header only (for model_info); decode() the bytes
    to verify the array checksums and values."""
    f, size = open_regular(path, "fastnet model file")
    with f:
        head = f.read(_PREFIX.size)
        if len(head) == _PREFIX.size:
            hlen = _PREFIX.unpack_from(head, 0)[2]
            if head[:len(MAGIC)] == MAGIC and hlen <= _MAX_HEADER and _PREFIX.size + hlen + 4 <= size:
                head += f.read(hlen + 4)
        header, hlen = _header(head, path, file_size=size)
        data_start = _PREFIX.size + hlen + 4
        table = _entries(header, size - data_start, path)
        if not arrays:
            return head, header, size
        extent = max((offset + nbytes for _, _, _, offset, nbytes, _ in table), default=0)
        _check_end(header, size - data_start, path)
        data = read_exactly(f, extent, lambda have: _failer(path)(
            f"the file ends after {data_start + have} of the {data_start + extent} bytes its header announces"))
    return head + data, header, size


# Temporary files of write_atomic: ".fnet-<pid>-<host tag>-<random>.tmp" beside the target. The PID and host tag
# let a later save in the same folder recognize (and delete) the leftovers of a writer that was killed, and only
# those: a file of a live process, or of a process on another host sharing the folder, is never touched.
_TMP_PREFIX = ".fnet-"
_TMP_SUFFIX = ".tmp"
_TMP_NAME = re.compile(r"\.fnet-([0-9]+)-([0-9a-f]{8})-[A-Za-z0-9_]+\.tmp\Z")


def _host_tag() -> str:
    return f"{zlib.crc32(socket.gethostname().encode('utf-8', 'replace')):08x}"


def _pid_alive(pid: int) -> bool:
    if pid <= 0:
        return True  # not a process we can ask about: keep its file
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except (OSError, OverflowError):  # PermissionError: someone else's live process; keep its file
        return True
    return True


def remove_stale_temporaries(directory: str) -> List[str]:
    """Delete the temporary files that write_atomic calls killed mid-save (kill -9, power loss) left in
    `directory`: those of this host whose writer PID no longer runs. Returns the names removed; never raises."""
    removed: List[str] = []
    if os.name != "posix":  # os.kill(pid, 0) is a liveness probe only on POSIX: on Windows it kills the process
        return removed
    try:
        names = os.listdir(directory)
    except OSError:
        return removed
    me, host = os.getpid(), _host_tag()
    for name in names:
        m = _TMP_NAME.match(name)
        if m is None or m.group(2) != host or int(m.group(1)) == me or _pid_alive(int(m.group(1))):
            continue
        full = os.path.join(directory, name)
        try:
            if stat.S_ISREG(os.lstat(full).st_mode):
                os.unlink(full)
                removed.append(name)
        except OSError:
            pass
    return removed


def _renamed(exc: OSError, path: str) -> OSError:
    """The same error (same errno, so the same OSError subclass) naming `path` instead of a temporary file."""
    if exc.errno is None:
        return OSError(f"{path}: {exc.strerror or exc}")
    return OSError(exc.errno, exc.strerror or os.strerror(exc.errno), path)


def check_replaceable(path: str) -> Tuple[str, Optional[os.stat_result]]:
    """(the file a save to `path` writes -- symlinks resolved --, its stat or None if it does not exist yet).

    Raises, naming `path`: IsADirectoryError for a folder; OSError (EINVAL) for a device node, FIFO or socket
    (saving must not replace /dev/null or a pipe with a regular file); PermissionError for a read-only file
    (no write bit at all: checked on the mode bits, so that it holds for root too, whom the OS would let
    write); OSError (EMLINK) for a file with several hard links (see write_atomic)."""
    path = os.fspath(path)
    real = os.path.realpath(path)
    try:
        st: Optional[os.stat_result] = os.stat(real)
    except FileNotFoundError:
        st = None  # a new file (or a dangling symlink: the save creates its target, as open() would)
    except OSError as exc:  # a symlink loop, a path through a file, no permission on a folder
        raise _renamed(exc, path) from None
    if st is None:
        return real, None
    if stat.S_ISDIR(st.st_mode):
        raise IsADirectoryError(errno.EISDIR, "is a folder, not a file", path)
    if not stat.S_ISREG(st.st_mode):
        kind = ("a FIFO" if stat.S_ISFIFO(st.st_mode) else "a socket" if stat.S_ISSOCK(st.st_mode)
                else "a device node")
        raise OSError(errno.EINVAL, f"is {kind}, not a regular file: refusing to replace it", path)
    if st.st_mode & 0o222 == 0:
        raise PermissionError(errno.EACCES, "the file is read-only: refusing to overwrite it (make it writable "
                              "or save under another name)", path)
    if st.st_nlink > 1:
        raise OSError(errno.EMLINK, f"the file has {st.st_nlink} hard links: saving would replace only this "
                      "name and leave the other links with the old contents; remove the other links or save "
                      "under another name", path)
    return real, st


def write_atomic(path: str, data: bytes) -> None:
    """Write `data` to `path` so that a crash at any point leaves either the old file or the new one.

    The bytes go to a temporary file beside the file written (fsynced), which then replaces it with
    os.replace. What that means for special paths:

    * a symlink stays a symlink: its target (resolved with os.path.realpath) is the file replaced;
    * an existing file keeps its permission bits (and, where the OS allows, its owner and group);
    * refused with nothing written (see :func:`check_replaceable`): a folder, a device node, FIFO or socket,
      a read-only file (no write bit -- even for root), and a file with several hard links. Replacing a
      hard-linked file would silently detach this name from the others, and rewriting it in place would
      give up atomicity (a crash midway would leave a torn file under every name); refusing keeps the
      guarantee and tells the user what to do;
    * temporaries are named ``.fnet-<pid>-<host>-<random>.tmp``; each save first deletes those in its folder
      that dead processes of this host left behind (:func:`remove_stale_temporaries`).

    Errors are OSError subclasses that name `path`, never the temporary file.
    """
    path = os.fspath(path)
    real, st = check_replaceable(path)
    directory = os.path.dirname(real)
    remove_stale_temporaries(directory)
    try:
        fd, tmp = tempfile.mkstemp(prefix=f"{_TMP_PREFIX}{os.getpid()}-{_host_tag()}-", suffix=_TMP_SUFFIX,
                                   dir=directory)
    except OSError as exc:  # missing or read-only folder: name the file asked for
        raise _renamed(exc, path) from None
    try:
        # mkstemp creates the file 0600; give it the mode a plain open() would (or the replaced file's)
        if st is not None:
            mode = st.st_mode & 0o777
            if hasattr(os, "fchown") and (st.st_uid, st.st_gid) != (os.geteuid(), os.getegid()):
                try:  # root saving someone else's model must not take it over; elsewhere this may fail
                    os.fchown(fd, st.st_uid, st.st_gid)
                except OSError:
                    pass
        else:
            umask = os.umask(0)
            os.umask(umask)
            mode = 0o666 & ~umask
        if hasattr(os, "fchmod"):  # POSIX (and Windows from Python 3.13, where only the read-only bit applies)
            os.fchmod(fd, mode)
        with os.fdopen(fd, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, real)
    except BaseException as exc:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        if isinstance(exc, OSError):
            raise _renamed(exc, path) from None
        raise
    try:  # make the rename itself durable
        dfd = os.open(directory, os.O_RDONLY)
        try:
            os.fsync(dfd)
        finally:
            os.close(dfd)
    except OSError:
        pass
