"""Input limits and the per-field checks that enforce them.

Lengths count Unicode code points (what `len(str)` counts), as DESIGN.md says. Each check
returns the normalised value and appends what is wrong to `problems`, so a command reports
every violation at once instead of making the caller fix them one round trip at a time.
"""

import unicodedata
from dataclasses import dataclass

from write_side.domain.errors import FieldViolation

_BODY_CONTROLS_ALLOWED = frozenset("\n\r\t")
_TAG_PUNCTUATION = frozenset("_-")
_MARKS = frozenset({"Mn", "Mc"})


@dataclass(frozen=True, slots=True, kw_only=True)
class Limits:
    title_max_length: int = 300
    body_max_length: int = 100_000
    max_tags: int = 20
    tag_max_length: int = 64

    def __post_init__(self) -> None:
        for name in ("title_max_length", "body_max_length", "max_tags", "tag_max_length"):
            if getattr(self, name) < 1:
                raise ValueError(f"{name} must be at least 1")


def check_title(raw: str, limits: Limits, problems: list[FieldViolation]) -> str:
    title = raw.strip()
    if not title:
        problems.append(FieldViolation("title", "must not be empty or only whitespace"))
    elif len(title) > limits.title_max_length:
        problems.append(FieldViolation("title", _too_long(limits.title_max_length, len(title))))
    bad = _first_invalid_char(title, allowed_controls=frozenset())
    if bad is not None:
        problems.append(FieldViolation("title", bad))
    return title


def check_body(body: str, limits: Limits, problems: list[FieldViolation]) -> str:
    if len(body) > limits.body_max_length:
        problems.append(FieldViolation("body", _too_long(limits.body_max_length, len(body))))
    bad = _first_invalid_char(body, allowed_controls=_BODY_CONTROLS_ALLOWED)
    if bad is not None:
        problems.append(FieldViolation("body", bad))
    return body


def check_tags(
    raw: tuple[str, ...], limits: Limits, problems: list[FieldViolation]
) -> tuple[str, ...]:
    if len(raw) > limits.max_tags:
        message = f"at most {limits.max_tags} tags are allowed, got {len(raw)}"
        problems.append(FieldViolation("tags", message))
    first_index: dict[str, int] = {}
    normalised_tags = []
    for index, tag in enumerate(raw):
        normalised = normalise_tag(tag)
        problem = _tag_problem(normalised, limits) or _duplicate(normalised, first_index)
        if problem is not None:
            problems.append(FieldViolation(f"tags[{index}]", problem))
        first_index.setdefault(normalised, index)
        normalised_tags.append(normalised)
    return tuple(normalised_tags)


def normalise_tag(tag: str) -> str:
    # NFKC first so full-width and other compatibility forms fold to the plain letters,
    # then lower-case; NFKC again because lower-casing can produce unnormalised sequences.
    return unicodedata.normalize("NFKC", unicodedata.normalize("NFKC", tag).lower())


def _tag_problem(tag: str, limits: Limits) -> str | None:
    if not tag:
        return "must not be empty"
    if len(tag) > limits.tag_max_length:
        return _too_long(limits.tag_max_length, len(tag))
    previous = ""
    for char in tag:
        if not _is_tag_char(char, previous):
            return f"may hold only letters, digits, '_' and '-', found {_describe(char)}"
        previous = char
    return None


def _is_tag_char(char: str, previous: str) -> bool:
    category = unicodedata.category(char)
    if category[0] == "L" or category == "Nd" or char in _TAG_PUNCTUATION:
        return True
    # Combining marks belong to the letter before them: Hindi needs them, and lower-casing
    # Turkish "İ" yields "i" + U+0307. A mark with no letter or digit to sit on is refused.
    return category in _MARKS and _is_word_char(previous)


def _is_word_char(char: str) -> bool:
    category = unicodedata.category(char) if char else ""
    return category[:1] == "L" or category == "Nd" or category in _MARKS


def _duplicate(tag: str, first_index: dict[str, int]) -> str | None:
    earlier = first_index.get(tag)
    if earlier is None:
        return None
    return f"duplicates tags[{earlier}] ({tag!r} after normalisation)"


def _first_invalid_char(text: str, *, allowed_controls: frozenset[str]) -> str | None:
    # Control characters corrupt logs and terminals (and PostgreSQL refuses NUL); lone
    # surrogates cannot be encoded as UTF-8 at all, so neither may reach an event.
    for position, char in enumerate(text):
        category = unicodedata.category(char)
        if category == "Cc" and char not in allowed_controls:
            return f"must not contain control characters, found {_describe(char)} at {position}"
        if category == "Cs":
            return f"must be valid Unicode, found a lone surrogate at {position}"
    return None


def _too_long(limit: int, length: int) -> str:
    return f"must be at most {limit} characters (Unicode code points), got {length}"


def _describe(char: str) -> str:
    return f"U+{ord(char):04X}" if not char.isprintable() else f"{char!r}"
