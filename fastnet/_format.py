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

import json
import os
import struct
import tempfile
import zlib
from typing import Any, Dict, List, Tuple

import numpy as np

MAGIC = b"FASTNET\0"
FORMAT_VERSION = 1
_PREFIX = struct.Struct("<8sII")
_MAX_HEADER = 16 << 20


class ModelFormatError(ValueError):
    """A file that is not a valid fastnet model (truncated, corrupted, wrong magic, newer version, ...)."""


def encode(header: Dict[str, Any], arrays: List[Tuple[str, np.ndarray]]) -> bytes:
    table = []
    blobs = []
    offset = 0
    for name, arr in arrays:
        data = np.ascontiguousarray(arr).astype(arr.dtype.newbyteorder("<"), copy=False).tobytes()
        table.append({"name": name, "dtype": np.dtype(arr.dtype).str.lstrip("<>=|"), "shape": list(arr.shape),
                      "offset": offset, "nbytes": len(data), "crc32": zlib.crc32(data)})
        blobs.append(data)
        offset += len(data)
    header = dict(header, arrays=table)
    hbytes = json.dumps(header, sort_keys=True).encode("utf-8")
    return b"".join([_PREFIX.pack(MAGIC, FORMAT_VERSION, len(hbytes)), hbytes,
                     struct.pack("<I", zlib.crc32(hbytes))] + blobs)


def peek_header(buf: bytes, source: str = "<bytes>") -> Dict[str, Any]:
    """The JSON header alone (magic, version and its checksum verified), to see what kind of model a file holds;
    decode() validates everything else."""
    return _header(buf, source)[0]


def _header(buf: bytes, source: str) -> Tuple[Dict[str, Any], int]:
    """(header, its length) after checking magic, version, length and checksum."""
    def fail(msg: str) -> ModelFormatError:
        return ModelFormatError(f"{source}: not a valid fastnet model: {msg}")

    if len(buf) < _PREFIX.size + 4:
        raise fail(f"file is too short ({len(buf)} bytes)")
    magic, version, hlen = _PREFIX.unpack_from(buf, 0)
    if magic != MAGIC:
        raise fail("wrong magic bytes (is this a fastnet .fnet file?)")
    if version > FORMAT_VERSION or version < 1:
        raise fail(f"format version {version} is not supported (this fastnet reads up to {FORMAT_VERSION}); "
                   "upgrade fastnet to read it")
    if hlen > _MAX_HEADER or _PREFIX.size + hlen + 4 > len(buf):
        raise fail(f"header length {hlen} exceeds the file size ({len(buf)} bytes): truncated or corrupted")
    hbytes = buf[_PREFIX.size:_PREFIX.size + hlen]
    (hcrc,) = struct.unpack_from("<I", buf, _PREFIX.size + hlen)
    if zlib.crc32(hbytes) != hcrc:
        raise fail("header checksum mismatch: the file is corrupted")
    try:
        header = json.loads(hbytes.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise fail(f"header is not valid JSON: {exc}") from None
    if not isinstance(header, dict) or not isinstance(header.get("arrays"), list):
        raise fail("header lacks its array table")
    return header, hlen


def decode(buf: bytes, source: str = "<bytes>") -> Tuple[Dict[str, Any], Dict[str, np.ndarray]]:
    def fail(msg: str) -> ModelFormatError:
        return ModelFormatError(f"{source}: not a valid fastnet model: {msg}")

    header, hlen = _header(buf, source)
    data_start = _PREFIX.size + hlen + 4
    data_len = len(buf) - data_start
    arrays: Dict[str, np.ndarray] = {}
    for entry in header["arrays"]:
        if not isinstance(entry, dict):
            raise fail("array table entry is not an object")
        name, dtype, shape = entry.get("name"), entry.get("dtype"), entry.get("shape")
        offset, nbytes, crc = entry.get("offset"), entry.get("nbytes"), entry.get("crc32")
        if not isinstance(name, str) or dtype not in ("f4", "f8", "i4", "u8") or not isinstance(shape, list):
            raise fail(f"array entry {entry!r} is malformed")
        if not all(isinstance(v, int) and not isinstance(v, bool) and v >= 0 for v in shape + [offset, nbytes, crc]):
            raise fail(f"array {name!r} has negative or non-integer sizes")
        assert isinstance(offset, int) and isinstance(nbytes, int)  # checked just above
        count = 1
        for d in shape:
            count *= d
        itemsize = np.dtype(dtype).itemsize
        if count * itemsize != nbytes:
            raise fail(f"array {name!r}: shape {shape} does not match its {nbytes} bytes")
        if offset + nbytes > data_len:
            raise fail(f"array {name!r} extends past the end of the file: truncated")
        blob = buf[data_start + offset:data_start + offset + nbytes]
        if zlib.crc32(blob) != crc:
            raise fail(f"array {name!r} checksum mismatch: the file is corrupted")
        little = np.frombuffer(blob, dtype=np.dtype("<" + dtype))
        arrays[name] = little.astype(np.dtype(dtype), copy=True).reshape(shape)
    # encode() writes the arrays back to back: the table says where the file ends, and bytes past that are damage
    # (a concatenation, a partial overwrite), not part of any model
    end = max((e["offset"] + e["nbytes"] for e in header["arrays"]), default=0)
    if data_len != end:
        raise fail(f"{data_len - end} bytes after the last array: the file is corrupted")
    return header, arrays


def write_atomic(path: str, data: bytes) -> None:
    """Write `data` to `path` so that a crash at any point leaves either the old file or the new one."""
    path = os.fspath(path)
    directory = os.path.dirname(os.path.abspath(path))
    fd, tmp = tempfile.mkstemp(prefix=".fnet-", suffix=".tmp", dir=directory)
    try:
        # mkstemp creates the file 0600; give it the mode a plain open() would (or the replaced file's)
        try:
            mode = os.stat(path).st_mode & 0o777
        except OSError:
            umask = os.umask(0)
            os.umask(umask)
            mode = 0o666 & ~umask
        if hasattr(os, "fchmod"):  # POSIX (and Windows from Python 3.13, where only the read-only bit applies)
            os.fchmod(fd, mode)
        with os.fdopen(fd, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise
    try:  # make the rename itself durable
        dfd = os.open(directory, os.O_RDONLY)
        try:
            os.fsync(dfd)
        finally:
            os.close(dfd)
    except OSError:
        pass
