"""Every Slack identifier the app declares or listens for, used by views and listeners alike."""

from __future__ import annotations

import enum

SLASH_COMMAND = "/label"


class Shortcut(enum.StrEnum):
    LABEL_MESSAGE = "label_message"
    QUEUE_MESSAGE = "queue_message"


class Action(enum.StrEnum):
    START_LABELING = "start_labeling"
    PICK_PROJECT = "pick_project"
    ACK_GUIDELINES = "ack_guidelines"
    ANSWER = "answer"
    SUBMIT_CHOICES = "submit_choices"
    CHOICES = "choices"
    OPEN_FREE_TEXT = "open_free_text"
    UNSURE = "unsure"
    SKIP = "skip"
    STOP = "stop"
    UNDO = "undo"
    SHOW_FULL_TEXT = "show_full_text"
    CHANNEL_ANSWER = "channel_answer"
    RESOLVE = "resolve"
    OPEN_RESOLVE = "open_resolve"
    MARK_EDGE_CASE = "mark_edge_case"
    SEND_BACK = "send_back"
    SEND_TO_REVIEW = "send_to_review"
    RELABEL = "relabel"
    OPEN_ITEM = "open_item"
    OPEN_LINK = "open_link"
    RELEASE_ANNOTATOR = "release_annotator"


class View(enum.StrEnum):
    UNSURE = "unsure_modal"
    FREE_TEXT = "free_text_modal"
    FULL_TEXT = "full_text_modal"
    RESOLVE = "resolve_modal"
    EDGE_CASE = "edge_case_modal"
    LABEL_MESSAGE = "label_message_modal"


class Event(enum.StrEnum):
    APP_HOME_OPENED = "app_home_opened"
    MESSAGE = "message"
