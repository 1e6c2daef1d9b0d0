"""Command-level validation: every field checked, every violation collected, values normalised.

Validation depends only on the command and the limits, never on the post's state, so it can
run before or after the state checks without leaking whether a post exists.
"""

from dataclasses import replace

from write_side.domain.commands import CreatePost, EditPost
from write_side.domain.errors import FieldViolation, InvalidInput
from write_side.domain.limits import Limits, check_body, check_tags, check_title


def validate_create(command: CreatePost, limits: Limits) -> CreatePost:
    problems: list[FieldViolation] = []
    normalised = replace(
        command,
        title=check_title(command.title, limits, problems),
        body=check_body(command.body, limits, problems),
        tags=check_tags(command.tags, limits, problems),
    )
    _raise_if_any(problems)
    return normalised


def validate_edit(command: EditPost, limits: Limits) -> EditPost:
    problems: list[FieldViolation] = []
    fields = (command.title, command.body, command.tags, command.visibility)
    if all(value is None for value in fields):
        problems.append(FieldViolation("update_mask", "must name at least one field to change"))
    normalised = replace(
        command,
        title=None if command.title is None else check_title(command.title, limits, problems),
        body=None if command.body is None else check_body(command.body, limits, problems),
        tags=None if command.tags is None else check_tags(command.tags, limits, problems),
    )
    _raise_if_any(problems)
    return normalised


def _raise_if_any(problems: list[FieldViolation]) -> None:
    if problems:
        raise InvalidInput(problems)
