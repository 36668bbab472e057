"""Accounts: registration, login, passwords and roles."""
