"""Changing tasks safely: plan → per batch (re-read → judge → journal → send → check the answer) → report.

:mod:`~ugc_nb.cleanup.run` is the public engine (its docstring has the rules); :mod:`plan`,
:mod:`verdict`, :mod:`answer`, :mod:`engine` and :mod:`pool` are its parts; :mod:`journal`
keeps every deleted row; :mod:`reconcile` settles a crashed run. Imports :mod:`ugc_nb.tasks`
and :mod:`ugc_nb.api`; no widgets.
"""

from .journal import Journal, default_journal_path, journal_path_for, read_journal
from .live import READ_ATTEMPTS, live_tasks
from .outcome import OUTCOMES, CleanupReport, TaskResult
from .plan import Plan, plan_delete, plan_retry
from .reconcile import reconcile
from .refresh import frame_after
from .run import CleanupOptions, JournalArg, delete_tasks, open_journal, retry_tasks, run_cleanup

__all__ = ["delete_tasks", "retry_tasks", "run_cleanup", "CleanupOptions", "plan_delete", "plan_retry", "Plan",
           "CleanupReport", "TaskResult", "OUTCOMES", "read_journal", "default_journal_path", "Journal", "JournalArg",
           "open_journal", "journal_path_for", "reconcile", "frame_after", "live_tasks", "READ_ATTEMPTS"]
