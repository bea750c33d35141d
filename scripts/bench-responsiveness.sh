#!/usr/bin/env bash
# Prints how fast kiro-parallel answers prompts and notices finished tasks for
# 1, 4 and 16 concurrent sessions, on the screen path and on Claude Code's
# hook path (the simulated agent run as `claude`), and its CPU cost per
# session-minute.
# Options are passed to scripts/bench-responsiveness.py (see --help there).
set -euo pipefail
cd "$(dirname "$0")/.."
[ -x "${KP_BINARY:-build/kiro-parallel}" ] || scripts/build.sh
exec python3 scripts/bench-responsiveness.py "$@"
