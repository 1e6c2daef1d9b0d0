"""event_contract."""
