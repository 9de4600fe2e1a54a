"""Partner workspace: what is due, submissions with evidence, downloads."""
