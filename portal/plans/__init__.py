"""Planos de Trabalho: reading a plan (the prazo grammar), importing it, and adhesions."""
