#!/usr/bin/env bash
# A long fuzz run of every file loader: the hostile-header targets (tests/test_hostile_loaders.py: sizes in valid
# .fnet, IDX, FANN data and FANN .net headers, each case bounded in memory and time) and the byte-level mutation
# targets (tests/test_fuzz.py), with FASTNET_FUZZ_EXAMPLES examples per test instead of the suite's few dozen.
#
#   scripts/fuzz.sh                                   # 5000 examples per test (tens of minutes)
#   FASTNET_FUZZ_EXAMPLES=50000 scripts/fuzz.sh       # longer
#   scripts/fuzz.sh -k idx -x                         # pytest arguments are passed on
#
# Runs with the current python (activate the development venv first). Examples are random (not derandomized)
# when FASTNET_FUZZ_EXAMPLES is set; hypothesis keeps failing ones in .hypothesis/ and replays them first.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
export FASTNET_FUZZ_EXAMPLES="${FASTNET_FUZZ_EXAMPLES:-5000}"
exec "${PYTHON:-python3}" -m pytest -q tests/test_hostile_loaders.py tests/test_fuzz.py "$@"
