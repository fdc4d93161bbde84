"""The catalog: read, validate and edit the files that list the resources.

    load_catalog(paths)          every Resource of YAML and Markdown catalogs, or CatalogError
                                 with every `file:line: message` (load.py)
    set_url(resources, old, new) rewrite one URL in its file, every other byte kept (edit.py)
    set_url_command(old, new, source)   the shell command that does it
    catalog_warnings(resources)  `file:line: warning: ...` for a catalog that loads but reads
                                 badly: generic link text as a title, mojibake (lint.py)
    generic_title(title)         the title is generic link text ("here", "Part 2")
    url_problem, dedupe_key, detect_kind, youtube_item, arxiv_paper   the URL-shape rules
                                 the catalog and the providers share (urls.py)

yaml_reader.py reads YAML with line numbers (libyaml); markdown.py finds a Markdown
document's links with their headings (markdown-it-py, imported only for .md files).
"""

from linkaudit.catalog.edit import Edit, set_url, set_url_command
from linkaudit.catalog.lint import catalog_warnings
from linkaudit.catalog.load import generic_title, load_catalog
from linkaudit.catalog.urls import (
    Paper,
    YouTubeItem,
    arxiv_paper,
    dedupe_key,
    detect_kind,
    url_problem,
    youtube_item,
)

__all__ = [
    "Edit",
    "Paper",
    "YouTubeItem",
    "arxiv_paper",
    "catalog_warnings",
    "dedupe_key",
    "detect_kind",
    "generic_title",
    "load_catalog",
    "set_url",
    "set_url_command",
    "url_problem",
    "youtube_item",
]
