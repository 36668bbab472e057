"""Core of the union training platform: configuration, extensions, accounts, organizations."""
