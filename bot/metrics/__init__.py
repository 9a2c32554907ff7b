"""Quality and progress metrics: pure functions over plain values (no database, no Slack)."""

from bot.metrics.agreement import (
    Coefficient,
    PairwiseKappa,
    cohen_kappa,
    fleiss_kappa,
    mean_pairwise_cohen_kappa,
    percent_agreement,
)
from bot.metrics.alpha import Level, krippendorff_alpha
from bot.metrics.annotators import active_time
from bot.metrics.labels import ConfusionPair, LabelCount, confusion_pairs, label_distribution
from bot.metrics.progress import DayThroughput, Eta, Pace, eta, pace
from bot.metrics.records import Accuracy, AnswerValue, Units

__all__ = [
    "Accuracy",
    "AnswerValue",
    "Coefficient",
    "ConfusionPair",
    "DayThroughput",
    "Eta",
    "LabelCount",
    "Level",
    "Pace",
    "PairwiseKappa",
    "Units",
    "active_time",
    "cohen_kappa",
    "confusion_pairs",
    "eta",
    "fleiss_kappa",
    "krippendorff_alpha",
    "label_distribution",
    "mean_pairwise_cohen_kappa",
    "pace",
    "percent_agreement",
]
