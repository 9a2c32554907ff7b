"""The scheduler's model job: train every project whose model is due
(`bot.flows.model_upkeep.train_project`). The reviews it opens are posted by the pending-reviews
job, like reviews opened by an import."""

from __future__ import annotations

import logging

from bot.flows.model_upkeep import NotTrained, model_project_ids, train_project
from bot.runtime.failures import log_failure
from bot.runtime.services import Services

log = logging.getLogger(__name__)


class ModelTrainer:
    """Trains due projects one after the other. A run that fails is logged and tried again at
    the project's next trigger (`retrain_every` more labels), not at every scheduler tick: a
    failure that repeats would otherwise retrain every minute."""

    def __init__(self, services: Services) -> None:
        self.services = services
        #: Project id -> decided labels when its last run failed.
        self.failed_at: dict[int, int] = {}

    def run(self) -> int:
        trained = 0
        for project_id in model_project_ids(self.services):
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
                log_failure(log, f"training the model of project {project_id} failed", exc)
                continue
            if done is not None:
                self.failed_at.pop(project_id, None)
                trained += 1
        return trained
