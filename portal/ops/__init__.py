"""Operations: backup and restore of a whole instance, and the evidence storage check."""
