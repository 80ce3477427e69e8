"""Saves that respect the path (fastnet/_format.py write_atomic, which every save goes through): a symlink keeps
being a symlink, hard-linked, read-only and special files are refused with nothing written, errors name the
file asked for, and the temporary files of killed writers are cleaned up by the next save in their folder."""

from __future__ import annotations

import errno
import os
import stat
import subprocess
import sys
import textwrap
from pathlib import Path
from typing import Callable, Dict

import numpy as np
import pytest

import fastnet as fn
from fastnet import _format

posix_only = pytest.mark.skipif(os.name != "posix", reason="symlinks, hard links, FIFOs and PIDs as on POSIX")


def model(seed: int) -> fn.Network:
    return fn.Network([3, 4, 2], activation="tanh", output="sigmoid", loss="mse", seed=seed)


def saved_bytes(seed: int) -> bytes:
    return model(seed).to_bytes()


def leftovers(folder: Path) -> list:
    return sorted(p.name for p in folder.iterdir() if p.name.endswith(".tmp"))


# ------------------------------------------------------------------------------------------------- links
@posix_only
def test_symlink_stays_a_link_and_its_target_is_updated(tmp_path: Path) -> None:
    elsewhere = tmp_path / "models"
    elsewhere.mkdir()
    target = elsewhere / "real.fnet"
    model(1).save(target)
    link = tmp_path / "link.fnet"
    link.symlink_to(os.path.join("models", "real.fnet"))  # relative, as `ln -s` users write them

    model(2).save(link)

    assert link.is_symlink() and os.readlink(link) == os.path.join("models", "real.fnet")
    assert target.read_bytes() == saved_bytes(2)
    assert leftovers(tmp_path) == [] and leftovers(elsewhere) == []


@posix_only
def test_dangling_symlink_creates_its_target(tmp_path: Path) -> None:
    link = tmp_path / "link.fnet"
    link.symlink_to(tmp_path / "new.fnet")
    model(3).save(link)
    assert link.is_symlink() and (tmp_path / "new.fnet").read_bytes() == saved_bytes(3)


@posix_only
def test_hard_linked_file_is_refused_and_both_names_keep_the_old_model(tmp_path: Path) -> None:
    a, b = tmp_path / "a.fnet", tmp_path / "b.fnet"
    model(1).save(a)
    os.link(a, b)
    with pytest.raises(OSError, match="2 hard links") as info:
        model(2).save(b)
    assert info.value.errno == errno.EMLINK and info.value.filename == str(b)
    assert os.path.samefile(a, b)  # still one file under two names
    assert a.read_bytes() == b.read_bytes() == saved_bytes(1)
    assert leftovers(tmp_path) == []


# ------------------------------------------------------------------------------------------------- refusals
@posix_only
def test_read_only_file_is_refused_even_for_root(tmp_path: Path) -> None:
    path = tmp_path / "m.fnet"
    model(1).save(path)
    path.chmod(0o444)
    try:
        with pytest.raises(PermissionError, match="read-only") as info:
            model(2).save(path)  # as root the OS would allow it: the refusal is fastnet's own check
        assert info.value.filename == str(path)
        assert path.read_bytes() == saved_bytes(1)
        assert stat.S_IMODE(path.stat().st_mode) == 0o444
        assert leftovers(tmp_path) == []
    finally:
        path.chmod(0o644)


@posix_only
def test_fifo_is_refused_and_kept(tmp_path: Path) -> None:
    fifo = tmp_path / "pipe.fnet"
    os.mkfifo(fifo)
    with pytest.raises(OSError, match="is a FIFO, not a regular file") as info:
        model(1).save(fifo)  # never opened: opening a FIFO with no reader would block
    assert info.value.filename == str(fifo)
    assert stat.S_ISFIFO(os.lstat(fifo).st_mode)
    assert leftovers(tmp_path) == []


@posix_only
@pytest.mark.skipif(not os.path.exists("/dev/null"), reason="no /dev/null")
def test_device_node_is_refused(tmp_path: Path) -> None:
    # through a symlink in tmp_path: if the refusal ever broke, the save would replace the link, not /dev/null
    link = tmp_path / "null.fnet"
    link.symlink_to("/dev/null")
    with pytest.raises(OSError, match="is a device node, not a regular file") as info:
        model(1).save(link)
    assert info.value.filename == str(link)
    assert link.is_symlink() and stat.S_ISCHR(os.stat("/dev/null").st_mode)
    assert leftovers(tmp_path) == []


def test_folder_is_refused_naming_it(tmp_path: Path) -> None:
    folder = tmp_path / "m.fnet"
    folder.mkdir()
    with pytest.raises(IsADirectoryError) as info:
        model(1).save(folder)
    assert info.value.filename == str(folder) and ".tmp" not in str(info.value)
    assert leftovers(tmp_path) == []


# ------------------------------------------------------------------------------------------------- error messages
def test_missing_folder_error_names_the_target(tmp_path: Path) -> None:
    path = tmp_path / "no" / "such" / "m.fnet"
    with pytest.raises(FileNotFoundError) as info:
        model(1).save(path)
    assert info.value.filename == str(path) and ".tmp" not in str(info.value)


def test_write_failure_names_the_target_and_keeps_the_old_file(tmp_path: Path,
                                                                monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "m.fnet"
    model(1).save(path)

    def disk_full(fd: int) -> None:
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(os, "fsync", disk_full)  # fails after the temporary file is written, before the rename
    with pytest.raises(OSError, match="No space left on device") as info:
        model(2).save(path)
    assert info.value.filename == str(path) and str(path) in str(info.value)
    assert path.read_bytes() == saved_bytes(1)
    assert sorted(os.listdir(tmp_path)) == ["m.fnet"]


# ------------------------------------------------------------------------------------------------- every save
def _savers() -> Dict[str, Callable[[Path], None]]:
    X = np.zeros((2, 3), np.float32)
    Y = np.zeros((2, 2), np.float32)
    history = fn.Network([3, 2], output="linear", loss="mse", seed=0).fit(X, Y, epochs=1, verbose=0)
    return {
        "Network.save": lambda p: model(1).save(p),
        "save_fann": lambda p: fn.save_fann(model(1), p),
        "save_fann_data": lambda p: fn.datasets.save_fann_data(p, X, Y),
        "History.to_csv": lambda p: history.to_csv(p),
        "to_onnx": lambda p: model(1).to_onnx(p),
    }


@posix_only
@pytest.mark.parametrize("name", list(_savers()))
def test_every_save_refuses_a_read_only_file(name: str, tmp_path: Path) -> None:
    """Each public save goes through write_atomic: none overwrites a read-only file (not even as root)."""
    path = tmp_path / "out"
    path.write_bytes(b"keep me")
    path.chmod(0o444)
    try:
        with pytest.raises(PermissionError) as info:
            _savers()[name](path)
        assert info.value.filename == str(path)
        assert path.read_bytes() == b"keep me"
    finally:
        path.chmod(0o644)


# ------------------------------------------------------------------------------------------------- temporaries
KILLED_WRITER = textwrap.dedent("""
    import os, sys
    import fastnet as fn
    from fastnet import _format
    # as if killed with SIGKILL after the temporary file is written, before it replaces the model
    _format.os.replace = lambda src, dst: os._exit(9)
    fn.Network([3, 4, 2], seed=0).save(sys.argv[1])
""")


@posix_only
def test_killed_writer_leaves_a_pid_named_temporary_that_the_next_save_removes(tmp_path: Path) -> None:
    path = tmp_path / "m.fnet"
    model(1).save(path)
    r = subprocess.run([sys.executable, "-c", KILLED_WRITER, str(path)], cwd=tmp_path, capture_output=True,
                       text=True, timeout=60)
    assert r.returncode == 9, r.stderr
    (left,) = leftovers(tmp_path)
    assert left.startswith(".fnet-") and left.split("-")[1].isdigit()  # the writer's PID is in the name
    assert path.read_bytes() == saved_bytes(1)  # the kill cost nothing but the temporary

    model(2).save(path)
    assert leftovers(tmp_path) == [] and path.read_bytes() == saved_bytes(2)


@posix_only
def test_only_dead_writers_temporaries_are_removed(tmp_path: Path) -> None:
    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()  # its PID no longer runs
    host = _format._host_tag()
    other_host = f"{(int(host, 16) + 1) % (1 << 32):08x}"
    names = {
        "dead": f".fnet-{dead.pid}-{host}-abc123.tmp",
        "live": f".fnet-{os.getppid()}-{host}-def456.tmp",       # a running process (pytest's parent)
        "other host": f".fnet-{dead.pid}-{other_host}-ghi789.tmp",  # a folder shared with another machine
        "unrelated": ".fnet-notes.tmp",
    }
    for n in names.values():
        (tmp_path / n).write_bytes(b"partial")
    model(1).save(tmp_path / "m.fnet")
    remaining = set(os.listdir(tmp_path))
    assert names["dead"] not in remaining
    assert {names["live"], names["other host"], names["unrelated"], "m.fnet"} <= remaining
