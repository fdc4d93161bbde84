#!/usr/bin/env bash
# Keep linkaudit's history and report on a branch of their own (default: linkaudit-data),
# so the scheduled job never pushes to the default branch.
#
#   scripts/data-branch.sh restore            # reports/history.db from the branch, if any
#   scripts/data-branch.sh save FILE...       # commit FILEs (paths kept) to the branch, push
#
# Environment: DATA_BRANCH (default linkaudit-data), REMOTE (default origin), and
# DATA_BRANCH_TOKEN: when set, git's requests to the remote carry it as an HTTP header
# passed through the environment (never written to .git/config, never in argv).
#
# Never lose the history. restore starts a new history only when the remote answers that
# the branch does not exist; when the remote cannot be asked, it fails (exit 1). It notes
# the commit it restored (in .git/); save refuses (exit 1) to push over a branch it was
# not restored from, so a run that lost its history cannot replace the real one.
set -euo pipefail

branch="${DATA_BRANCH:-linkaudit-data}"
remote="${REMOTE:-origin}"
db="reports/history.db"
marker="$(git rev-parse --git-path "data-branch-restored-${branch//\//-}")"

remote_git() {  # git, with DATA_BRANCH_TOKEN as GitHub's checkout passes a token
    if [ -n "${DATA_BRANCH_TOKEN:-}" ]; then
        local auth
        auth="$(printf 'x-access-token:%s' "$DATA_BRANCH_TOKEN" | base64 | tr -d '\n')"
        GIT_CONFIG_COUNT=1 GIT_CONFIG_KEY_0=http.extraheader \
            GIT_CONFIG_VALUE_0="AUTHORIZATION: basic $auth" git "$@"
    else
        git "$@"
    fi
}

branch_head() {  # the branch's commit on the remote; exit 2: no such branch; 1: no answer
    local out status=0
    out="$(remote_git ls-remote --exit-code --heads "$remote" "refs/heads/$branch")" \
        || status=$?
    if [ "$status" -eq 0 ]; then
        printf '%s\n' "${out%%[[:space:]]*}"
    elif [ "$status" -eq 2 ]; then
        return 2
    else
        echo "data-branch: cannot ask $remote whether $branch exists (git ls-remote" \
            "exit $status); the history is left alone" >&2
        return 1
    fi
}

restore() {
    local status=0
    branch_head >/dev/null || status=$?
    if [ "$status" -eq 2 ]; then
        echo "data-branch: no $branch on $remote yet: starting a new history"
        echo "none" >"$marker"
        return 0
    fi
    [ "$status" -eq 0 ] || return 1
    remote_git fetch --quiet --depth=1 "$remote" "refs/heads/$branch"
    if git cat-file -e "FETCH_HEAD:$db" 2>/dev/null; then
        mkdir -p "$(dirname "$db")"
        git show "FETCH_HEAD:$db" >"$db"
        echo "data-branch: restored $db from $branch ($(wc -c <"$db") bytes)"
    else
        echo "data-branch: $branch has no $db: starting a new history"
    fi
    git rev-parse FETCH_HEAD >"$marker"
}

save() {
    if [ "$#" -eq 0 ]; then
        echo "data-branch: save needs the files to keep" >&2
        return 2
    fi
    local head status=0 restored="nothing"
    head="$(branch_head)" || status=$?
    [ "$status" -eq 0 ] || [ "$status" -eq 2 ] || return 1
    [ -f "$marker" ] && restored="$(cat "$marker")"
    if [ "$status" -eq 0 ] && [ "$restored" != "$head" ]; then
        echo "data-branch: $branch on $remote is at $head but restore restored $restored:" \
            "refusing to replace its history (run restore first)" >&2
        return 1
    fi
    work="$(mktemp -d)"
    trap 'git worktree remove --force "$work" >/dev/null 2>&1 || true; rm -rf "$work"' EXIT
    if [ "$status" -eq 0 ]; then
        remote_git fetch --quiet --depth=1 "$remote" "refs/heads/$branch"
        git worktree add --quiet --detach "$work" FETCH_HEAD
    else
        git worktree add --quiet --detach "$work"
        git -C "$work" checkout --quiet --orphan "$branch"
        git -C "$work" rm -rq --cached . >/dev/null 2>&1 || true
        git -C "$work" clean -fdxq
    fi
    for file in "$@"; do
        [ -e "$file" ] || continue
        mkdir -p "$work/$(dirname "$file")"
        cp "$file" "$work/$file"
        git -C "$work" add -f "$file"
    done
    if git -C "$work" diff --cached --quiet; then
        echo "data-branch: nothing changed on $branch"
        return 0
    fi
    git -C "$work" \
        -c user.name="${GIT_AUTHOR_NAME:-github-actions[bot]}" \
        -c user.email="${GIT_AUTHOR_EMAIL:-41898282+github-actions[bot]@users.noreply.github.com}" \
        commit --quiet -m "Link health: $(date -u +%Y-%m-%dT%H:%MZ)"
    remote_git -C "$work" push --quiet "$remote" "HEAD:refs/heads/$branch"
    git -C "$work" rev-parse HEAD >"$marker"
    echo "data-branch: saved $* to $branch"
}

case "${1:-}" in
    restore) restore ;;
    save) shift; save "$@" ;;
    *) echo "usage: $0 restore | save FILE..." >&2; exit 2 ;;
esac
