"""Errors raised while decoding events: one base class so callers can catch the whole family."""


class EventContractError(Exception):
    """An event does not fit the contract."""


class UnknownEventTypeError(EventContractError):
    def __init__(self, event_type: str) -> None:
        super().__init__(f"unknown event type {event_type!r}")
        self.event_type = event_type


class EventDecodeError(EventContractError):
    def __init__(self, event_type: str, schema_version: int, problem: str) -> None:
        super().__init__(f"cannot decode {event_type} (schema version {schema_version}): {problem}")
        self.event_type = event_type
        self.schema_version = schema_version
        self.problem = problem
