"""Servidores indicados (meta 1.1): each institution's focal points and Painel Gerencial access."""
