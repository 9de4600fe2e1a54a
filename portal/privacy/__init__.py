"""LGPD: what the portal holds about a person, for them to download, and who saw a CPF."""
