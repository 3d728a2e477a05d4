"""The services, one per flow of the manual."""

from softtoken.lifecycle._accounts import AccountService, PasswordCheck

__all__ = ["AccountService", "PasswordCheck"]
