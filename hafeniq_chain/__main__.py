"""``python -m hafeniq_chain`` = the ``hafeniq-chain`` command."""

from hafeniq_chain.cli import app

app()
