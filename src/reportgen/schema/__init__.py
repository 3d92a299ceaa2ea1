"""Input checking: the JSON Schema, then the facts no schema can express."""
