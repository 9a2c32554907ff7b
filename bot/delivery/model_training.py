"""The scheduler's model job: train every project whose model is due
(`bot.flows.model_upkeep.train_project`). The reviews it opens are posted by the pending-reviews
job, like reviews opened by an import."""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from bot.flows.model_upkeep import NotTrained, model_project_ids, train_project
from bot.runtime.failures import log_failure
from bot.runtime.services import Services

log = logging.getLogger(__name__)
#: After an unexpected failure, the first retry waits this long, then twice as long each time.
FIRST_RETRY = timedelta(minutes=1)
LONGEST_RETRY = timedelta(hours=1)


class ModelTrainer:
    """Trains due projects one after the other. A run that fails is logged and tried again at
    the project's next trigger (`retrain_every` more labels), not at every scheduler tick: a
    failure that repeats would otherwise retrain every minute. An unexpected failure (a bug,
    the database gone) may pass by itself, so it is retried without new labels, but after a
    wait that doubles with each failure in a row (1 minute up to an hour): a run that fails
    after minutes of training must not take the leader's CPU every minute."""

    def __init__(self, services: Services) -> None:
        self.services = services
        #: Project id -> decided labels when its last run failed.
        self.failed_at: dict[int, int] = {}
        #: Project id -> (unexpected failures in a row, not to be tried again before).
        self.backoff: dict[int, tuple[int, datetime | None]] = {}

    def run(self) -> int:
        trained = 0
        for project_id in model_project_ids(self.services):
            failures, not_before = self.backoff.get(project_id, (0, None))
            if not_before is not None and self.services.clock() < not_before:
                continue
            self.backoff.pop(project_id, None)
            try:
                done = train_project(
                    self.services, project_id, failed_at=self.failed_at.get(project_id)
                )
            except NotTrained as exc:
                self.failed_at[project_id] = exc.labels
                if exc.timed_out:
                    log.warning(
                        "project %s: %s; lower model.max_train_items or raise the limit",
                        project_id,
                        exc,
                    )
                else:
                    log.info("project %s: no model yet: %s", project_id, exc)
                continue
            except Exception as exc:
                wait = min(FIRST_RETRY * 2**failures, LONGEST_RETRY)
                self.backoff[project_id] = (failures + 1, self.services.clock() + wait)
                log_failure(
                    log,
                    f"training the model of project {project_id} failed; "
                    f"next try in {wait.total_seconds() / 60:.0f} min",
                    exc,
                )
                continue
            if done is not None:
                self.failed_at.pop(project_id, None)
                trained += 1
        return trained
