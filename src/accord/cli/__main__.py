"""`python -m accord.cli`: the same command line as the `accord` script."""

from accord.cli.main import app

app()
