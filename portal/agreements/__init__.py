"""Agreements (ACT, Acordo de Cooperação, Termo/Acordo de Adesão): their partícipes and goals,
the agreements list and the signed terms."""
