"""The command line: wiring only. Options in, a stage called, a message and exit status out.

Exit statuses: 0 clean; 1 findings match --fail-on; 2 usage or catalog errors;
3 run aborted (network down). Nothing below this module prints or exits.
"""

from __future__ import annotations

import click

from linkaudit import __version__

EXIT_OK = 0
EXIT_FINDINGS = 1
EXIT_USAGE = 2
EXIT_ABORTED = 3


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="linkaudit")
def main() -> None:
    """Check that every link in a curated catalog still leads somewhere real."""


# --- commands are added below, one block each ---
