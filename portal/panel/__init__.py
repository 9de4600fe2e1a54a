"""SEGES's view of the whole Rede: progress per institution, filters, and exports."""
