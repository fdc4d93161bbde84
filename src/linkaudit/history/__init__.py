"""The history: every run and every observation in one SQLite file. It records, it never judges.

    Store.open(path, create=True)   the database (store.py): writable (creates, migrates,
                                    WAL, one writer at a time) or read-only (create=False)
        .past(urls, before=None)    what the judge weighs per URL (queries.py)
        .runs(), .url_history(url), .accept_title(url), ...
        .archive_answers(keys), .remember_archive(answer)   what the Wayback Machine
                                    answered per (url, before): asked once
    Recorder.start(store, resources, ...)   one run's writes, batched, ended as the run
                                            ends: complete, aborted or interrupted (recorder.py)
    previous_of(past)               validators and title for a conditional request

schema.py holds the tables and their numbered migrations; file.py tells our file from a
damaged or foreign one and turns SQLite's errors into a StoreError for a person; lock.py
is the writer lock (an flock the operating system drops when its holder dies).
"""

from linkaudit.history.queries import previous_of
from linkaudit.history.recorder import Recorder
from linkaudit.history.store import Store, catalog_digest

__all__ = ["Recorder", "Store", "catalog_digest", "previous_of"]
