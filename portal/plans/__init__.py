"""Planos de Trabalho: reading a plan (the prazo grammar), importing it, adhesions, and an
agreement's page with the editing of its data and of its goals' schedules."""
