"""Blocks → a GB/T 9704-2012 .docx: the profile holds the numbers, the rest applies them."""
