"""`reportgen serve`: a local web form, generated from schema.json, that writes the same YAML the CLI reads."""
