"""One extension per command group."""
