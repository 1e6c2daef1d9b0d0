import re
from uuid import uuid4

import pytest

from write_side.domain import (
    AlreadyExists,
    DomainError,
    FieldViolation,
    IllegalTransition,
    InvalidInput,
    PermissionDenied,
    PostNotFound,
    VersionConflict,
)

POST_ID = uuid4()


@pytest.mark.parametrize(
    ("error", "reason"),
    [
        (InvalidInput([FieldViolation("title", "must not be empty")]), "INVALID_INPUT"),
        (PostNotFound(POST_ID), "POST_NOT_FOUND"),
        (PermissionDenied(POST_ID), "PERMISSION_DENIED"),
        (IllegalTransition("POST_DELETED", POST_ID), "POST_DELETED"),
        (AlreadyExists(POST_ID), "POST_ALREADY_EXISTS"),
        (VersionConflict(3, 5, POST_ID), "VERSION_MISMATCH"),
    ],
    ids=lambda value: type(value).__name__ if isinstance(value, Exception) else value,
)
def test_every_domain_error_carries_a_stable_upper_snake_reason(
    error: DomainError, reason: str
) -> None:
    assert isinstance(error, DomainError)
    assert error.reason == reason
    assert re.fullmatch(r"[A-Z][A-Z_]*", error.reason)


def test_a_version_conflict_reports_both_versions_for_the_error_details() -> None:
    conflict = VersionConflict(expected=3, current=5)

    assert (conflict.expected, conflict.current) == (3, 5)
    assert "version 5, not 3" in str(conflict)


def test_invalid_input_keeps_its_violations_in_order_and_names_them_in_its_message() -> None:
    violations = [FieldViolation("title", "too long"), FieldViolation("tags[3]", "bad")]

    error = InvalidInput(violations)

    assert error.violations == (("title", "too long"), ("tags[3]", "bad"))
    assert str(error) == "invalid input: title: too long; tags[3]: bad"
