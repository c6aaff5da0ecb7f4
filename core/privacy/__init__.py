"""Privacy: the egress gate, the audit store, provenance and redaction."""
