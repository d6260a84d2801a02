#!/bin/sh
# demo.sh - redline end to end, on a copy of the wordstat example: the
# agents' ring (redline run) with recorded model replies (a cassette),
# real patches applied in the sandbox, the example's own tests, the debt
# measured before and after, and the reward.  `make demo` runs it.
#
#   sh demo.sh [BIN]      BIN: where the commands are (default: $PATH)
#
# Everything it writes is under one temporary directory, named at the end.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
[ $# -gt 0 ] && PATH="$1:$PATH"
export PATH
work=$(mktemp -d "${TMPDIR:-/tmp}/redline-demo.XXXXXX")
export RL_HOME="$work/state"
repo="$work/wordstat"
task="pay down the technical debt of wordstat.c without changing its output"

say() { printf '%s\n' "$*"; }

cp -r "$here/wordstat" "$repo"
cd "$repo"
git init -q .
git add -A
git -c user.email=demo@redline -c user.name=demo commit -qm "wordstat, with its debt"

sandbox=
if ! rl-act exec -- true 2> "$work/sandbox.err"; then
	say "demo: the sandbox cannot be enforced here ($(tail -1 "$work/sandbox.err"));"
	say "demo: running the demo's known patches with --no-sandbox instead"
	sandbox=--no-sandbox
fi

say "demo: $repo"
say "demo: task: $task"
redline run -v $sandbox -p "script:$here/wordstat.cassette" -m replay "$task" \
    > "$work/batons.ndjson" || true
rl-stats --html "$work/dashboard.html" 2> /dev/null || true

jq -r '"",
    "status   \(.status)",
    "summary  \(.summary)",
    "debt     \(.debt.before) -> \(.debt.after)   offset \(.debt.offset * 1000 | round / 10)%",
    (.debt.kinds_before as $b | .debt.kinds_after as $a |
     ($b + $a | keys[]) as $k | select(($b[$k] // 0) != ($a[$k] // 0)) |
     "           \($k): \($b[$k] // 0) -> \($a[$k] // 0)"),
    "tokens   \(.usage.prompt_tokens) prompt + \(.usage.completion_tokens) completion",
    "reward   \(.reward) per token^3   reward_k \(.reward_k) per (1000 tokens)^3"' \
    "$work/batons.ndjson"
say ""
say "batons:    $work/batons.ndjson"
[ -s "$work/dashboard.html" ] && say "dashboard: $work/dashboard.html"
say "state:     $RL_HOME"
say "the patched example: $repo (git diff shows the change)"
[ "$(jq -r .status "$work/batons.ndjson")" = FINISH ]
