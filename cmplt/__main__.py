"""`python -m cmplt`, the same as the `cmplt` command."""

from cmplt.cli import run

run()
