"""Checks a response's answers against the questions of its survey."""

from app.errors import AppError
from app.models.survey import EMOTIONS, SCALES, TEXT_MAX_LENGTH, Survey
from app.schemas.common import CONTROL_IN_LINES, CONTROL_MESSAGE
from app.schemas.survey import SCORED_TYPES


def _check(question, value) -> str | None:
    """The problem with one answer, or None when it is fine."""
    kind = question.type
    if kind in SCALES:
        low, high = SCALES[kind]
        if isinstance(value, bool) or not isinstance(value, int):
            return f"must be a whole number from {low} to {high}"
        if not low <= value <= high:
            return f"must be from {low} to {high}"
    elif kind == "emotion":
        if value not in EMOTIONS:
            return f"must be one of {', '.join(EMOTIONS)}"
    elif kind == "choice":
        if value not in question.option_keys():
            return f"must be one of {', '.join(question.option_keys())}"
    elif kind == "text":
        if not isinstance(value, str):
            return "must be text"
        limit = question.max_length or TEXT_MAX_LENGTH
        if len(value) > limit:
            return f"must be at most {limit} characters"
        if CONTROL_IN_LINES.search(value):  # tab and line breaks are fine in an answer
            return CONTROL_MESSAGE
    return None


def validate(survey: Survey, answers: dict) -> dict:
    """The cleaned answers (texts trimmed, empty texts dropped), or a 422 naming each field."""
    problems: dict[str, list[str]] = {}
    cleaned = {}
    for key, value in answers.items():
        question = survey.question(key)
        if question is None:
            problems[f"answers.{key}"] = ["this survey has no such question"]
            continue
        if value is None:
            continue
        problem = _check(question, value)
        if problem:
            problems[f"answers.{key}"] = [problem]
        elif question.type == "text":
            if value.strip():
                cleaned[key] = value.strip()
        else:
            cleaned[key] = value
    for question in survey.questions:
        if (
            question.required
            and question.key not in cleaned
            and f"answers.{question.key}" not in problems
        ):
            problems[f"answers.{question.key}"] = ["an answer is required"]
    if not problems and not cleaned:
        problems["answers"] = ["answer at least one question"]
    if problems:
        raise AppError(422, "some answers are not valid", fields=problems)
    return cleaned


def typed_values(survey: Survey, answers: dict) -> dict:
    """The nps/csat/ces/emotion answer and all text answers joined: the response columns.

    A survey has one question of each scored type (app/schemas/survey.py); one saved before
    that rule may have two, and then only the first is counted."""
    values: dict = {**dict.fromkeys(SCORED_TYPES), "comment": None}
    texts = []
    for question in survey.questions:
        if question.key not in answers:
            continue
        if question.type == "text":
            texts.append(answers[question.key])
        elif question.type in values and values[question.type] is None:
            values[question.type] = answers[question.key]
    values["comment"] = "\n".join(texts) or None
    return values
