"""Staff accounts (Mitarbeitende) and their Quartiere."""
