"""The report: what a Snapshot (model/: findings, the run compared with, the trend) says,
as a maintainer reads it, and the files it is written to.

    markdown.py   render_markdown (reports/health.md), render_summary (the job summary),
                  render_issue (the "Link health" issue body): one layout of sections
    tables.py     one table per section: a few narrow columns that fit GitHub's page
    evidence.py   the long facts of a section, as a folded list under its table
    commands.py   the exact commands a section ends with, one function per section
    archives.py   a dead resource's Wayback snapshot: its fact and its set-url command
    hosts.py      the closing "Requests per host" table: how politely the run asked
    results.py    render_json, json_file_text: the `--json` document
    annotations.py   render_annotations: GitHub workflow commands, one per row to act on
    escape.py     md_text, md_code, md_link: everything from the web made inert Markdown
    publish.py    writing them: whole files, `-` for standard output, $GITHUB_STEP_SUMMARY

Pure but for publish.py; it reads findings, never the database.
"""

from linkaudit.report.markdown import render_issue, render_markdown, render_summary
from linkaudit.report.results import counts, json_file_text, render_json

__all__ = [
    "counts",
    "json_file_text",
    "render_issue",
    "render_json",
    "render_markdown",
    "render_summary",
]
