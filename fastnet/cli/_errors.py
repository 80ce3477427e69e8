"""The command line's error contract: exit codes, CLIError, and how a command's failure becomes one line on stderr
(never a traceback). Every other module of fastnet.cli raises CLIError; only :func:`run_command` prints it."""

from __future__ import annotations

import argparse
import os
import sys
from typing import Any

PROG = "fastnet"
EXIT_OK, EXIT_FAILURE, EXIT_USAGE, EXIT_INTERRUPTED = 0, 1, 2, 130


class CLIError(Exception):
    """A user error: printed as one line on stderr, and the command exits with ``code``."""

    def __init__(self, message: str, code: int = EXIT_FAILURE) -> None:
        super().__init__(message)
        self.code = code


def _error_text(path: str, exc: BaseException) -> str:
    """The exception's message, prefixed with the file name unless it already names it."""
    msg = getattr(exc, "strerror", None) if isinstance(exc, OSError) else None
    msg = msg or str(exc) or type(exc).__name__
    return msg if msg.startswith(path) else f"{path}: {msg}"


def _reason(path: str, exc: BaseException) -> str:
    """The exception's message without a leading "PATH: " (for messages that name the path themselves)."""
    text = _error_text(path, exc)
    return text[len(path) + 2:] if text.startswith(path + ": ") else text


def _require_exists(path: str, what: str) -> None:
    if not os.path.exists(path):
        raise CLIError(f"{path}: no such {what}")


def _exit_code(code: Any) -> int:
    """The exit status of a SystemExit's code (argparse's --help, --version and usage errors)."""
    if code is None:
        return EXIT_OK
    if isinstance(code, int):
        return code
    return EXIT_FAILURE


def run_command(args: argparse.Namespace) -> int:
    """Run the parsed command (``args.func``) and return its exit status; every failure is one line on stderr."""
    try:
        return int(args.func(args))
    except CLIError as exc:
        print(f"{PROG} {args.command}: error: {exc}", file=sys.stderr)
        return exc.code
    except KeyboardInterrupt:
        print(f"\n{PROG} {args.command}: interrupted", file=sys.stderr)
        return EXIT_INTERRUPTED
    except BrokenPipeError:  # e.g. `fastnet predict ... | head`: stop quietly
        try:
            devnull = os.open(os.devnull, os.O_WRONLY)
            os.dup2(devnull, sys.stdout.fileno())
        except (OSError, ValueError):
            pass
        return EXIT_OK
    except MemoryError:
        print(f"{PROG} {args.command}: error: out of memory (try --limit or a smaller network)", file=sys.stderr)
        return EXIT_FAILURE
    except Exception as exc:  # noqa: BLE001 -- the contract is one line on stderr, never a traceback, even for a
        # failure no handler above foresaw (a file broken in a new way); FASTNET_DEBUG=1 keeps the traceback
        if os.environ.get("FASTNET_DEBUG"):
            raise
        print(f"{PROG} {args.command}: error: {type(exc).__name__}: {exc} (unexpected: please report it; "
              "FASTNET_DEBUG=1 shows the traceback)", file=sys.stderr)
        return EXIT_FAILURE
