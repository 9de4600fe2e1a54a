"""Institutions (partícipes of the Rede): their register, two layers (partner and adherents),
search, and the pages that list, show and edit them."""
