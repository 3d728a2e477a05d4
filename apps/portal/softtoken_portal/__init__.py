"""The reference portal of the Soft Token manual on softtoken (docs/portal.md):
``create_app(soft, officers=...)`` is a Starlette application; ``python -m
softtoken_portal`` runs it on a development deployment."""

from softtoken_portal._app import Portal, create_app
from softtoken_portal._clients import HttpPhone, send_assertion

__all__ = ["HttpPhone", "Portal", "create_app", "send_assertion"]
