#!/usr/bin/env python3
"""Make a throw-away HOME in which a real agent CLI starts offline against the
scripted model server, and print the environment it needs (KEY=VALUE lines,
for kiro-parallel's settings `agent.env`).

  agent_home.py claude --home DIR --base-url http://127.0.0.1:PORT [--key KEY]
                [--trust REPO]... [--permission-mode default]

One function per agent (home_<agent>), dispatched by the first argument; the
other agents (codex, gemini, qwen) are added next to home_claude.
"""

import argparse
import json
import os
import sys

DEFAULT_KEY = "sk-ant-api03-kiro-parallel-scripted-test-key-0000000000"


def write_json(path: str, obj: dict) -> None:
    os.makedirs(os.path.dirname(path), exist_ok=True)
    tmp = path + ".tmp"
    with open(tmp, "w", encoding="utf-8") as f:
        json.dump(obj, f, indent=2)
    os.replace(tmp, path)


def home_claude(args) -> dict:
    """Claude Code: onboarding done, the key approved, theme chosen, every
    first-run notice seen, so only the folder-trust dialog remains."""
    home = os.path.abspath(args.home)
    key = args.key or DEFAULT_KEY
    config_path = os.path.join(home, ".claude.json")
    config = {}
    if os.path.exists(config_path):
        with open(config_path, encoding="utf-8") as f:
            config = json.load(f)
    config.update({
        "hasCompletedOnboarding": True,
        "lastOnboardingVersion": "2.1.332",
        "theme": "dark",
        "customApiKeyResponses": {"approved": [key[-20:]], "rejected": []},
        "bypassPermissionsModeAccepted": False,
        "hasAcknowledgedCostThreshold": True,
        "hasSeenTasksHint": True,
        "hasShownOpus45Notice": {},
        "autoUpdates": False,
        "numStartups": 1,
        "firstStartTime": "2026-01-01T00:00:00.000Z",
        "tipsHistory": {},
        "showExpandedTodos": False,
        "installMethod": "npm-local",
        "hasSeenAutoDefaultNotice": True,  # "Auto mode is now Claude Code's default permission mode"
        "fullscreenUpsellSeenCount": 3,  # "Try the new fullscreen renderer?" (shown while < 3)
        "lastReleaseNotesSeen": "2.1.332",
        "officialMarketplaceAutoInstallAttempted": True,
        "hasResetAutoModeOptInForDefaultOffer": True,
        "hasSeenAutoDefaultNudge": True,  # "Make auto mode your default permission mode?"
    })
    # 2.1.332's trust dialog puts the cursor on "No, exit": pre-trust the repositories the test names.
    projects = config.setdefault("projects", {})
    for folder in args.trust or []:
        projects.setdefault(os.path.abspath(folder), {})["hasTrustDialogAccepted"] = True
    write_json(config_path, config)
    # defaultMode "default": Write/Bash ask through their menus (2.1.332 defaults to "auto", which
    # decides by itself and so hides the menus the tests are about).
    write_json(os.path.join(home, ".claude", "settings.json"),
               {"theme": "dark", "autoUpdates": False, "spinnerTipsEnabled": False,
                "permissions": {"defaultMode": args.permission_mode}})
    return {
        "HOME": home,
        "ANTHROPIC_BASE_URL": args.base_url,
        "ANTHROPIC_API_KEY": key,
        "DISABLE_AUTOUPDATER": "1",
        "CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC": "1",
        "DISABLE_TELEMETRY": "1",
        "DISABLE_ERROR_REPORTING": "1",
        "DISABLE_BUG_COMMAND": "1",
        "CLAUDE_CODE_DISABLE_TERMINAL_TITLE": "1",
        "XDG_CONFIG_HOME": os.path.join(home, ".config"),
    }


# ---- codex, gemini, qwen (a2) ----------------------------------------------

SCRIPTED_KEY = "sk-scripted-test-key-kiro-parallel-0000"


def write_text(path: str, text: str) -> None:
    os.makedirs(os.path.dirname(path), exist_ok=True)
    tmp = path + ".tmp"
    with open(tmp, "w", encoding="utf-8") as f:
        f.write(text)
    os.replace(tmp, path)


def toml_str(s: str) -> str:
    return json.dumps(s)  # a JSON string is a valid TOML basic string


def home_codex(args) -> dict:
    """codex 0.171: a custom model provider (Responses API) pointing at the server,
    workspace-write sandbox with on-request approvals, no retries (an error shows at
    once), no update check, first-run notices marked seen. Only the folder-trust
    dialog remains. Start it with `codex --no-daemon` (else a daemon outlives it)."""
    home = os.path.abspath(args.home)
    base = args.base_url.rstrip("/")
    if not base.endswith("/v1"):
        base += "/v1"
    config = "\n".join([
        'model = "scripted-model"',
        'model_provider = "scripted"',
        'approval_policy = "on-request"',
        'sandbox_mode = "workspace-write"',
        'check_for_update_on_startup = false',
        '',
        '[model_providers.scripted]',
        'name = "Scripted model server"',
        'base_url = ' + toml_str(base),
        'wire_api = "responses"',
        'env_key = "OPENAI_API_KEY"',
        'request_max_retries = 0',
        'stream_max_retries = 0',
        '',
        '[analytics]',
        'enabled = false',
        '',
        '[tui]',
        'screen_reader_detection_done = true',
        '',
    ])
    write_text(os.path.join(home, ".codex", "config.toml"), config)
    return {
        "HOME": home,
        "CODEX_HOME": os.path.join(home, ".codex"),
        "OPENAI_API_KEY": args.key or SCRIPTED_KEY,
        "NO_UPDATE_NOTIFIER": "1",
    }


def home_gemini(args) -> dict:
    """gemini-cli 0.61: API-key auth chosen (no auth dialog), theme set, update checks
    and usage statistics off. Only the folder-trust dialog remains (after it gemini
    restarts itself, ~5 s). No setting makes 429/5xx fail fast (see README-others.md)."""
    home = os.path.abspath(args.home)
    write_json(os.path.join(home, ".gemini", "settings.json"), {
        "security": {"auth": {"selectedType": "gemini-api-key"}},
        "ui": {"theme": "Default"},
        "general": {"enableAutoUpdate": False, "enableAutoUpdateNotification": False},
        "privacy": {"usageStatisticsEnabled": False},
        "telemetry": {"enabled": False},
    })
    return {
        "HOME": home,
        "GEMINI_API_KEY": args.key or SCRIPTED_KEY,
        "GOOGLE_GEMINI_BASE_URL": args.base_url.rstrip("/"),
        "NO_UPDATE_NOTIFIER": "1",
    }


def home_qwen(args) -> dict:
    """qwen-code 0.24: OpenAI-compatible auth chosen (no auth dialog), auto-mode notice
    seen, no retries asked for. qwen shows no folder-trust dialog. Start it with
    `qwen --approval-mode default` (its default "auto" mode asks the model itself)."""
    home = os.path.abspath(args.home)
    base = args.base_url.rstrip("/")
    if not base.endswith("/v1"):
        base += "/v1"
    write_json(os.path.join(home, ".qwen", "settings.json"), {
        "$version": 4,
        "security": {"auth": {"selectedType": "openai"}},
        "ui": {"theme": "Default", "autoModeAcknowledged": True},
        "general": {"enableAutoUpdate": False},  # else a 5 s registry check at start
        "privacy": {"usageStatisticsEnabled": False},
        "telemetry": {"enabled": False},
        "model": {"generationConfig": {"maxRetries": 0}},
    })
    return {
        "HOME": home,
        "OPENAI_BASE_URL": base,
        "OPENAI_API_KEY": args.key or SCRIPTED_KEY,
        "OPENAI_MODEL": "scripted-model",
        "NO_UPDATE_NOTIFIER": "1",
    }


AGENTS = {
    "claude": home_claude,
    "codex": home_codex,
    "gemini": home_gemini,
    "qwen": home_qwen,
}


def main(argv=None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if not argv or argv[0] not in AGENTS:
        print(f"usage: agent_home.py {{{','.join(AGENTS)}}} --home DIR --base-url URL", file=sys.stderr)
        return 2
    ap = argparse.ArgumentParser(prog=f"agent_home.py {argv[0]}")
    ap.add_argument("--home", required=True)
    ap.add_argument("--base-url", required=True)
    ap.add_argument("--key")
    ap.add_argument("--trust", action="append", metavar="DIR",
                    help="a repository to pre-trust (claude: skips the trust dialog there)")
    ap.add_argument("--permission-mode", default="default",
                    help="claude permissions.defaultMode (default, acceptEdits, auto, ...)")
    args = ap.parse_args(argv[1:])
    os.makedirs(args.home, exist_ok=True)
    for k, v in AGENTS[argv[0]](args).items():
        print(f"{k}={v}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
