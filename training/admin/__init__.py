"""Administration pages: users and their roles."""
