"""Every model of the platform, imported in one place for migrations and schema checks."""

from training.accounts.models import User, UserRole
from training.organizations.models import InviteCode, Organization

__all__ = ["InviteCode", "Organization", "User", "UserRole"]
