#!/usr/bin/env bash
# Keep linkaudit's history and report on a branch of their own (default: linkaudit-data),
# so the scheduled job never pushes to the default branch.
#
#   scripts/data-branch.sh restore            # reports/history.db from the branch, if any
#   scripts/data-branch.sh save FILE...       # commit FILEs (paths kept) to the branch, push
#
# Environment: DATA_BRANCH (default linkaudit-data), REMOTE (default origin).
# The branch holds only what `save` puts there; it starts as an orphan on first save.
set -euo pipefail

branch="${DATA_BRANCH:-linkaudit-data}"
remote="${REMOTE:-origin}"
db="reports/history.db"

fetch() {  # true when the branch exists on the remote; leaves it in FETCH_HEAD
    git fetch --quiet --depth=1 "$remote" "refs/heads/$branch" 2>/dev/null
}

restore() {
    if ! fetch; then
        echo "data-branch: no $branch on $remote yet: starting a new history"
        return 0
    fi
    if git cat-file -e "FETCH_HEAD:$db" 2>/dev/null; then
        mkdir -p "$(dirname "$db")"
        git show "FETCH_HEAD:$db" >"$db"
        echo "data-branch: restored $db from $branch ($(wc -c <"$db") bytes)"
    else
        echo "data-branch: $branch has no $db: starting a new history"
    fi
}

save() {
    if [ "$#" -eq 0 ]; then
        echo "data-branch: save needs the files to keep" >&2
        return 2
    fi
    work="$(mktemp -d)"
    trap 'git worktree remove --force "$work" >/dev/null 2>&1 || true; rm -rf "$work"' EXIT
    if fetch; then
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
    git -C "$work" push --quiet "$remote" "HEAD:refs/heads/$branch"
    echo "data-branch: saved $* to $branch"
}

case "${1:-}" in
    restore) restore ;;
    save) shift; save "$@" ;;
    *) echo "usage: $0 restore | save FILE..." >&2; exit 2 ;;
esac
