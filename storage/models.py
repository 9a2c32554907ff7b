"""Typed ORM models. Every table is created by an Alembic migration, never by `create_all`."""

from __future__ import annotations

import enum
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    Computed,
    DateTime,
    Enum,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


#: Python None is SQL NULL in every JSON column (not the JSON text `null`), so `IS NULL`
#: means "no value" whichever path (ORM or bulk insert) wrote the row.
NullableJSON = JSON(none_as_null=True)


def utcnow() -> datetime:
    return datetime.now(UTC)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)
    type_annotation_map = {datetime: DateTime(timezone=True), dict[str, Any]: JSON}

    def __repr__(self) -> str:
        key = getattr(self, "id", None)
        return f"<{type(self).__name__} id={key}>"


def _enum(cls: type[enum.Enum], name: str) -> Enum:
    """Store enum values (not names) with a named type, portable across SQLite and PostgreSQL."""
    return Enum(
        cls,
        name=name,
        values_callable=lambda members: [m.value for m in members],
        native_enum=False,
        length=32,
        validate_strings=True,
    )


class ItemStatus(enum.StrEnum):
    OPEN = "open"
    IN_REVIEW = "in_review"
    COMPLETE = "complete"


class FinalMethod(enum.StrEnum):
    CONSENSUS = "consensus"
    DAWID_SKENE = "dawid_skene"
    ADJUDICATED = "adjudicated"
    GOLD = "gold"


class AnnotationSource(enum.StrEnum):
    SLACK = "slack"
    IMPORT = "import"


class LeaseStatus(enum.StrEnum):
    ACTIVE = "active"
    ANSWERED = "answered"
    RELEASED = "released"
    SKIPPED = "skipped"


class ReviewReason(enum.StrEnum):
    UNSURE = "unsure"
    DISAGREEMENT = "disagreement"
    QA_SAMPLE = "qa_sample"
    MANUAL = "manual"
    NOT_CONFIDENT = "not_confident"
    #: The project's own model finds the decided label unlikely (`bot.model.label_errors`).
    POSSIBLE_LABEL_ERROR = "possible_label_error"


class ReviewStatus(enum.StrEnum):
    OPEN = "open"
    RESOLVED = "resolved"
    SENT_BACK = "sent_back"


class Project(Base):
    __tablename__ = "projects"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(64), unique=True)
    title: Mapped[str] = mapped_column(String(200))
    spec: Mapped[dict[str, Any]] = mapped_column(NullableJSON)
    guideline_version: Mapped[str] = mapped_column(String(64))
    paused: Mapped[bool] = mapped_column(Boolean, default=False, server_default="0")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    guideline_versions: Mapped[list[GuidelineVersion]] = relationship(
        back_populates="project", cascade="all, delete-orphan", passive_deletes=True
    )

    def __repr__(self) -> str:
        return f"<Project id={self.id} slug={self.slug!r}>"


class GuidelineVersion(Base):
    __tablename__ = "guideline_versions"
    __table_args__ = (UniqueConstraint("project_id", "version"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("projects.id", ondelete="CASCADE"))
    version: Mapped[str] = mapped_column(String(64))
    content: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    project: Mapped[Project] = relationship(back_populates="guideline_versions")

    def __repr__(self) -> str:
        return f"<GuidelineVersion project={self.project_id} version={self.version!r}>"


class Item(Base):
    __tablename__ = "items"
    __table_args__ = (
        UniqueConstraint("project_id", "external_id"),
        # Matches next_item's ORDER BY, so choosing the next item walks the index and stops at
        # the first row the person may take instead of sorting every open item.
        Index(
            "ix_items_queue",
            "project_id",
            "status",
            "is_gold",
            "remaining_answers",
            "rank_priority",
            "confidence",
            "id",
        ),
        # Completions per day (stats throughput) and per week (digest agreement) are range
        # scans of this index instead of a pass over every item of the project.
        Index("ix_items_project_completed", "project_id", "completed_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("projects.id", ondelete="CASCADE"))
    external_id: Mapped[str] = mapped_column(String(255))
    data: Mapped[dict[str, Any]] = mapped_column(NullableJSON)
    source: Mapped[str] = mapped_column(String(32), default="import")
    source_ref: Mapped[str | None] = mapped_column(String(500))
    priority: Mapped[int] = mapped_column(Integer, default=0)
    #: `-priority`, so the queue index is ascending in every column (portable and reflectable).
    rank_priority: Mapped[int] = mapped_column(Integer, Computed("-priority", persisted=True))
    required_answers: Mapped[int] = mapped_column(Integer)
    answer_count: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    remaining_answers: Mapped[int] = mapped_column(
        Integer, Computed("required_answers - answer_count", persisted=True)
    )
    is_gold: Mapped[bool] = mapped_column(Boolean, default=False, server_default="0")
    gold_answer: Mapped[Any | None] = mapped_column(NullableJSON)
    gold_note: Mapped[str | None] = mapped_column(Text)
    prediction: Mapped[Any | None] = mapped_column(NullableJSON)
    prediction_score: Mapped[float | None] = mapped_column(Float)
    #: The project's model version that wrote `prediction`; None for an imported prediction.
    prediction_version: Mapped[int | None] = mapped_column(Integer)
    #: The model's confidence for queue order; items without a prediction count as certain.
    confidence: Mapped[float] = mapped_column(
        Float, Computed("coalesce(prediction_score, 1.0)", persisted=True)
    )
    status: Mapped[ItemStatus] = mapped_column(
        _enum(ItemStatus, "item_status"), default=ItemStatus.OPEN
    )
    final_label: Mapped[Any | None] = mapped_column(NullableJSON)
    final_method: Mapped[FinalMethod | None] = mapped_column(_enum(FinalMethod, "final_method"))
    #: How sure the decision is: the top answer's share (consensus), its posterior
    #: (dawid_skene), 1.0 for gold; None while undecided or when a lead decided.
    label_confidence: Mapped[float | None] = mapped_column(Float)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    completed_at: Mapped[datetime | None] = mapped_column()

    def __repr__(self) -> str:
        return f"<Item id={self.id} project={self.project_id} external_id={self.external_id!r}>"


class Annotation(Base):
    """One answer by one person. A changed answer supersedes the old row, which is kept."""

    __tablename__ = "annotations"
    __table_args__ = (
        Index(
            "uq_annotations_current_per_annotator",
            "item_id",
            "annotator",
            unique=True,
            sqlite_where=text("superseded_at IS NULL"),
            postgresql_where=text("superseded_at IS NULL"),
        ),
        Index("ix_annotations_project_annotator", "project_id", "annotator", "created_at"),
        Index("ix_annotations_project_created", "project_id", "created_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("items.id", ondelete="CASCADE"), index=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("projects.id", ondelete="CASCADE"))
    annotator: Mapped[str] = mapped_column(String(64))
    value: Mapped[Any | None] = mapped_column(NullableJSON)
    unsure: Mapped[bool] = mapped_column(Boolean, default=False, server_default="0")
    unsure_reason: Mapped[str | None] = mapped_column(String(32))
    unsure_note: Mapped[str | None] = mapped_column(Text)
    guideline_version: Mapped[str | None] = mapped_column(String(64))
    seconds: Mapped[float | None] = mapped_column(Float)
    #: The card showed the model's suggestion when this answer was given (anchoring check).
    suggestion_shown: Mapped[bool] = mapped_column(Boolean, default=False, server_default="0")
    source: Mapped[AnnotationSource] = mapped_column(
        _enum(AnnotationSource, "annotation_source"), default=AnnotationSource.SLACK
    )
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    superseded_at: Mapped[datetime | None] = mapped_column()

    def __repr__(self) -> str:
        return f"<Annotation id={self.id} item={self.item_id} annotator={self.annotator!r}>"


class Lease(Base):
    """An item handed to one annotator; expires so abandoned items return to the queue."""

    __tablename__ = "leases"
    __table_args__ = (
        Index(
            "uq_leases_active_per_annotator",
            "item_id",
            "annotator",
            unique=True,
            sqlite_where=text("status = 'active'"),
            postgresql_where=text("status = 'active'"),
        ),
        Index("ix_leases_annotator_status", "annotator", "status", "project_id"),
        Index("ix_leases_item_status", "item_id", "status", "expires_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("items.id", ondelete="CASCADE"))
    project_id: Mapped[int] = mapped_column(ForeignKey("projects.id", ondelete="CASCADE"))
    annotator: Mapped[str] = mapped_column(String(64))
    status: Mapped[LeaseStatus] = mapped_column(
        _enum(LeaseStatus, "lease_status"), default=LeaseStatus.ACTIVE
    )
    shown_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime] = mapped_column()

    def __repr__(self) -> str:
        return f"<Lease id={self.id} item={self.item_id} annotator={self.annotator!r}>"


class ChannelPost(Base):
    """An item posted into a labeling channel (channel mode), so it is posted once."""

    __tablename__ = "channel_posts"
    __table_args__ = (UniqueConstraint("item_id", "channel"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("items.id", ondelete="CASCADE"))
    project_id: Mapped[int] = mapped_column(
        ForeignKey("projects.id", ondelete="CASCADE"), index=True
    )
    channel: Mapped[str] = mapped_column(String(32))
    message_ts: Mapped[str | None] = mapped_column(String(32))
    posted_by: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


def _first_reason(context: Any) -> list[str]:
    """A new review's `reasons` default: the reason it is opened for."""
    reason = context.get_current_parameters().get("reason")
    return [str(reason)] if reason is not None else []


class Review(Base):
    __tablename__ = "reviews"
    __table_args__ = (
        Index(
            "uq_reviews_open_per_item",
            "item_id",
            unique=True,
            sqlite_where=text("status = 'open'"),
            postgresql_where=text("status = 'open'"),
        ),
        Index("ix_reviews_project_status", "project_id", "status"),
        Index("ix_reviews_post", "channel", "message_ts"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("items.id", ondelete="CASCADE"))
    project_id: Mapped[int] = mapped_column(ForeignKey("projects.id", ondelete="CASCADE"))
    #: Why the review was opened; `reasons` lists it with every later reason, in order.
    reason: Mapped[ReviewReason] = mapped_column(_enum(ReviewReason, "review_reason"))
    reasons: Mapped[list[str]] = mapped_column(JSON, default=_first_reason, server_default="[]")
    requested_by: Mapped[str | None] = mapped_column(String(64))
    status: Mapped[ReviewStatus] = mapped_column(
        _enum(ReviewStatus, "review_status"), default=ReviewStatus.OPEN
    )
    resolution: Mapped[Any | None] = mapped_column(NullableJSON)
    resolution_note: Mapped[str | None] = mapped_column(Text)
    resolver: Mapped[str | None] = mapped_column(String(64))
    channel: Mapped[str | None] = mapped_column(String(32))
    message_ts: Mapped[str | None] = mapped_column(String(32))
    #: The post shows less than the item now has (an answer or a reason arrived since it was
    #: rendered); the publisher updates it in place and clears the flag.
    post_stale: Mapped[bool] = mapped_column(Boolean, default=False, server_default="0")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    resolved_at: Mapped[datetime | None] = mapped_column()


class Comment(Base):
    """A reply in a review post's thread: the item's recorded discussion."""

    __tablename__ = "comments"
    __table_args__ = (UniqueConstraint("channel", "message_ts"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("items.id", ondelete="CASCADE"), index=True)
    review_id: Mapped[int | None] = mapped_column(ForeignKey("reviews.id", ondelete="SET NULL"))
    author: Mapped[str] = mapped_column(String(64))
    text: Mapped[str] = mapped_column(Text)
    channel: Mapped[str] = mapped_column(String(32))
    message_ts: Mapped[str] = mapped_column(String(32))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    edited_at: Mapped[datetime | None] = mapped_column()
    deleted_at: Mapped[datetime | None] = mapped_column()


class EdgeCase(Base):
    __tablename__ = "edge_cases"

    id: Mapped[int] = mapped_column(primary_key=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("items.id", ondelete="CASCADE"), index=True)
    project_id: Mapped[int] = mapped_column(
        ForeignKey("projects.id", ondelete="CASCADE"), index=True
    )
    what_makes_it_hard: Mapped[str] = mapped_column(Text)
    proposed_wording: Mapped[str | None] = mapped_column(Text)
    marked_by: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class GuidelineAck(Base):
    __tablename__ = "guideline_acks"
    __table_args__ = (UniqueConstraint("project_id", "user_id", "version"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("projects.id", ondelete="CASCADE"))
    user_id: Mapped[str] = mapped_column(String(64))
    version: Mapped[str] = mapped_column(String(64))
    acked_at: Mapped[datetime] = mapped_column(default=utcnow)


class GuidelineFeedback(Base):
    __tablename__ = "guideline_feedback"

    id: Mapped[int] = mapped_column(primary_key=True)
    project_id: Mapped[int] = mapped_column(
        ForeignKey("projects.id", ondelete="CASCADE"), index=True
    )
    author: Mapped[str] = mapped_column(String(64))
    text: Mapped[str] = mapped_column(Text)
    guideline_version: Mapped[str | None] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class AuditEvent(Base):
    __tablename__ = "audit_events"
    __table_args__ = (Index("ix_audit_events_project_created", "project_id", "created_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    project_id: Mapped[int | None] = mapped_column(ForeignKey("projects.id", ondelete="SET NULL"))
    actor: Mapped[str] = mapped_column(String(64))
    action: Mapped[str] = mapped_column(String(64))
    detail: Mapped[dict[str, Any]] = mapped_column(NullableJSON, default=dict)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class DigestRun(Base):
    """One posted digest; the unique key makes a second post for the same period impossible."""

    __tablename__ = "digest_runs"
    __table_args__ = (UniqueConstraint("project_id", "kind", "period"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("projects.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(16))
    period: Mapped[str] = mapped_column(String(32))
    status: Mapped[str] = mapped_column(String(16), default="started")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    finished_at: Mapped[datetime | None] = mapped_column()


class ConsensusModel(Base):
    """A fitted Dawid–Skene model of a project's annotators, one row per fit (newest wins).

    `params` holds the label order, the annotator ids in model order, class priors, each
    annotator's confusion matrix and estimated accuracy: what scoring one item needs.
    """

    __tablename__ = "consensus_models"
    __table_args__ = (UniqueConstraint("project_id", "version"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("projects.id", ondelete="CASCADE"))
    version: Mapped[int] = mapped_column(Integer)
    answers: Mapped[int] = mapped_column(Integer)
    items: Mapped[int] = mapped_column(Integer)
    params: Mapped[dict[str, Any]] = mapped_column(JSON)
    fitted_at: Mapped[datetime] = mapped_column(default=utcnow)

    def __repr__(self) -> str:
        return f"<ConsensusModel project={self.project_id} version={self.version}>"


class LabelModel(Base):
    """One training run of a project's own model (`model:` in the project file).

    Every run is kept for the learning curve (`labels`, `metrics`); only the newest runs keep
    the fitted model itself (`fitted`, a pickled scikit-learn pipeline written and read only by
    this application), so every process and a restart predict with the same one.
    """

    __tablename__ = "label_models"
    __table_args__ = (UniqueConstraint("project_id", "version"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("projects.id", ondelete="CASCADE"))
    version: Mapped[int] = mapped_column(Integer)
    kind: Mapped[str] = mapped_column(String(32))
    #: Decided labels in the project when the run started: what `retrain_every` counts from.
    labels: Mapped[int] = mapped_column(Integer)
    #: Labels the model was trained on (at most `max_train_items`).
    trained_on: Mapped[int] = mapped_column(Integer)
    classes: Mapped[list[str]] = mapped_column(JSON)
    #: Cross-validated accuracy, macro-F1, folds, seconds; see `bot.model.training`.
    metrics: Mapped[dict[str, Any]] = mapped_column(JSON)
    fitted: Mapped[bytes | None] = mapped_column(LargeBinary)
    trained_at: Mapped[datetime] = mapped_column(default=utcnow)

    def __repr__(self) -> str:
        return f"<LabelModel project={self.project_id} version={self.version}>"


class LabelIssue(Base):
    """A decided label the model finds unlikely, sent to review once per item."""

    __tablename__ = "label_issues"
    __table_args__ = (
        UniqueConstraint("item_id"),
        Index("ix_label_issues_project_found", "project_id", "found_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("projects.id", ondelete="CASCADE"))
    item_id: Mapped[int] = mapped_column(ForeignKey("items.id", ondelete="CASCADE"))
    review_id: Mapped[int | None] = mapped_column(ForeignKey("reviews.id", ondelete="SET NULL"))
    model_version: Mapped[int] = mapped_column(Integer)
    given: Mapped[Any] = mapped_column(JSON)
    given_probability: Mapped[float] = mapped_column(Float)
    suggested: Mapped[Any] = mapped_column(JSON)
    suggested_probability: Mapped[float] = mapped_column(Float)
    found_at: Mapped[datetime] = mapped_column(default=utcnow)
    #: None while in review; `changed` when the lead's label differs from `given`, else `kept`;
    #: `sent_back` when the lead asked for more answers instead (`bot.flows.review_decisions`).
    outcome: Mapped[str | None] = mapped_column(String(16))


class Quarantine(Base):
    """An annotator who gets no items of a project until a lead releases them."""

    __tablename__ = "quarantines"
    __table_args__ = (
        Index(
            "uq_quarantines_active",
            "project_id",
            "annotator",
            unique=True,
            sqlite_where=text("released_at IS NULL"),
            postgresql_where=text("released_at IS NULL"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("projects.id", ondelete="CASCADE"))
    annotator: Mapped[str] = mapped_column(String(64))
    accuracy: Mapped[float] = mapped_column(Float)
    answers: Mapped[int] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    released_at: Mapped[datetime | None] = mapped_column()
    released_by: Mapped[str | None] = mapped_column(String(64))

    def __repr__(self) -> str:
        return f"<Quarantine project={self.project_id} annotator={self.annotator!r}>"


class LiveCard(Base):
    """The one labeling card of a person and project whose buttons count: a newer card
    supersedes it, and clicks on any other card are answered, not recorded."""

    __tablename__ = "live_cards"
    __table_args__ = (UniqueConstraint("project_id", "annotator"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("projects.id", ondelete="CASCADE"))
    annotator: Mapped[str] = mapped_column(String(64))
    channel: Mapped[str] = mapped_column(String(32))
    message_ts: Mapped[str] = mapped_column(String(32))
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)

    def __repr__(self) -> str:
        return f"<LiveCard project={self.project_id} annotator={self.annotator!r}>"


class ProcessedEvent(Base):
    """Slack event ids already handled, so redelivered events are stored once."""

    __tablename__ = "processed_events"

    event_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    received_at: Mapped[datetime] = mapped_column(default=utcnow)

    def __repr__(self) -> str:
        return f"<ProcessedEvent {self.event_id}>"


class SeenRequest(Base):
    """Signatures of signed Slack requests already admitted, so a byte-for-byte replay is
    refused by every process sharing the database. Kept only as long as a signature's
    timestamp could pass the five-minute check. On SQLite the claims live in a file beside the
    database instead (see storage.replays), and this table stays empty."""

    __tablename__ = "seen_requests"

    signature: Mapped[str] = mapped_column(String(80), primary_key=True)
    received_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)

    def __repr__(self) -> str:
        return f"<SeenRequest {self.signature[:12]}>"
