"""The union's tree of organizations and the invite codes that place new members in it."""
