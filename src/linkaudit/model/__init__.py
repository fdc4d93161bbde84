"""The shared vocabulary of linkaudit: plain, frozen data passed between the stages
(check.py: one check; runs.py: the stored runs and what a report is about).

    Resource      one catalogued item (catalog/)
    Hop           one step of a redirect chain (fetch/)
    Fetched       the raw facts of fetching one URL (fetch/, for providers/)
    Judgement     what a provider or a rule concludes about one fetch (providers/)
    Observation   what one check of one URL found, with a Verdict (providers/ classify)
    Previous      what the last live check saw of a URL: validators, title (history/)
    Past          what the history knows of a URL before this run, for the judge (history/)
    Finding       what a maintainer should do about one resource, with a Health (judge.py)
    Archived, ArchiveAnswer   a verified Wayback snapshot; what the archive answered for
                  one URL before one time (providers/wayback.py, remembered by history/)
    Rules         the judge's thresholds
    RunState, Baseline, RunRow, RunObservation   the stored runs (history/)
    RunInfo, TrendPoint, Snapshot                what a report is about (audit.py, report/)
    HostStats     how one host (or one operator's group of hosts) was asked in a run (fetch/)
    CheckOptions  how politely and how hard to check (defaults: config.py)

Enum values are the spelling used in SQLite, JSON and the report alike.
"""

from linkaudit.model.check import (
    ArchiveAnswer,
    Archived,
    CheckOptions,
    FailureKind,
    Fetched,
    Finding,
    Flag,
    Health,
    Hop,
    Judgement,
    Kind,
    Observation,
    Past,
    Previous,
    Resource,
    Rules,
    Verdict,
)
from linkaudit.model.runs import (
    Baseline,
    BaselineHow,
    HostStats,
    RunInfo,
    RunObservation,
    RunRow,
    RunState,
    Snapshot,
    TrendPoint,
)

__all__ = [
    "ArchiveAnswer",
    "Archived",
    "Baseline",
    "BaselineHow",
    "CheckOptions",
    "FailureKind",
    "Fetched",
    "Finding",
    "Flag",
    "Health",
    "Hop",
    "HostStats",
    "Judgement",
    "Kind",
    "Observation",
    "Past",
    "Previous",
    "Resource",
    "Rules",
    "RunInfo",
    "RunObservation",
    "RunRow",
    "RunState",
    "Snapshot",
    "TrendPoint",
    "Verdict",
]
