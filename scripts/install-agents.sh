#!/usr/bin/env bash
# Installs the real agent CLIs at pinned versions with npm into a folder the
# project owns (default .agents-cli/ in the checkout; KP_AGENTS_DIR overrides).
# Nothing is installed globally. Skips what is present at the pinned version.
# A CLI that cannot be installed is reported; its tests then skip themselves.
set -uo pipefail
cd "$(dirname "$0")/.."
dir=${KP_AGENTS_DIR:-$PWD/.agents-cli}
# name=npm package@version; keep in step with tests/integration/real_agents.hpp
pins=(
  "claude=@anthropic-ai/claude-code@2.1.332"
  "codex=@openai/codex@0.171.0"
  "gemini=@google/gemini-cli@0.61.0"
  "qwen=@qwen-code/qwen-code@0.24.4"
  "cc-sdd=cc-sdd@3.0.2"
)
if ! command -v npm >/dev/null 2>&1; then
  echo "install-agents: npm is not installed; the real-agent tests will skip" >&2
  exit 0
fi
status=0
for pin in "${pins[@]}"; do
  name=${pin%%=*}; spec=${pin#*=}; pkg=${spec%@*}; version=${spec##*@}
  prefix="$dir/$name"
  have=$(node -e "try{console.log(require('$prefix/node_modules/$pkg/package.json').version)}catch(e){}" 2>/dev/null)
  if [ "$have" = "$version" ] && [ -e "$prefix/node_modules/.bin/$name" ]; then
    echo "install-agents: $name $version is installed"
    continue
  fi
  echo "install-agents: installing $spec into $prefix"
  mkdir -p "$prefix"
  if ! npm install --prefix "$prefix" --no-audit --no-fund --loglevel=error "$spec" >"$prefix/install.log" 2>&1; then
    echo "install-agents: $spec failed to install (see $prefix/install.log); its tests will skip" >&2
    status=1
  fi
done
# A failed install is reported, not fatal: the tests that need it say they skipped.
exit 0
