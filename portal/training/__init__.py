"""Capacitações: the training each institution delivered (meta 2.2), its evidence and hours."""
