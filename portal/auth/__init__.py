"""Login, passwords, accounts, roles and the permission policy."""
