"""Relatório Anual da Rede de Parcerias (meta 3.6) and each partner's contribution (3.5)."""
