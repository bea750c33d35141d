#!/usr/bin/env bash
# The whole test suite: installs what is missing, builds, runs every test under ctest.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
# The real agent CLIs at pinned versions into .agents-cli/ (npm); a CLI that
# cannot be installed makes its tests report themselves skipped.
scripts/install-agents.sh
scripts/build.sh
build_dir=${KP_BUILD_DIR:-build}
cd "$build_dir"
# The screen corpus scores per agent (ctest shows a passing test's output only
# on failure); the corpus test itself runs under ctest below.
if [ -d ../../shared/screens ]; then
  echo "== classifier score on ../shared/screens"
  ./tests/unit_tests --source-file='*screens_corpus_test.cpp' | sed -n 's/.*MESSAGE: screens corpus, /  /p' || true
fi
ctest --output-on-failure -j "$(nproc)" "$@"
