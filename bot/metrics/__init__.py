"""Quality and progress metrics: pure functions over plain records (no database, no Slack)."""

from bot.metrics.agreement import (
    Coefficient,
    PairwiseKappa,
    cohen_kappa,
    fleiss_kappa,
    mean_pairwise_cohen_kappa,
    percent_agreement,
    units_from_answers,
)
from bot.metrics.alpha import Level, krippendorff_alpha
from bot.metrics.annotators import (
    AnnotatorStats,
    active_time,
    agreement_with_final,
    annotator_stats,
    gold_accuracy,
    median_seconds,
    unsure_rate,
)
from bot.metrics.labels import ConfusionPair, LabelCount, confusion_pairs, label_distribution
from bot.metrics.model import prediction_accuracy
from bot.metrics.progress import (
    DayThroughput,
    Eta,
    Pace,
    ProgressSummary,
    daily_throughput,
    eta,
    pace,
    progress_summary,
)
from bot.metrics.records import Accuracy, AnswerRecord, AnswerValue, ItemRecord, ReviewRecord, Units

__all__ = [
    "Accuracy",
    "AnnotatorStats",
    "AnswerRecord",
    "AnswerValue",
    "Coefficient",
    "ConfusionPair",
    "DayThroughput",
    "Eta",
    "ItemRecord",
    "LabelCount",
    "Level",
    "Pace",
    "PairwiseKappa",
    "ProgressSummary",
    "ReviewRecord",
    "Units",
    "active_time",
    "agreement_with_final",
    "annotator_stats",
    "cohen_kappa",
    "confusion_pairs",
    "daily_throughput",
    "eta",
    "fleiss_kappa",
    "gold_accuracy",
    "krippendorff_alpha",
    "label_distribution",
    "mean_pairwise_cohen_kappa",
    "median_seconds",
    "pace",
    "percent_agreement",
    "prediction_accuracy",
    "progress_summary",
    "unsure_rate",
    "units_from_answers",
]
