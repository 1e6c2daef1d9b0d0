"""Enumerations shared by events, the aggregate and the read model.

Values equal the names on purpose: the JSON of an event carries the short upper-case name
("PUBLIC", "DRAFT"); the gRPC edge maps them to and from the buf-style proto enums.
"""

from enum import StrEnum


class Visibility(StrEnum):
    PUBLIC = "PUBLIC"
    UNLISTED = "UNLISTED"
    PRIVATE = "PRIVATE"


class PostStatus(StrEnum):
    DRAFT = "DRAFT"
    PUBLISHED = "PUBLISHED"
    DELETED = "DELETED"
