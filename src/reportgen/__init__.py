"""reportgen: a township's year of facts (YAML) → a GB/T 9704-2012 rule-of-law report (.docx)."""

__version__ = "0.1.0"
