"""`python -m reportgen` runs the CLI."""

from reportgen.cli import run

run()
